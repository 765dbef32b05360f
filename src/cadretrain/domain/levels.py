"""Credential dimensions, their ordered levels and the equivalences between them.

A level satisfies a requirement when its rank in the dimension is at least the required rank,
or when an explicit cross-dimension equivalence says so (an advanced political-theory/public-
administration diploma also counts as the senior-specialist state-management certificate).
"""

from __future__ import annotations

from enum import StrEnum


class Dimension(StrEnum):
    EDUCATION = "EDUCATION"
    POLITICAL_THEORY = "POLITICAL_THEORY"
    STATE_MANAGEMENT = "STATE_MANAGEMENT"
    IT = "IT"
    FOREIGN_LANGUAGE = "FOREIGN_LANGUAGE"


class DerivedDimension(StrEnum):
    """Requirement dimensions computed from training history rather than held credentials."""

    KNOWLEDGE_UPDATE_MONTHS = "KNOWLEDGE_UPDATE_MONTHS"
    ANNUAL_PERIODS = "ANNUAL_PERIODS"


# Rank of each level inside its dimension; equal ranks are interchangeable (CU_NHAN = CAO_CAP).
LEVEL_RANKS: dict[Dimension, dict[str, int]] = {
    Dimension.EDUCATION: {"DUOI_CAO_DANG": 1, "CAO_DANG": 2, "DAI_HOC": 3, "THAC_SI": 4, "TIEN_SI": 5},
    Dimension.POLITICAL_THEORY: {
        "SO_CAP": 1,
        "TRUNG_CAP": 2,
        "CAO_CAP": 3,
        "CU_NHAN": 3,
        "CAO_CAP_LLCT_HANH_CHINH": 3,
    },
    Dimension.STATE_MANAGEMENT: {"CHUYEN_VIEN": 1, "CHUYEN_VIEN_CHINH": 2, "CHUYEN_VIEN_CAO_CAP": 3},
    Dimension.IT: {"CO_BAN": 1, "NANG_CAO": 2},
    Dimension.FOREIGN_LANGUAGE: {f"BAC_{n}": n for n in range(1, 7)},
}

# (held dimension, held level) → extra (dimension, level) it also counts as.
CROSS_EQUIVALENCES: dict[tuple[Dimension, str], tuple[tuple[Dimension, str], ...]] = {
    (Dimension.POLITICAL_THEORY, "CAO_CAP_LLCT_HANH_CHINH"): (
        (Dimension.STATE_MANAGEMENT, "CHUYEN_VIEN_CAO_CAP"),
    ),
}

CREDENTIAL_DIMENSIONS: tuple[str, ...] = tuple(d.value for d in Dimension)
ALL_REQUIREMENT_DIMENSIONS: tuple[str, ...] = CREDENTIAL_DIMENSIONS + tuple(
    d.value for d in DerivedDimension
)


def is_known_level(dimension: str, level: str) -> bool:
    """True when `level` is a level of the credential `dimension`."""
    try:
        return level in LEVEL_RANKS[Dimension(dimension)]
    except ValueError:
        return False


def level_rank(dimension: str, level: str) -> int:
    """Rank of a level in its dimension (raises KeyError/ValueError for unknown values)."""
    return LEVEL_RANKS[Dimension(dimension)][level]


def effective_levels(dimension: str, level: str) -> list[tuple[str, int]]:
    """Every (dimension, rank) a held credential counts as, including cross equivalences."""
    dim = Dimension(dimension)
    out = [(dim.value, LEVEL_RANKS[dim][level])]
    for other_dim, other_level in CROSS_EQUIVALENCES.get((dim, level), ()):
        out.append((other_dim.value, LEVEL_RANKS[other_dim][other_level]))
    return out


def satisfies(
    held_dimension: str,
    held_level: str,
    required_dimension: str,
    required_level: str,
    *,
    held_language: str | None = None,
    required_language: str | None = None,
) -> bool:
    """Whether one held credential meets one requirement row."""
    if (
        required_dimension == Dimension.FOREIGN_LANGUAGE
        and required_language
        and (held_language or "").lower() != required_language.lower()
    ):
        return False
    need = level_rank(required_dimension, required_level)
    return any(
        dim == required_dimension and rank >= need
        for dim, rank in effective_levels(held_dimension, held_level)
    )
