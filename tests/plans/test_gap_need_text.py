"""A gap that no catalogue programme closes is proposed as a readable Vietnamese need, not a code."""

from cadretrain.plans.services import gap_need_text


def test_credential_gap_reads_as_dimension_and_level():
    assert gap_need_text("POLITICAL_THEORY", "TRUNG_CAP") == "Lý luận chính trị: Trung cấp"


def test_training_history_gaps_read_as_sentences():
    assert gap_need_text("KNOWLEDGE_UPDATE_MONTHS", "60") == "Bồi dưỡng cập nhật kiến thức (chu kỳ 60 tháng)"
    assert gap_need_text("ANNUAL_PERIODS", "40") == "Bồi dưỡng đủ 40 tiết trong năm"
