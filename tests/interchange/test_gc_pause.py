"""The importer pauses Python's cyclic garbage collector while it loads (core.bulk.gc_paused) and
gives it back as it found it, also when pauses overlap."""

from __future__ import annotations

import gc

from cadretrain.core.bulk import gc_paused


def test_the_collector_is_paused_inside_and_restored_after_overlapping_pauses():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer load is still running
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_restored_when_the_load_fails():
    try:
        with gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
