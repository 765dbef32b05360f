"""Vietnamese text normalisation: NFC storage, whitespace folding and diacritic-free search keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Old-style tone placement ("Hoà", "Thuỷ") and new-style ("Hòa", "Thủy") are the same name; the
# search key drops tone marks entirely, so both fold to the same key without a rewrite table.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


def clean_text(value: str | None) -> str:
    """Trim, collapse inner runs of white space to one space and normalise to NFC."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str | None) -> str:
    """Search key: lower case, no diacritics, đ→d, single spaces ("Nguyễn Văn A" → "nguyen van a")."""
    text = clean_text(value).translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()
