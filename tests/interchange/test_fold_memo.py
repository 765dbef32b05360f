"""The importer folds names word by word through a memo; that must equal `fold` exactly."""

from hypothesis import given, settings
from hypothesis import strategies as st

from cadretrain.domain.text import clean_text, fold
from cadretrain.interchange.importer import _fold_clean

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyĐÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴΣσςİ"
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0306\u0302\u031b\u0307"
SPACES = " \t\u00a0\u3000\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=LETTERS + LETTERS.lower() + COMBINING + SPACES + "-'.0", max_size=40))
def test_word_by_word_fold_of_clean_text_equals_fold(text):
    assert _fold_clean(clean_text(text)) == fold(text)


def test_word_by_word_fold_of_a_vietnamese_name():
    assert _fold_clean(clean_text("  Nguyễn   Thị Thuỷ Đào ")) == "nguyen thi thuy dao"
