"""Overlapping training: plan items and classes of different units that teach the same thing in
the same period.

Pipeline (reference/performance.md §3.6, §4.5): normalise the Vietnamese text (expand the
abbreviations every unit writes differently, then fold diacritics), vectorise with TF-IDF over
character 3–5-grams with document-frequency pruning (boilerplate n-grams such as "boi duong"
appear everywhere and only cost time), take a chunked sparse self-product to get candidate pairs,
verify each candidate with rapidfuzz (the same measure the brute-force oracle uses), keep the
pairs whose periods intersect, and join them into clusters. Items of the same programme in the
same period are linked without looking at the text.

Pure: numpy, scipy and rapidfuzz only, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from cadretrain.domain.text import fold

# Abbreviations written in plans and class names, keyed by their upper-case spelling with and
# without diacritics. Expanded before folding so that "CĐS" and "CDS" both become "chuyển đổi số".
ABBREVIATIONS: dict[str, str] = {
    "CB": "cán bộ",
    "CC": "công chức",
    "VC": "viên chức",
    "CBCC": "cán bộ công chức",
    "CBCCVC": "cán bộ công chức viên chức",
    "QLNN": "quản lý nhà nước",
    "LLCT": "lý luận chính trị",
    "CĐS": "chuyển đổi số",
    "CNTT": "công nghệ thông tin",
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "BTV": "ban thường vụ",
    "CCHC": "cải cách hành chính",
    "TTHC": "thủ tục hành chính",
    "ANQP": "an ninh quốc phòng",
    "QP-AN": "quốc phòng an ninh",
    "QPAN": "quốc phòng an ninh",
    "KTXH": "kinh tế xã hội",
    "KT-XH": "kinh tế xã hội",
    "TN&MT": "tài nguyên và môi trường",
    "TNMT": "tài nguyên và môi trường",
    "CVC": "chuyên viên chính",
    "CVCC": "chuyên viên cao cấp",
    "BD": "bồi dưỡng",
    "ĐT": "đào tạo",
}
# Lower-case lookup with and without diacritics ("cđs", "cds"), so no per-token folding is needed.
_ABBREV_LOOKUP = {**{fold(k): v for k, v in ABBREVIATIONS.items()}, **{k.lower(): v for k, v in ABBREVIATIONS.items()}}
_TOKEN = re.compile(r"[\w&-]+", re.UNICODE)
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r" +")


def _fold_table() -> dict[int, str]:
    """Precomposed Latin letters (Vietnamese included) → base letter, đ → d: `fold` at C speed."""
    import unicodedata

    table = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0xC0, 0x1F00):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
        if base != ch and base.isascii():
            table[code] = base.lower()
    return table


_FOLD = _fold_table()


# One alternation of every spelling, matched case-insensitively on word boundaries: the regex
# engine scans in C and Python only runs for the (few) actual abbreviations.
_ABBREV_RE = re.compile(
    r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(_ABBREV_LOOKUP, key=len, reverse=True)) + r")(?![\w&])",
    re.IGNORECASE,
)


def expand_abbreviations(text: str) -> str:
    """Replace known abbreviations (any case, with or without diacritics) by their full words."""
    return _ABBREV_RE.sub(lambda m: _ABBREV_LOOKUP[m.group(0).lower()], text)


def normalise(text: str) -> str:
    """Matching key: abbreviations expanded, then folded, punctuation dropped, single spaces."""
    nfc = unicodedata.normalize("NFC", text or "")
    folded = expand_abbreviations(nfc).translate(_FOLD).lower()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()


@dataclass(frozen=True, slots=True)
class Doc:
    """One plan item or class to compare. `start`/`end` are day ordinals of its period."""

    key: str
    unit: str
    text: str
    start: int
    end: int
    programme: int | None = None
    target_group: str = ""


@dataclass(frozen=True, slots=True)
class Pair:
    """Two documents found to overlap, with the verified similarity (0–1) and the reasons."""

    a: int
    b: int
    score: float
    reasons: tuple[str, ...]


@dataclass(slots=True)
class Cluster:
    """Documents joined by overlapping pairs; `score` is the weakest verified link's score."""

    members: list[int]
    score: float
    reasons: tuple[str, ...]
    pairs: list[Pair] = field(default_factory=list)


# --- vectorising ---------------------------------------------------------------------------

