"""Held-out retrieval data stays held out: none of its text appears in the code or the unit tests.

A rule or a test built from a held-out turn or question makes the figures measured on it worthless, so
any such phrase found in ``app/`` or ``tests/unit/`` fails here. (The extraction set has its own guard.)
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = [ROOT / "tests" / "data" / name / "conversations.json"
            for name in ("retrieval-heldout", "shared-heldout", "long-heldout", "kinds-heldout")]
HELD_OUT_NOTES = ROOT / "tests" / "data" / "notes-heldout" / "notes.json"
HELD_OUT_ENTITIES = ROOT / "tests" / "data" / "entity-types" / "heldout.json"
SEARCHED = [ROOT / "app", ROOT / "tests" / "unit"]
#: Shortest run of words that counts as quoting (shorter runs are ordinary phrases: "what is the name of").
MIN_WORDS = 6
_WORD = re.compile(r"\w+", re.UNICODE)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _held_out_texts():
    for path in HELD_OUT:
        data = json.loads(path.read_text(encoding="utf-8"))
        for conversation in data["conversations"]:
            yield from (t["text"] for s in conversation["sessions"] for t in s["turns"])
            yield from (q[k] for q in conversation["questions"] for k in ("question", "answer"))
    for vault in json.loads(HELD_OUT_NOTES.read_text(encoding="utf-8"))["vaults"]:
        yield from (n["text"] for n in vault["notes"])
        yield from (q["question"] for q in vault["questions"])
    yield from (row["text"] for row in json.loads(HELD_OUT_ENTITIES.read_text(encoding="utf-8"))["sentences"])


def held_out_phrases() -> set[str]:
    """Every run of :data:`MIN_WORDS` words of each held-out turn, note, question and answer, normalised."""
    phrases: set[str] = set()
    for text in _held_out_texts():
        words = _normal(text).split()
        phrases.update(" ".join(words[i:i + MIN_WORDS]) for i in range(len(words) - MIN_WORDS + 1))
    return phrases


def _sources():
    for folder in SEARCHED:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".json", ".md", ".txt", ".toml", ".yaml", ".yml"}:
                yield path


def quoting(phrases: set[str], text: str) -> list[str]:
    words = _normal(text).split()
    runs = {" ".join(words[i:i + MIN_WORDS]) for i in range(len(words) - MIN_WORDS + 1)}
    return sorted(runs & phrases)


def test_the_held_out_set_is_there_and_has_phrases():
    assert len(held_out_phrases()) > 200


def test_no_held_out_phrase_appears_in_app_or_unit_tests():
    phrases = held_out_phrases()
    found = {}
    for path in _sources():
        if path == Path(__file__).resolve():
            continue
        hits = quoting(phrases, path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            found[str(path.relative_to(ROOT))] = hits[:3]
    assert not found, f"held-out text quoted in: {found}"


@pytest.mark.parametrize("text, quoted", [
    ("a rule for 'The Vooruit building, the small hall holds 80 people'", True),
    ("the small hall of a building", False),
    ("a note saying 'Oskar bikes to work all year, even in the snow'", True),
])
def test_the_guard_catches_a_quote_however_it_is_cased_or_punctuated(text, quoted):
    assert bool(quoting(held_out_phrases(), text)) is quoted
