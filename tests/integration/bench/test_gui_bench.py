"""``bench --gui``'s vault: generated memories imported with their vectors, indexed, entities extracted."""

import pytest

from memvault.bench import gui
from memvault.config import load_settings
from memvault.domain.models import MemoryFilter
from memvault.service.container import load_embedder, open_vault

# The bundled model and the NLP pipeline run: the slow tier.
pytestmark = pytest.mark.slow


def test_the_vault_is_built_in_bundles_without_embedding_each_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(gui, "BASE_TEXTS", 20)
    monkeypatch.setattr(gui, "PER_BUNDLE", 70)  # two bundles
    said = []
    gui.build_vault(tmp_path / "vault", 120, said.append)
    assert sum("importing" in s for s in said) == 2 and "embedding 20 workload texts" in said[0]
    settings = load_settings(environ={}, home=str(tmp_path / "vault"), worker=False)
    services = open_vault(settings, gui.PASSPHRASE, load_embedder(settings), background=False)
    try:
        assert services.memories.count(MemoryFilter()) == 120  # in the namespace the app opens on
        assert services.jobs.depth() == 0  # nothing waits to be embedded
        assert services.entities.queue_depth() == 0  # nor extracted: the app starts in its steady state
        page = services.memories.list(MemoryFilter(), limit=5)
        assert len({m.content for m in page.items}) == 5 and {m.agent_id for m in page.items} <= {
            "assistant", "ops-bot", "calendar"}
        assert services.entities.summaries("default").total > 0
    finally:
        services.close()
