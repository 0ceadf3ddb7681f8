"""The English pipeline reads English only: other languages get no invented entities or facts (issue 42)."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.domain.entities import EntityType
from memvault.extraction import language_gate
from memvault.extraction.entities import EntityExtractor, ExtractionInput
from memvault.extraction.facts import Message
from memvault.extraction.gazetteer import Gazetteer

#: Texts the English pipeline, ungated, reads entities into that are not there ("unser hund" as a person,
#: a Hindi sentence as one name, a Russian noun as a place).
FOREIGN = [
    "Unser Hund schläft gern neben dem Kühlschrank in der Küche",
    "मेरी बहन दिल्ली में डॉक्टर है",
    "Моя сестра работает врачом в больнице",
    "我上周在北京买了一台新电脑，用来写论文。",
]
REFERENCE = 1_700_000_000.0


@pytest.fixture(scope="module")
def entities(pipeline) -> EntityExtractor:
    return EntityExtractor(pipeline)


def _extract(entities, texts, gazetteer=None):
    return entities.extract([ExtractionInput(t, REFERENCE) for t in texts], gazetteer or Gazetteer([]))


def test_the_pipeline_reads_no_entities_into_other_languages(entities, monkeypatch):
    assert _extract(entities, FOREIGN) == [[]] * len(FOREIGN)
    monkeypatch.setattr(language_gate, "reads", lambda text: True)  # what the pipeline made of them before
    assert sum(len(found) for found in _extract(entities, FOREIGN)) >= 3


def test_known_names_are_still_found_in_any_language(entities):
    gazetteer = Gazetteer([(1, EntityType.PERSON.value, "toby")])
    (found,) = _extract(entities, ["Mi hermana tiene un perro que se llama Toby y es muy bueno"], gazetteer)
    assert [(m.type, m.value) for m in found] == [(EntityType.PERSON, "toby")]


def test_english_in_the_same_batch_is_still_read(entities):
    english, german = _extract(entities, ["My sister Maria moved to Berlin last year.", FOREIGN[0]])
    assert {"berlin", "maria"} <= {m.value for m in english} and german == []


def test_foreign_turns_give_no_facts_and_english_ones_still_do(extractor, monkeypatch):
    now = dt.datetime(2026, 5, 12, tzinfo=dt.UTC)
    spanish = Message("user", "Me mudé a Zúrich en marzo y trabajo en Siemens como ingeniera.", None)
    english = Message("user", "I moved to Zurich in March.", None)
    assert extractor.extract([spanish], now) == []
    assert [f.message_index for f in extractor.extract([spanish, english], now)] == [1]
    monkeypatch.setattr(language_gate, "reads", lambda text: True)  # ungated: "The user mudé a Zúrich en marzo…"
    assert [f.text.split()[:3] for f in extractor.extract([spanish], now)] == [["The", "user", "mudé"]]


def test_skip_reason_names_the_language_only_for_text_not_read():
    assert language_gate.skip_reason("I moved to Zurich in March.") is None
    assert "'zh'" in language_gate.skip_reason("我上周在北京买了一台新电脑")


def test_the_reason_names_the_language_in_words_and_by_code():
    from memvault.domain.language import FOREIGN_STOPWORDS, LANGUAGE_NAMES, _SCRIPT_LANGUAGE

    named = {code for *_, code in _SCRIPT_LANGUAGE} | set(FOREIGN_STOPWORDS) | {"zh", "ja"}
    assert named <= set(LANGUAGE_NAMES)
    reason = language_gate.skip_reason("東京で寿司を食べた。")
    assert "looks like Japanese ('ja')" in reason and "found in English text only" in reason
    assert "pipeline" not in reason