_BASE = 40  # alphabet: 1–26 letters, 27–36 digits, 37 space, 38 other, 0 = document boundary


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate padded texts into one array of small symbol codes plus each symbol's doc."""
    joined = "\x00".join(f" {t} " for t in texts) + "\x00"
    raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int32)
    codes = np.full(raw.shape, 38, dtype=np.int32)
    letters = (raw >= 97) & (raw <= 122)
    digits = (raw >= 48) & (raw <= 57)
    codes[letters] = raw[letters] - 96
    codes[digits] = raw[digits] - 48 + 27
    codes[raw == 32] = 37
    codes[raw == 0] = 0
    boundary = raw == 0
    doc_of = np.cumsum(boundary, dtype=np.int32) - boundary
    return codes, doc_of


_BUCKETS = 8_388_593  # a prime near 2**23: hashed n-gram columns (collisions are rare and harmless)


def ngram_matrix(texts: Sequence[str], *, n_min: int = 3, n_max: int = 5, max_df: float = 0.05):
    """L2-normalised TF-IDF rows over hashed char n-grams (sublinear tf, smooth idf). N-grams in
    more than `max_df` of the documents are dropped (boilerplate); n-grams of a single document
    are kept in the norms but dropped from the matrix (they cannot match anything). Everything
    is vectorised (numpy/scipy); no Python loop per character. Returns a CSR matrix."""
    from scipy import sparse

    n_docs = len(texts)
    codes, doc_of = _codes(texts)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for n in range(n_min, n_max + 1):
        length = codes.size - n + 1
        gram = np.full(length, n, dtype=np.int32)  # < 6·40⁵: fits in 32 bits
        valid = np.ones(length, dtype=bool)
        for k in range(n):
            window = codes[k : k + length]
            gram = gram * _BASE + window
            valid &= window != 0
        rows.append(doc_of[:length][valid])
        cols.append(gram[valid] % _BUCKETS)
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    width = _BUCKETS
    if col.size < 2_000_000:  # small corpus: exact compact columns beat an 8M-wide histogram
        _, col = np.unique(col, return_inverse=True)
        width = int(col.max()) + 1 if col.size else 1
    counts = sparse.csr_matrix((np.ones(row.size, dtype=np.float64), (row, col)), shape=(n_docs, width))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=width)
    idf = np.log((1 + n_docs) / (1 + df)) + 1.0
    entry_df = df[counts.indices]
    weight = (1.0 + np.log(counts.data)) * idf[counts.indices]
    weight[entry_df > max(2, int(max_df * n_docs))] = 0.0
    doc_index = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(doc_index, weights=weight**2, minlength=n_docs))
    norms[norms == 0] = 1.0
    counts.data = np.where(entry_df >= 2, weight, 0.0) / norms[doc_index]
    counts.eliminate_zeros()
    return counts


Progress = Callable[[int, int], None]


