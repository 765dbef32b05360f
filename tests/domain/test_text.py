"""Diacritic folding and NFC cleaning used by search and imports."""

import unicodedata

from cadretrain.domain.text import clean_text, fold


def test_fold_removes_diacritics_and_case():
    assert fold("Nguyễn Văn A") == "nguyen van a"
    assert fold("ĐẶNG Thị Hồng") == "dang thi hong"


def test_old_and_new_tone_placement_fold_alike():
    assert fold("Hoà") == fold("Hòa") == "hoa"
    assert fold("Thuỷ") == fold("Thủy")


def test_clean_text_stores_nfc_and_collapses_spaces():
    nfd = unicodedata.normalize("NFD", "  Nguyễn   Thị\tHương ")
    cleaned = clean_text(nfd)
    assert cleaned == "Nguyễn Thị Hương"
    assert unicodedata.is_normalized("NFC", cleaned)
