"""Levels and equivalences of spec/interchange.md, without a database."""

import pytest

from cadretrain.domain.levels import satisfies


@pytest.mark.parametrize(
    ("held", "required", "expected"),
    [
        (("POLITICAL_THEORY", "CU_NHAN"), ("POLITICAL_THEORY", "CAO_CAP"), True),
        (("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH"), ("POLITICAL_THEORY", "CAO_CAP"), True),
        (("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH"), ("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"), True),
        (("POLITICAL_THEORY", "CAO_CAP"), ("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"), False),
        (("POLITICAL_THEORY", "CU_NHAN"), ("STATE_MANAGEMENT", "CHUYEN_VIEN"), False),
        (("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"), ("POLITICAL_THEORY", "CAO_CAP"), False),
        (("EDUCATION", "THAC_SI"), ("EDUCATION", "DAI_HOC"), True),
        (("EDUCATION", "CAO_DANG"), ("EDUCATION", "DAI_HOC"), False),
        (("POLITICAL_THEORY", "TRUNG_CAP"), ("POLITICAL_THEORY", "CAO_CAP"), False),
    ],
)
def test_level_satisfies_requirement(held, required, expected):
    assert satisfies(held[0], held[1], required[0], required[1]) is expected


def test_language_specific_requirement_needs_that_language():
    assert satisfies("FOREIGN_LANGUAGE", "BAC_4", "FOREIGN_LANGUAGE", "BAC_3",
                     held_language="en", required_language="en")
    assert not satisfies("FOREIGN_LANGUAGE", "BAC_6", "FOREIGN_LANGUAGE", "BAC_3",
                         held_language="fr", required_language="en")
    assert satisfies("FOREIGN_LANGUAGE", "BAC_3", "FOREIGN_LANGUAGE", "BAC_3",
                     held_language="fr", required_language=None)
