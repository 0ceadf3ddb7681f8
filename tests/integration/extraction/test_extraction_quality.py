"""Fact extraction on the held-out half of the labelled set, judged by the documented rule with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from memvault.bench.extraction import evaluate, load_set
from memvault.extraction.facts import FactExtractor
from memvault.extraction.nlp import NlpPipeline

SET = Path(__file__).parents[2] / "data" / "extraction" / "conversations.json"


@pytest.mark.slow
def test_held_out_precision_and_recall_meet_the_targets(real_embedder):
    heldout = [c for c in load_set(SET) if c.split == "heldout"]
    report = evaluate(heldout, FactExtractor(NlpPipeline()), real_embedder.embed_texts)
    h = report.halves["heldout"]
    assert h.precision >= 0.8 and h.recall >= 0.6, report.as_text()
    assert h.kind_accuracy >= 0.8 and h.category_accuracy >= 0.8, report.as_text()
    assert report.median_conversation_ms < 1000
