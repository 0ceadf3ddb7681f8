"""A vault embedded by the previous bundled model is re-embedded, with progress, by the current one."""

from sqlalchemy import text

from memvault.domain.models import MemoryCreate, SearchQuery
from memvault.embedding.manifest import load_manifest
from memvault.service import reembed
from memvault.service.container import create_vault, open_vault
from tests.helpers import PASSPHRASE
from tests.helpers.fake_embedder import FakeEmbedder

#: The model id vectors carried before the fused fp32 graph (int8-weight ONNX export).
PREVIOUS_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"


class FakeModel(FakeEmbedder):
    """The fake embedder under a given model id (the vectors do not matter here, their labels do)."""

    def __init__(self, model_id):
        self.model_id = model_id


def _models(services):
    with services.vault.db.read() as conn:
        return conn.execute(text("SELECT model_id, count(*) FROM memories GROUP BY model_id")).all()


def test_the_bundled_model_has_a_new_id():
    assert load_manifest().model_id not in (PREVIOUS_MODEL_ID, "")


def test_a_vault_of_the_previous_model_is_re_embedded_with_progress(settings, monkeypatch):
    monkeypatch.setattr(reembed, "BATCH", 4)
    old = create_vault(settings, PASSPHRASE, FakeModel(PREVIOUS_MODEL_ID), background=False)
    try:
        old.memories.create_batch([MemoryCreate(content=f"note {i} about the staging database") for i in range(10)])
        old.worker.drain()
        assert _models(old) == [(PREVIOUS_MODEL_ID, 10)]
    finally:
        old.close()

    current = load_manifest().model_id
    services = open_vault(settings, PASSPHRASE, FakeModel(current), background=False)
    try:
        # Unlocking finds every memory stale (the GUI offers the re-embed on this count).
        assert services.reembed.stale_count() == 10
        assert services.reembed.model_id == current
        # Old vectors stay searchable until their replacements are written.
        assert services.search.search(SearchQuery("staging database", mode="semantic")).hits
        seen = []
        report = services.reembed.reembed(progress=lambda done, total: seen.append((done, total)))
        assert (report.done, report.total, report.cancelled) == (10, 10, False)
        assert seen == [(0, 10), (4, 10), (8, 10), (10, 10)]
        assert services.reembed.stale_count() == 0
        assert _models(services) == [(current, 10)]
    finally:
        services.close()