def candidate_pairs(matrix, *, threshold: float, chunk: int = 2000,
                    progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, cosine) for i < j with cosine ≥ threshold, by a chunked sparse self-product.
    `progress(done_rows, total_rows)` is called before each chunk."""
    xt = matrix.T.tocsc()
    rows_i, rows_j, sims = [], [], []
    for lo in range(0, matrix.shape[0], chunk):
        if progress is not None:
            progress(lo, matrix.shape[0])
        block = (matrix[lo : lo + chunk] @ xt).tocoo()
        mask = (block.data >= threshold) & (block.col > block.row + lo)
        rows_i.append(block.row[mask] + lo)
        rows_j.append(block.col[mask])
        sims.append(block.data[mask])
    if not rows_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(rows_i), np.concatenate(rows_j), np.concatenate(sims)


def verify_score(a: str, b: str) -> float:
    """The verification (and brute-force oracle) measure on normalised texts, 0–100."""
    return fuzz.token_sort_ratio(a, b)


# --- the detector --------------------------------------------------------------------------

# Tuned on the benchmark corpus (benchmarks/workloads/overlap.py, 20k documents): 4–5-grams,
# n-grams in more than 2.5 % of the documents dropped, cosine ≥ 0.45 → ~3 candidates per true
# pair, recall 0.996 before verification, product 4× cheaper than 3–5-grams at max_df 0.05.
COSINE_THRESHOLD = 0.45
MAX_DF = 0.025
N_MIN = 4
VERIFY_THRESHOLD = 85.0


def find_pairs(
    docs: Sequence[Doc],
    *,
    cosine_threshold: float = COSINE_THRESHOLD,
    verify_threshold: float = VERIFY_THRESHOLD,
    max_df: float = MAX_DF,
    same_unit: bool = False,
    progress: Progress | None = None,
) -> list[Pair]:
    """Overlapping pairs among `docs` (indices into `docs`, a < b), sorted by (a, b).

    A pair overlaps when the periods intersect and either both belong to the same programme or
    their texts are similar (cosine ≥ threshold, then verified ≥ `verify_threshold`). Pairs in
    the same unit are skipped unless `same_unit` (a unit's own duplicates are its own business).
    `progress(done, total)` (optional) is called as the work advances, in steps of 0–100."""
    n = len(docs)
    if n < 2:
        return []
    texts = [normalise(d.text) for d in docs]
    starts = np.fromiter((d.start for d in docs), dtype=np.int64, count=n)
    ends = np.fromiter((d.end for d in docs), dtype=np.int64, count=n)
    found: dict[tuple[int, int], Pair] = {}

    # Small collections make the document-frequency prune meaningless (every n-gram is "common").
    effective_max_df = max_df if n >= 1000 else 1.0
    if progress is not None:
        progress(5, 100)
    matrix = ngram_matrix(texts, n_min=N_MIN, max_df=effective_max_df)
    step = None if progress is None else (lambda done, total: progress(20 + 60 * done // max(total, 1), 100))
    ii, jj, cos = candidate_pairs(matrix, threshold=cosine_threshold, progress=step)
    if progress is not None:
        progress(80, 100)
    period_ok = (starts[ii] <= ends[jj]) & (starts[jj] <= ends[ii])
    for i, j in zip(ii[period_ok].tolist(), jj[period_ok].tolist(), strict=True):
        if not same_unit and docs[i].unit == docs[j].unit:
            continue
        score = verify_score(texts[i], texts[j])
        if score < verify_threshold:
            continue
        reasons = ["similar_text"]
        if docs[i].programme is not None and docs[i].programme == docs[j].programme:
            reasons.insert(0, "same_programme")
        if docs[i].target_group and normalise(docs[i].target_group) == normalise(docs[j].target_group):
            reasons.append("same_target_group")
        reasons.append("same_period")
        found[(i, j)] = Pair(i, j, round(score / 100.0, 4), tuple(reasons))

    for i, j in _same_programme_links(docs, starts, ends, same_unit=same_unit):
        if (i, j) in found:
            continue
        score = verify_score(texts[i], texts[j]) / 100.0
        reasons = ["same_programme"]
        if docs[i].target_group and normalise(docs[i].target_group) == normalise(docs[j].target_group):
            reasons.append("same_target_group")
        reasons.append("same_period")
        found[(i, j)] = Pair(i, j, round(max(score, 0.9), 4), tuple(reasons))
    if progress is not None:
        progress(100, 100)
    return [found[k] for k in sorted(found)]


def _same_programme_links(docs: Sequence[Doc], starts: np.ndarray, ends: np.ndarray, *,
                          same_unit: bool) -> Iterable[tuple[int, int]]:
    """Pairs of documents of one programme whose periods intersect. Within a programme the
    documents are swept in start order, so a busy programme costs O(k · overlap), not O(k²)
    across the year."""
    by_programme: dict[int, list[int]] = {}
    for idx, d in enumerate(docs):
        if d.programme is not None:
            by_programme.setdefault(d.programme, []).append(idx)
    for members in by_programme.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda k: (starts[k], k))
        active: list[int] = []
        for k in members:
            active = [a for a in active if ends[a] >= starts[k]]
            for a in active:
                if same_unit or docs[a].unit != docs[k].unit:
                    yield (min(a, k), max(a, k))
            active.append(k)


def clusters(n: int, pairs: Sequence[Pair]) -> list[Cluster]:
    """Connected components of the overlap graph (two or more members), largest first."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[Pair]] = {}
    for p in pairs:
        groups.setdefault(find(p.a), []).append(p)
    out = []
    for group in groups.values():
        members = sorted({m for p in group for m in (p.a, p.b)})
        reasons: list[str] = []
        for p in group:
            reasons.extend(r for r in p.reasons if r not in reasons)
        out.append(Cluster(members, min(p.score for p in group), tuple(reasons), group))
    out.sort(key=lambda c: (-len(c.members), -c.score, c.members[0]))
    return out


def brute_force_pairs(docs: Sequence[Doc], *, verify_threshold: float = VERIFY_THRESHOLD,
                      same_unit: bool = False) -> set[tuple[int, int]]:
    """The oracle: every pair scored by rapidfuzz, periods intersecting (quadratic; tests only)."""
    from rapidfuzz import process

    texts = [normalise(d.text) for d in docs]
    scores = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=verify_threshold,
                           workers=1)
    out = set()
    n = len(docs)
    for i in range(n):
        for j in np.nonzero(scores[i, i + 1 :])[0].tolist():
            j = i + 1 + j
            a, b = docs[i], docs[j]
            if not same_unit and a.unit == b.unit:
                continue
            if a.start <= b.end and b.start <= a.end:
                out.add((i, j))
    return out
