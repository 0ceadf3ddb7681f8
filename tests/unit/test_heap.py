"""Settling the heaps after a model loads: garbage collected first, what lives taken out of full collections."""

import gc
import weakref

from memvault.extraction import nlp
from memvault.heap import settle_long_lived


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
