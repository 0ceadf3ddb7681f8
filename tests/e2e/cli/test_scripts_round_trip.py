"""Every script through the service and the command line unchanged: right-to-left text, combining marks, emoji,
mixed scripts (issue 42). Nothing is normalised on the way: what was stored is what every output shows."""

import json
import unicodedata

import pytest

from tests.helpers.cli import run

# The CLI embeds with the bundled model: the slow tier.
pytestmark = pytest.mark.slow

TEXTS = {
    "rtl": "\u200fשלום עולם — مَرْحَبًا بالعالم (2026)",
    "marks": unicodedata.normalize("NFD", "Zoë café") + " क्षत्रिय กินข้าว",
    "emoji": "👩🏽‍💻 shipped it 🇯🇵 ❤️ 🙂",
    "mixed": "Meeting 会议 with Анна in 東京 at 10:00 🙂 مع سارة",
}
#: A word of each text the keyword index must find it by, in another form where users expect that.
WORDS = {"rtl": "مرحبا", "marks": "cafe", "emoji": "shipped", "mixed": "会议"}


def test_texts_round_trip_through_add_get_and_search(env, capsys):
    assert run(capsys, "init")[0] == 0
    ids = {}
    for name, content in TEXTS.items():
        code, out, _ = run(capsys, "add", "--json", content)
        assert code == 0
        added = json.loads(out)
        assert added["memory"]["content"] == content
        ids[name] = added["memory"]["id"]
    for name, content in TEXTS.items():
        code, out, _ = run(capsys, "get", "--json", ids[name])
        assert code == 0 and json.loads(out)["content"] == content
        code, out, _ = run(capsys, "get", ids[name])
        assert code == 0 and content in out
        code, out, _ = run(capsys, "search", "--json", "--mode", "keyword", WORDS[name])
        hits = json.loads(out)["hits"]
        assert code == 0 and [h["memory"]["id"] for h in hits] == [ids[name]], name
        assert hits[0]["memory"]["content"] == content
        code, out, _ = run(capsys, "search", "--mode", "keyword", WORDS[name])
        assert code == 0 and ids[name][:8] in out
        shown = out.replace("**", "")
        assert any(len(part) >= 8 and part in content for part in shown.split("…")) or content in shown, out


def test_add_says_when_extraction_skipped_the_language(env, capsys):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "add", "Unser Hund schläft gern neben dem Kühlschrank in der Küche")
    assert code == 0 and "Note: entities and facts were not extracted" in out and "'de'" in out
    # Not "searchable" alone: the default English model finds it by its words, not by its meaning.
    assert "found by its words, by meaning too where the vault's model reads its language" in out
    code, out, _ = run(capsys, "add", "Our dog likes to sleep next to the fridge")
    assert code == 0 and "Note:" not in out
