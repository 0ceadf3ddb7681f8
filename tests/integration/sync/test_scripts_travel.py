"""Every script travels unchanged (issue 42): right-to-left text, combining marks (not normalised), emoji and
mixed scripts arrive byte for byte through sync and through a bundle, tags and metadata included."""

from __future__ import annotations

import unicodedata

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.bundles import ExportRequest
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

TEXTS = (
    "\u200fשלום עולם — مَرْحَبًا بالعالم (2026)",
    unicodedata.normalize("NFD", "Zoë café") + " क्षत्रिय กินข้าว",
    "👩🏽‍💻 shipped it 🇯🇵 ❤️ 🙂",
    "Meeting 会议 with Анна in 東京 at 10:00 🙂 مع سارة",
)


def _stored(services) -> set[tuple[str, tuple[str, ...], str]]:
    return {(m.content, m.tags, m.metadata["note"])
            for m in services.memories.list(MemoryFilter(namespace="scripts"), limit=100).items}


def _fill(services) -> set[tuple[str, tuple[str, ...], str]]:
    for text in TEXTS:
        services.memories.create(MemoryCreate(namespace="scripts", content=text, tags=[text[:10].strip() or "t"],
                                              metadata={"note": text[::-1]}))
    stored = _stored(services)
    assert {c for c, _, _ in stored} == set(TEXTS)  # nothing normalised on the way in
    return stored


def test_every_script_arrives_unchanged_through_sync(make_vault, tmp_path):
    a, b = make_vault("a"), make_vault("b")
    sent = _fill(a)
    config = TargetConfig("folder", str(tmp_path / "target"))
    a.sync.setup(config, SYNC_PASSPHRASE)
    b.sync.setup(config, SYNC_PASSPHRASE)
    b.sync.sync_now()
    assert _stored(b) == sent
    assert unicodedata.is_normalized("NFD", next(c for c, _, _ in _stored(b) if c.startswith("Zo")))


def test_every_script_arrives_unchanged_through_a_bundle(make_vault, tmp_path):
    a, b = make_vault("a"), make_vault("b")
    sent = _fill(a)
    path = tmp_path / "scripts.mvbundle"
    a.bundles.export_to_file(path, ExportRequest(("scripts",), passphrase="bundle passphrase"))
    b.bundles.import_bundle(path, passphrase="bundle passphrase")
    assert _stored(b) == sent
