"""A model per vault: chosen at creation, switched later, re-embedded with progress and cancel, search correct meanwhile."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from memvault.domain.errors import ModelError
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest, manifest_named
from memvault.service import reembed
from memvault.service.container import create_vault, open_vault, vault_exists
from tests.helpers import PASSPHRASE, wait_for
from tests.helpers.fake_embedder import _WORD, FakeEmbedder

E5 = "multilingual-e5-small"
TOPICS = [f"note {i}: the {w} is kept in the {p}" for i, (w, p) in enumerate(
    [("passport", "desk drawer"), ("spare key", "blue flowerpot"), ("bicycle pump", "garage shelf"),
     ("tax receipts", "green folder"), ("wedding album", "attic box"), ("first aid kit", "car boot"),
     ("guitar tuner", "music stand"), ("winter tyres", "cellar"), ("birth certificate", "fireproof safe"),
     ("camping stove", "hallway cupboard")])]


class OtherModel(FakeEmbedder):
    """Another model: words land in other dimensions, so its vectors and the first fake's do not compare."""

    model_id = "fake-other-model-v1"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(b"other:" + word.encode("utf-8"), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else np.eye(1, self.dimension, dtype=np.float32)[0]


def _lazy_default():
    return LazyEmbedder(load_manifest())


def test_the_model_is_chosen_at_creation_and_the_vault_keeps_it(settings):
    e5 = manifest_named(E5)
    with pytest.raises(ModelError, match="no bundled embedding model"):
        create_vault(settings, PASSPHRASE, _lazy_default(), background=False, model="labse")
    assert not vault_exists(settings)  # refused before anything was written
    services = create_vault(settings, PASSPHRASE, _lazy_default(), background=False, model=E5)
    try:
        assert services.vault.model_id == services.embedder.model_id == services.models.current == e5.model_id
        assert not services.embedder.loaded  # choosing loads nothing
    finally:
        services.close()
    # The process loads the English model ahead; the vault's own model is used.
    services = open_vault(settings, PASSPHRASE, _lazy_default(), background=False)
    try:
        assert services.embedder.model_id == e5.model_id and services.jobs is not None
        assert services.reembed.model_id == e5.model_id
    finally:
        services.close()


def test_english_stays_the_default(settings):
    services = create_vault(settings, PASSPHRASE, _lazy_default(), background=False)
    try:
        assert services.vault.model_id == services.embedder.model_id == load_manifest().model_id
        assert [m.name for m in services.models.available()] == ["all-MiniLM-L6-v2", E5]
    finally:
        services.close()


def test_a_switch_is_recorded_and_makes_every_memory_stale(settings):
    english = FakeEmbedder()
    english.model_id = load_manifest().model_id  # vectors labelled as the English model's (their values do not matter)
    services = create_vault(settings, PASSPHRASE, english, background=False)
    try:
        services.memories.create_batch([MemoryCreate(content=t) for t in TOPICS[:3]])
        services.worker.drain()
        assert services.reembed.stale_count() == 0
        with pytest.raises(ModelError):
            services.models.switch("labse")
        assert services.vault.model_id == english.model_id
        assert services.models.switch(E5).name == E5
    finally:
        services.close()
    services = open_vault(settings, PASSPHRASE, _lazy_default(), background=False)
    try:
        assert services.embedder.model_id == manifest_named(E5).model_id and not services.embedder.loaded
        assert services.reembed.stale_count() == 3
    finally:
        services.close()


def _semantic(services, query, limit=3):
    return [h.memory.content for h in services.search.search(SearchQuery(query, mode="semantic", limit=limit)).hits]


def test_switching_re_embeds_with_progress_and_cancel_while_search_stays_correct(settings, monkeypatch):
    monkeypatch.setattr(reembed, "BATCH", 4)
    old = create_vault(settings, PASSPHRASE, FakeEmbedder(), background=False)
    try:
        old.memories.create_batch([MemoryCreate(content=t) for t in TOPICS])
        old.worker.drain()
        assert _semantic(old, TOPICS[7])[0] == TOPICS[7]
        old.vault.set_model_id(OtherModel.model_id)
    finally:
        old.close()

    services = open_vault(settings, PASSPHRASE, OtherModel(), background=False)
    try:
        assert services.reembed.stale_count() == len(TOPICS)
        # No vector of the old model is compared with the new model's query: nothing by meaning yet...
        assert _semantic(services, TOPICS[7]) == []
        # ...and every memory is still found by its words.
        hybrid = services.search.search(SearchQuery("winter tyres cellar", mode="hybrid", limit=1)).hits
        assert hybrid[0].memory.content == TOPICS[7]

        seen = []
        report = services.reembed.reembed(progress=lambda done, total: seen.append((done, total)),
                                          cancelled=lambda: len(seen) > 1)
        assert (report.done, report.total, report.cancelled) == (4, 10, True)
        assert seen == [(0, 10), (4, 10)]
        assert services.reembed.stale_count() == 6
        # Meanwhile: the re-embedded memories are found by meaning, the others are not compared.
        redone = {m.content for m in services.memories.list(MemoryFilter(), limit=50).items if m.model_id == OtherModel.model_id}
        assert len(redone) == 4
        for topic in TOPICS:
            found = _semantic(services, topic)
            assert (found[:1] == [topic]) if topic in redone else topic not in found
            assert set(found) <= redone

        report = services.reembed.reembed(progress=lambda done, total: seen.append((done, total)))
        assert (report.done, report.total, report.cancelled) == (6, 6, False)
        assert services.reembed.stale_count() == 0
        assert all(_semantic(services, t)[0] == t for t in TOPICS)
    finally:
        services.close()


@pytest.mark.slow  # the real multilingual model
def test_a_question_in_one_language_finds_a_memory_written_in_another(settings, multilingual_embedder):
    services = create_vault(settings, PASSPHRASE, multilingual_embedder, background=False)
    try:
        memories = ["パスポートは机の引き出しに入れてあります。", "Встреча с врачом назначена на вторник в 15:00.",
                    "My sister's birthday is on the 3rd of May.", "El coche necesita neumáticos nuevos antes del invierno."]
        services.memories.create_batch([MemoryCreate(content=m) for m in memories])
        services.worker.drain()
        for query, expected in (("Wo ist mein Reisepass?", 0), ("When is my doctor's appointment?", 1),
                                ("妹妹的生日是哪天？", 2), ("Какие шины нужны машине зимой?", 3)):
            for mode in ("semantic", "hybrid"):
                hits = services.search.search(SearchQuery(query, mode=mode, limit=1)).hits
                assert hits and hits[0].memory.content == memories[expected], (query, mode)
    finally:
        services.close()


@pytest.mark.slow  # the real multilingual model
def test_a_multilingual_vaults_scores_are_on_the_scale_ranking_was_fitted_on(settings, multilingual_embedder):
    """multilingual-e5-small's raw cosines put unrelated texts at ~0.76: every hit was a "good match", and one
    shared keyword ("user") outranked the answer in hybrid. On the English model's scale neither happens."""
    from memvault.ranking.good_match import GOOD_MATCH_SIMILARITY

    services = create_vault(settings, PASSPHRASE, multilingual_embedder, background=False)
    try:
        memories = ["Der Benutzer trinkt morgens immer eine Tasse grünen Tee.", "The user is allergic to cats.",
                    "ユーザーは東京の新宿に住んでいます。", "Meine Schwester wohnt seit zwei Jahren in München."]
        services.memories.create_batch([MemoryCreate(content=m) for m in memories])
        services.worker.drain()
        hybrid = services.search.search(SearchQuery("What does the user drink in the morning?", limit=4)).hits
        assert hybrid[0].memory.content == memories[0]
        semantic = services.search.search(SearchQuery("Where does my sister live?", mode="semantic", limit=4)).hits
        assert semantic[0].memory.content == memories[3] and semantic[0].score >= GOOD_MATCH_SIMILARITY
        assert all(h.score < GOOD_MATCH_SIMILARITY for h in semantic[1:]), [h.score for h in semantic]
    finally:
        services.close()


@pytest.mark.slow  # loads the real multilingual model
def test_a_vault_of_another_model_loads_it_ahead_once_its_loops_run_and_a_command_does_not(settings):
    """The app and the server (loops running) load the vault's own model while nothing asks yet, so the first
    search does not wait for it; a command that needs no text embedded never loads it."""
    create_vault(settings, PASSPHRASE, _lazy_default(), background=False, model=E5).close()
    services = open_vault(settings, PASSPHRASE, _lazy_default(), background=False)
    try:
        assert services.embedder.model_id == manifest_named(E5).model_id and not services.embedder.loaded
    finally:
        services.close()
    services = open_vault(settings, PASSPHRASE, _lazy_default(), background=True)
    try:
        wait_for(lambda: services.embedder.loaded, timeout=120)
        assert services.embedder.embed_query("wo ist der Reisepass").shape == (manifest_named(E5).dimension,)
    finally:
        services.close()
