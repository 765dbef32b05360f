"""Workload (e): overlapping plan items and class descriptions across units.

Synthetic, deterministic corpus (from ``ctx.scale`` and ``ctx.seed``): Vietnamese course
descriptions built from templates (so boilerplate n-grams are everywhere, which is harder than
real data), one quarter each, spread over many units. A quarter of the documents are planted
near-duplicates of another unit's document in the same quarter: 1–3 word deletions, swaps or
insertions, 30 % with diacritics stripped, 30 % with words replaced by their usual abbreviation
("cán bộ, công chức" → "CB, CC").

app    the product detector ``cadretrain.domain.overlap.find_pairs`` (normalise + abbreviations,
       TF-IDF char 4–5-grams with max_df 0.025 pruning, chunked sparse product at cos ≥ 0.45,
       rapidfuzz verification, period filter) and clustering.
limit  the speed reference of performance.md §4.3(e): fold + TF-IDF char 3–5-grams with max_df
       pruning + chunked sparse product at cos ≥ 0.5, nothing else.
check  recall of the planted pairs ≥ 0.98; precision ≥ 0.9 against the brute-force rapidfuzz
       measure (each reported pair re-scored by the oracle; at ≤ 3,000 documents the full
       quadratic oracle also gives recall against brute force).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from typing import Any

NAME = "overlap"

SIZES = {"XS": 500, "S": 2_000, "M": 8_000, "L": 20_000, "XL": 50_000}

ACTIONS = ["Bồi dưỡng", "Tập huấn", "Đào tạo", "Cập nhật kiến thức", "Hội nghị tập huấn", "Lớp bồi dưỡng"]
FIELDS = [
    "quản lý nhà nước về đất đai", "chuyển đổi số trong cơ quan nhà nước", "lý luận chính trị",
    "cải cách hành chính", "thủ tục hành chính một cửa", "quản lý tài chính ngân sách xã",
    "công tác văn thư lưu trữ", "an ninh quốc phòng", "quản lý trật tự xây dựng đô thị",
    "bảo vệ môi trường và tài nguyên nước", "phòng cháy chữa cháy", "công tác dân vận",
    "kỹ năng lãnh đạo quản lý", "quản lý giáo dục mầm non", "y tế dự phòng cộng đồng",
    "quản lý thị trường và an toàn thực phẩm", "công tác thanh tra tiếp công dân",
    "giải quyết khiếu nại tố cáo", "công tác kiểm tra giám sát của Đảng", "công tác tổ chức cán bộ",
    "quản lý hộ tịch và chứng thực", "ứng dụng trí tuệ nhân tạo", "an toàn thông tin mạng",
    "quản lý đầu tư công", "đấu thầu qua mạng", "kế toán hành chính sự nghiệp",
    "kỹ năng soạn thảo văn bản", "tiếng Anh giao tiếp công vụ", "văn hóa công sở",
    "quản lý du lịch và di sản", "phát triển kinh tế tập thể", "bình đẳng giới",
    "phòng chống tham nhũng tiêu cực", "công tác mặt trận tổ quốc", "quản lý lao động việc làm",
    "bảo hiểm xã hội và y tế", "quản lý giao thông vận tải", "phòng chống thiên tai",
    "quản lý chất thải rắn", "xây dựng nông thôn mới",
]
ASPECTS = [
    "những điểm mới của luật", "nghiệp vụ chuyên sâu", "kỹ năng thực hành", "hướng dẫn triển khai",
    "quy trình và hồ sơ mẫu", "kinh nghiệm thực tiễn", "tình huống điển hình", "đánh giá và báo cáo",
    "phối hợp liên ngành", "ứng dụng phần mềm",
]
TARGETS = [
    "cho cán bộ, công chức cấp xã", "cho cán bộ, công chức, viên chức", "cho lãnh đạo cấp phòng",
    "cho công chức chuyên môn", "cho viên chức đơn vị sự nghiệp", "cho đại biểu hội đồng nhân dân",
    "cho cán bộ mặt trận và đoàn thể", "cho người hoạt động không chuyên trách",
    "cho chủ tịch ủy ban nhân dân cấp xã", "cho công chức văn phòng thống kê",
]
TOPIC_WORDS = [
    "quy định", "trách nhiệm", "thẩm quyền", "hồ sơ", "dữ liệu", "phần mềm", "báo cáo", "kiểm tra",
    "giám sát", "phối hợp", "tiếp nhận", "xử lý", "vi phạm", "cấp phép", "thống kê", "kế hoạch",
    "dự toán", "quyết toán", "nghiệm thu", "đánh giá", "tổng hợp", "lưu trữ", "bảo mật", "chỉ tiêu",
    "định mức", "mẫu biểu", "quy chuẩn", "tiêu chuẩn", "thông tư", "nghị định", "hướng dẫn", "chương trình",
    "đề án", "nhiệm vụ", "giải pháp", "mô hình", "điển hình", "sáng kiến", "khen thưởng", "kỷ luật",
]
MODIFIERS = [
    "cấp xã", "cấp thành phố", "trên địa bàn", "liên thông", "điện tử", "trực tuyến", "định kỳ", "đột xuất",
    "chuyên đề", "cơ sở", "năm 2026", "giai đoạn 2026-2030", "theo quy định mới", "hằng năm", "tập trung",
    "phân cấp", "ủy quyền", "số hóa", "dùng chung", "nội bộ", "công khai", "minh bạch", "hiệu quả",
    "thống nhất", "đồng bộ",
]
LAWS = ["Luật", "Nghị định", "Thông tư", "Quyết định", "Chỉ thị", "Nghị quyết", "Kế hoạch", "Đề án"]
ABBREVIATE = [("cán bộ, công chức, viên chức", "CB, CC, VC"), ("cán bộ, công chức", "CB, CC"),
              ("quản lý nhà nước", "QLNN"), ("lý luận chính trị", "LLCT"), ("chuyển đổi số", "CĐS"),
              ("ủy ban nhân dân", "UBND"), ("hội đồng nhân dân", "HĐND"), ("cải cách hành chính", "CCHC")]


def generate(n_docs: int, seed: int = 1) -> tuple[list[Any], set[tuple[int, int]]]:
    """`n_docs` documents (a quarter of them planted copies) and the planted (i, j) pairs."""
    from cadretrain.domain.overlap import Doc
    from cadretrain.domain.text import fold

    rng = random.Random(seed * 7919 + n_docs)
    wards = _ward_names()
    n_units = max(10, n_docs // 8)
    year = 2026
    quarter_days = [(dt.date(year, m, 1).toordinal(), (dt.date(year, m + 3, 1) if m < 10 else dt.date(year + 1, 1, 1)).toordinal() - 1)
                    for m in (1, 4, 7, 10)]
    n_planted = n_docs // 4
    n_base = n_docs - n_planted
    docs: list[Any] = []
    for k in range(n_base):
        topics = ", ".join(f"{rng.choice(TOPIC_WORDS)} {rng.choice(MODIFIERS)}" for _ in range(3))
        law = f"{rng.choice(LAWS)} số {rng.randint(1, 400)}/{rng.randint(2015, 2026)}"
        text = (f"{rng.choice(ACTIONS)} {rng.choice(FIELDS)}: {rng.choice(ASPECTS)} "
                f"{rng.choice(TARGETS)} tại {rng.choice(wards)}. Nội dung: {topics}; triển khai {law}.")
        q = rng.randrange(4)
        docs.append(Doc(key=f"D{k}", unit=f"U{rng.randrange(n_units)}", text=text,
                        start=quarter_days[q][0], end=quarter_days[q][1]))
    planted: set[tuple[int, int]] = set()
    originals = rng.sample(range(n_base), n_planted)
    for k, src in enumerate(originals):
        base = docs[src]
        text = base.text
        for long, short in ABBREVIATE:
            if long in text and rng.random() < 0.3:
                text = text.replace(long, short)
        words = text.split()
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(3)
            pos = rng.randrange(len(words))
            if op == 0 and len(words) > 8:
                del words[pos]
            elif op == 1:
                other = rng.randrange(len(words))
                words[pos], words[other] = words[other], words[pos]
            else:
                words.insert(pos, rng.choice(TOPIC_WORDS))
        text = " ".join(words)
        if rng.random() < 0.3:
            text = fold(text)
        unit = base.unit
        while unit == base.unit:
            unit = f"U{rng.randrange(n_units)}"
        docs.append(Doc(key=f"P{k}", unit=unit, text=text, start=base.start, end=base.end))
        planted.add((src, n_base + k))
    return docs, planted


def _ward_names() -> list[str]:
    import csv
    from pathlib import Path

    import cadretrain

    path = Path(cadretrain.__file__).parent / "data" / "hanoi_commune_level_units_2025.csv"
    with path.open(encoding="utf-8") as fh:
        return [row["full_name"] for row in csv.DictReader(fh)]


def _size(ctx: Any) -> int:
    return SIZES.get(ctx.scale, 2_000)


def setup(ctx: Any) -> None:
    ctx.state["docs"], ctx.state["planted"] = generate(_size(ctx), getattr(ctx, "seed", 1) or 1)


def limit(ctx: Any) -> dict[str, Any]:
    from cadretrain.domain.overlap import candidate_pairs, ngram_matrix
    from cadretrain.domain.text import fold

    texts = [fold(d.text) for d in ctx.state["docs"]]
    ii, jj, _ = candidate_pairs(ngram_matrix(texts, max_df=0.05), threshold=0.5)
    return {"pairs": set(zip(ii.tolist(), jj.tolist(), strict=True))}


def app(ctx: Any) -> dict[str, Any]:
    from cadretrain.domain.overlap import clusters, find_pairs

    docs = ctx.state["docs"]
    pairs = find_pairs(docs)
    groups = clusters(len(docs), pairs)
    return {"pairs": {(p.a, p.b) for p in pairs}, "clusters": len(groups), "docs": docs,
            "planted": ctx.state["planted"]}


def quality(result: dict[str, Any]) -> dict[str, float]:
    """Recall of planted pairs, precision against the oracle measure, and (small corpora) recall
    against the full brute-force oracle."""
    from cadretrain.domain.overlap import (
        VERIFY_THRESHOLD,
        brute_force_pairs,
        normalise,
        verify_score,
    )

    docs, pairs, planted = result["docs"], result["pairs"], result["planted"]
    recall_planted = len(pairs & planted) / max(1, len(planted))
    texts = {}

    def text(k: int) -> str:
        if k not in texts:
            texts[k] = normalise(docs[k].text)
        return texts[k]

    confirmed = sum(1 for a, b in pairs if verify_score(text(a), text(b)) >= VERIFY_THRESHOLD)
    out = {"recall_planted": recall_planted, "precision_oracle": confirmed / max(1, len(pairs)),
           "pairs": float(len(pairs)), "planted": float(len(planted))}
    if len(docs) <= 3_000:
        oracle = brute_force_pairs(docs)
        out["recall_oracle"] = len(pairs & oracle) / max(1, len(oracle))
        out["oracle_pairs"] = float(len(oracle))
    return out


def check(app_result: dict[str, Any], limit_result: dict[str, Any]) -> None:
    q = quality(app_result)
    app_result["metrics"] = q  # recorded by the runner beside the timings
    assert q["recall_planted"] >= 0.98, q
    assert q["precision_oracle"] >= 0.9, q
    assert q.get("recall_oracle", 1.0) >= 0.98, q


def counters(ctx: Any) -> dict[str, Any]:
    return {"docs": len(ctx.state["docs"]), "planted": len(ctx.state["planted"])}


if __name__ == "__main__":  # standalone: python -m benchmarks.workloads.overlap L
    import types

    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    ctx = types.SimpleNamespace(scale=scale, seed=1, state={})
    setup(ctx)
    for _ in range(3):
        t0 = time.perf_counter()
        lim = limit(ctx)
        t1 = time.perf_counter()
        res = app(ctx)
        t2 = time.perf_counter()
        print(f"limit {t1 - t0:.2f}s app {t2 - t1:.2f}s ratio {(t2 - t1) / (t1 - t0):.2f} "
              f"limit_pairs {len(lim['pairs'])} app_pairs {len(res['pairs'])}", flush=True)
    print(quality(res))
