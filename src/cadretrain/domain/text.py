"""Vietnamese text normalisation: NFC storage, whitespace folding and diacritic-free search keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Old-style tone placement ("Hoà", "Thuỷ") and new-style ("Hòa", "Thủy") are the same name; the
# search key drops tone marks entirely, so both fold to the same key without a rewrite table.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


# White space that clean_text would change: a run of two, anything but a plain space, or at an end.
_UNCLEAN_SPACE = re.compile(r"\s\s|[^\S ]|^ | $")


def clean_text(value: str | None) -> str:
    """Trim, collapse inner runs of white space to one space and normalise to NFC."""
    if value is None or value == "":
        return ""
    if type(value) is str and unicodedata.is_normalized("NFC", value) and not _UNCLEAN_SPACE.search(value):
        return value  # already clean (the common case, and the importer cleans some text twice)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str | None) -> str:
    """Search key: lower case, no diacritics, đ→d, single spaces ("Nguyễn Văn A" → "nguyen van a")."""
    text = clean_text(value).translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()
