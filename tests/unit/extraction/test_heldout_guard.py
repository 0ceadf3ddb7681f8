"""Held-out extraction text never appears in the code or the unit tests (issue 39's discipline).

Any run of :data:`RUN` words of a held-out conversation or of its expected facts found in a file under
``app/`` or ``tests/unit/`` fails the test: rules, docstrings and tests are written from the tuning set and
from sentences of their own, never from the held-out sets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
RUN = 6
HELD_OUT = [
    (ROOT / "tests" / "data" / "extraction_heldout" / "conversations.json", None),
    (ROOT / "tests" / "data" / "extraction" / "conversations.json", "heldout"),
]


def _runs(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())
    return {" ".join(words[i:i + RUN]) for i in range(len(words) - RUN + 1)}


def _held_out_runs() -> dict[str, str]:
    found: dict[str, str] = {}
    for path, split in HELD_OUT:
        for c in json.loads(path.read_text("utf-8"))["conversations"]:
            if split is not None and c["split"] != split:
                continue
            texts = [m["content"] for m in c["messages"]] + [e["fact"] for e in c["expected"]]
            for text in texts:
                for run in _runs(text):
                    found.setdefault(run, f"{path.parent.name}/{c['id']}")
    return found


def test_the_held_out_sets_are_there_and_large_enough_to_guard():
    assert len(_held_out_runs()) > 500


def test_no_held_out_text_in_the_code_or_the_unit_tests():
    held = _held_out_runs()
    leaks = []
    for base in (ROOT / "app", ROOT / "tests" / "unit"):
        for path in sorted(base.rglob("*")):
            if path.suffix not in (".py", ".md", ".json", ".txt", ".toml") or not path.is_file():
                continue
            for run in _runs(path.read_text("utf-8", errors="replace")) & held.keys():
                leaks.append(f"{path.relative_to(ROOT)}: '{run}' (held-out {held[run]})")
    assert not leaks, "\n".join(sorted(leaks)[:20])
