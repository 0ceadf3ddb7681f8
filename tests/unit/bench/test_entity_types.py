"""The entity-type score (``memvault eval --entities``): what counts, and a set it cannot read."""

from __future__ import annotations

import json

import pytest

from memvault.bench.entity_types import Labelled, evaluate, load_set
from memvault.domain.errors import InvalidInput


def _item(text, expected, acceptable=()):
    return Labelled(text, frozenset(expected), frozenset(acceptable))


def test_precision_recall_and_what_each_expected_type_was_found_as():
    items = [_item("our dog Rex", [("animal", "rex")]),
             _item("the call is on Zoom", [("product", "zoom")], [("organization", "zoom")]),
             _item("Ana moved to Ghent", [("person", "ana"), ("location", "ghent")])]
    found = {"our dog Rex": {("person", "rex")}, "the call is on Zoom": {("organization", "zoom")},
             "Ana moved to Ghent": {("person", "ana"), ("location", "ghent"), ("person", "moved")}}
    report = evaluate(items, lambda texts: [found[t] for t in texts])
    # Right: zoom (acceptable), ana, ghent; wrong: rex as a person, "moved".
    assert (report.extracted, report.right, report.expected, report.recalled) == (5, 3, 4, 2)
    assert report.precision == pytest.approx(0.6) and report.recall == pytest.approx(0.5)
    assert report.by_type["animal"] == {"person": 1} and report.by_type["product"] == {"organization": 1}
    assert report.by_type["person"] == {"person": 1}
    assert report.rows[0] == {"text": "our dog Rex", "missing": [("animal", "rex")], "wrong": [("person", "rex")]}
    assert "animal" in report.as_text() and "person 1" in report.as_text()


def test_a_set_labelling_nouns_and_dates_is_scored_on_its_names(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"sentences": [{"text": "Ana's laptop", "expected": [["person", "ana"],
                                                                                   ["concept", "laptop"]]}]}))
    (item,) = load_set(path)
    assert item.expected == {("person", "ana")} and item.acceptable == frozenset()


@pytest.mark.parametrize("content, message", [
    ("not json", "is not an entity-type set"),
    (json.dumps({"rows": []}), "is not an entity-type set"),
    (json.dumps({"sentences": [{"text": "x", "expected": [["pet", "rex"]]}]}), "['pet']"),
    (json.dumps({"sentences": []}), "names no sentences"),
])
def test_a_set_it_cannot_read_is_refused_with_a_message(tmp_path, content, message):
    path = tmp_path / "set.json"
    path.write_text(content)
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_set(path)


def test_a_missing_file_is_refused_with_a_message(tmp_path):
    with pytest.raises(InvalidInput, match="is not an entity-type set"):
        load_set(tmp_path / "none.json")
