"""The export writes on a second thread while the first reads the database: a writer's error
reaches the caller, and neither thread is left waiting for the other. Rows of plain text are
joined without the csv module, to exactly the same text."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadretrain.interchange.writers import QUEUED, _pipeline, _plain_csv


def blocks(n: int):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield [(i, "x")] * 10


def test_every_block_reaches_the_writer_in_order():
    seen: list[int] = []

    def consume(received):  # type: ignore[no-untyped-def]
        for block in received:
            seen.append(block[0][0])
        return len(seen)

    assert _pipeline(consume, blocks(QUEUED * 5)) == QUEUED * 5
    assert seen == list(range(QUEUED * 5))


def test_a_writer_error_reaches_the_caller_without_a_hang():
    def consume(received):  # type: ignore[no-untyped-def]
        next(iter(received))
        raise OverflowError("people")

    with pytest.raises(OverflowError):
        _pipeline(consume, blocks(QUEUED * 5))


def test_a_writer_that_stops_early_does_not_block_the_reader():
    def consume(received):  # type: ignore[no-untyped-def]
        next(iter(received))
        return 1

    assert _pipeline(consume, blocks(QUEUED * 5)) == 1


def test_a_reader_error_stops_the_writer_and_reaches_the_caller():
    def failing():  # type: ignore[no-untyped-def]
        yield [(1,)]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        _pipeline(lambda received: sum(len(b) for b in received), failing())


# The CSV fast path: rows joined directly must be exactly what csv.writer writes, or be refused.

CELL = st.one_of(st.none(), st.integers(), st.text(alphabet=st.sampled_from(list('ab ,"\r\n\0ễĐ1-')), max_size=6))


def csv_module(block):  # type: ignore[no-untyped-def]
    out = io.StringIO(newline="")
    csv.writer(out).writerows(block)
    return out.getvalue()


@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(st.tuples(*[CELL] * width), min_size=1, max_size=6)))
def test_plain_rows_are_joined_exactly_as_the_csv_module_writes_them(block):
    text = _plain_csv(block)
    assert text is None or text == csv_module(block)


def test_rows_of_plain_text_take_the_fast_path_and_others_do_not():
    assert _plain_csv([("K-1", "CB01", "COMPLETED", "8.50", "2024-06-30", ""), ("K-1", "CB02", "", "", "", "")]) \
        == "K-1,CB01,COMPLETED,8.50,2024-06-30,\r\nK-1,CB02,,,,\r\n"
    assert _plain_csv([("K-1", "Lê, Văn")]) is None  # needs quotes
    assert _plain_csv([("K-1", None)]) is None  # csv writes None
    assert _plain_csv([("",)]) is None  # a single empty cell is written as ""
