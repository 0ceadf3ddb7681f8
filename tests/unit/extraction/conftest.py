"""One loaded spaCy pipeline and fact extractor for the extraction tests (loading takes ~0.4 s)."""

from __future__ import annotations

import pytest

from memvault.extraction.facts import FactExtractor
from memvault.extraction.nlp import NlpPipeline


@pytest.fixture(scope="session")
def pipeline() -> NlpPipeline:
    nlp = NlpPipeline()
    nlp.get()
    return nlp


@pytest.fixture(scope="session")
def extractor(pipeline: NlpPipeline) -> FactExtractor:
    return FactExtractor(pipeline)
