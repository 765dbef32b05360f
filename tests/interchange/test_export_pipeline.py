"""The export writes on a second thread while the first reads the database: a writer's error
reaches the caller, and neither thread is left waiting for the other."""

from __future__ import annotations

import pytest

from cadretrain.interchange.writers import QUEUED, _pipeline


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
