"""Settling the heaps after a model loads, and every collection on one thread when a process asks for it."""

import gc
import threading
import weakref

import pytest

from memvault import heap
from memvault.extraction import nlp
from memvault.heap import settle_long_lived
from tests.helpers.threads import FreedCycle


class _Node:
    pass


def test_settling_collects_the_garbage_of_loading_and_freezes_what_lives():
    cycle = _Node()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    kept = [_Node() for _ in range(500)]
    before = gc.get_freeze_count()
    try:
        settle_long_lived()
        assert gone() is None, "garbage left by loading is collected, not frozen with the rest"
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()


def test_the_nlp_pipeline_settles_the_heap_once_when_it_loads(monkeypatch):
    calls = []
    monkeypatch.setattr(nlp, "load_pipeline", lambda manifest: object())
    monkeypatch.setattr(nlp, "settle_long_lived", lambda: calls.append(1))
    pipeline = nlp.NlpPipeline(manifest=object())
    first = pipeline.get()
    assert pipeline.get() is first
    assert calls == [1]


_KEPT: list = []


def _churn() -> None:
    """Allocations enough to pass the youngest generation's threshold many times over, some of them kept."""
    for _ in range(50):
        junk = [[] for _ in range(5_000)]
    _KEPT.append(junk)


def _in_worker(work) -> None:
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)


def test_with_an_owner_thread_a_workers_allocations_collect_nothing_and_the_owner_frees_the_cycle():
    seen: list[int] = []
    heap.collect_only_on_this_thread()
    try:
        assert not gc.isenabled()
        FreedCycle(seen)  # garbage at once: only a collection frees it
        _in_worker(_churn)
        assert seen == [], "a worker's allocations ran a collection on the worker"
        heap.collect_due()  # the worker's allocations made a collection due
        assert seen == [threading.get_ident()]
    finally:
        heap.stop_collecting_on_this_thread()
        _KEPT.clear()
    assert gc.isenabled()


def test_collect_due_does_nothing_on_another_thread_or_during_a_pause():
    seen: list[int] = []
    heap.collect_only_on_this_thread()
    try:
        FreedCycle(seen)
        gc.set_threshold(1, 10, 10)  # due at once
        try:
            _in_worker(heap.collect_due)
            with heap.collections_paused():
                heap.collect_due()
                assert not gc.isenabled()
            assert not gc.isenabled(), "the pause ending must not give collection back while a thread owns it"
            assert seen == []
            heap.collect_due()
            assert seen == [threading.get_ident()]
        finally:
            gc.set_threshold(700, 10, 10)
    finally:
        heap.stop_collecting_on_this_thread()
    assert gc.isenabled()


@pytest.mark.seconds  # waits for a worker's settling: ~1.8 s
def test_settling_asked_on_a_worker_is_done_by_the_owner_thread():
    heap.collect_only_on_this_thread()
    before = gc.get_freeze_count()
    try:
        _in_worker(heap.settle_long_lived)
        # A collection run there would freeze what survived it, raising the count; frozen objects other threads
        # free meanwhile can only lower it (a CI run saw one fewer).
        assert gc.get_freeze_count() <= before, "the worker ran the full collection itself"
        heap.collect_due()
        assert gc.get_freeze_count() > before
    finally:
        heap.stop_collecting_on_this_thread()
        gc.unfreeze()


def test_giving_collection_back_restores_what_ran_before():
    gc.disable()
    try:
        heap.collect_only_on_this_thread()
        heap.stop_collecting_on_this_thread()
        assert not gc.isenabled(), "collection was off before the owner took it; it stays off"
    finally:
        gc.enable()
    _in_worker(heap.stop_collecting_on_this_thread)  # not the owner (there is none): nothing changes
    assert gc.isenabled()
