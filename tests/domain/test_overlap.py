"""Overlap detection: Vietnamese normalisation and the TF-IDF detector against the brute-force
rapidfuzz oracle on a small planted corpus."""

from benchmarks.workloads.overlap import generate

from cadretrain.domain.overlap import (
    Doc,
    brute_force_pairs,
    clusters,
    expand_abbreviations,
    find_pairs,
    normalise,
)


def test_abbreviations_expand_with_or_without_diacritics():
    assert normalise("Bồi dưỡng CB, CC, VC") == normalise("boi duong can bo, cong chuc, vien chuc")
    assert normalise("Tập huấn CĐS") == normalise("tap huan CDS") == "tap huan chuyen doi so"
    assert normalise("QLNN và LLCT") == "quan ly nha nuoc va ly luan chinh tri"


def test_words_that_only_contain_an_abbreviation_are_left_alone():
    assert expand_abbreviations("CBCT") == "CBCT"
    assert normalise("Cán bộ") == "can bo"


def _doc(key, unit, text, start=0, end=90, programme=None):
    return Doc(key=key, unit=unit, text=text, start=start, end=end, programme=programme)


def test_same_course_in_two_units_same_quarter_is_an_overlap():
    docs = [
        _doc("a", "U1", "Bồi dưỡng kiến thức QLNN cho CB, CC cấp xã năm 2026 về đất đai và xây dựng"),
        _doc("b", "U2", "Boi duong kien thuc quan ly nha nuoc cho can bo, cong chuc cap xa nam 2026 ve dat dai va xay dung"),
        _doc("c", "U3", "Tiếng Anh giao tiếp cho viên chức y tế"),
    ]
    pairs = find_pairs(docs)
    assert [(p.a, p.b) for p in pairs] == [(0, 1)]
    assert pairs[0].score >= 0.85 and "similar_text" in pairs[0].reasons


def test_different_quarters_do_not_overlap():
    text = "Bồi dưỡng kiến thức quản lý nhà nước về đất đai cho cán bộ cấp xã"
    assert find_pairs([_doc("a", "U1", text, 0, 90), _doc("b", "U2", text, 91, 181)]) == []


def test_same_unit_duplicates_are_not_reported_by_default():
    text = "Bồi dưỡng kiến thức quản lý nhà nước về đất đai cho cán bộ cấp xã"
    assert find_pairs([_doc("a", "U1", text), _doc("b", "U1", text)]) == []


def test_same_programme_same_period_links_without_similar_text():
    pairs = find_pairs([_doc("a", "U1", "Lớp A", programme=7), _doc("b", "U2", "Khóa học khác hẳn", programme=7)])
    assert len(pairs) == 1 and pairs[0].reasons[0] == "same_programme"


def test_clusters_join_chains_and_keep_the_weakest_score():
    text = "Tập huấn chuyển đổi số trong cơ quan nhà nước cho công chức văn phòng"
    docs = [_doc(str(i), f"U{i}", text) for i in range(3)]
    groups = clusters(3, find_pairs(docs))
    assert len(groups) == 1 and groups[0].members == [0, 1, 2]


def test_detector_matches_brute_force_on_planted_corpus():
    docs, planted = generate(300, seed=3)
    found = {(p.a, p.b) for p in find_pairs(docs)}
    oracle = brute_force_pairs(docs)
    assert planted <= oracle
    recall = len(found & oracle) / len(oracle)
    precision = len(found & oracle) / max(1, len(found))
    assert recall >= 0.98 and precision >= 0.9, (recall, precision)
