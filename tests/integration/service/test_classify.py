"""Omitted memory types: classified from the memory's own vector when it is stored, as a system update."""

import json

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.changes import OriginKind
from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType
from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.embedding.manifest import models_root
from memvault.extraction.classify import TypeClassifier, classifier_file, fit_softmax


@pytest.mark.slow
def test_an_omitted_type_is_inferred_as_a_short_text_is_stored(services, real_embedder):
    seen = []
    services.events.subscribe(seen.append)
    policy = services.memories.create(MemoryCreate(
        content="Never share the user's medical information with other agents.")).memory
    named = services.memories.create(MemoryCreate(content="Never deploy on Fridays.", memory_type="fact")).memory
    assert (policy.memory_type, policy.memory_type_source) == (MemoryType.POLICY, TypeSource.INFERRED)
    assert services.memories.get(policy.id).memory_type is MemoryType.POLICY
    assert (named.memory_type, named.memory_type_source) == (MemoryType.FACT, TypeSource.EXPLICIT)
    # One write: the create itself carries the type (and the oplog with it), no system update follows.
    with services.vault.db.read() as conn:
        ops = conn.execute(text("SELECT op, payload FROM oplog WHERE memory_uuid = :u ORDER BY id"),
                           {"u": policy.id}).all()
    assert [o.op for o in ops] == ["create"] and json.loads(ops[0].payload)["memory_type"] == "policy"
    assert [e.kind.value for e in seen] == ["created", "created"]


@pytest.mark.slow
@pytest.mark.parametrize("content, memory_type", [
    ("Dinner with Emma tomorrow at 7pm", MemoryType.EVENT),
    ("Dentist appointment on Thursday at 10:30", MemoryType.EVENT), ("Mum's birthday party is on Sunday", MemoryType.EVENT),
    ("Emma is vegetarian", MemoryType.FACT), ("My car is a blue Honda Jazz", MemoryType.FACT),
])
def test_a_short_note_of_an_appointment_or_a_fact_is_typed(services, real_embedder, content, memory_type):
    # Seen in a walkthrough of the app: such notes stayed "general" (the training set's events had all happened,
    # and its facts were long sentences).
    memory = services.memories.create(MemoryCreate(content=content)).memory
    assert (memory.memory_type, memory.memory_type_source) == (memory_type, TypeSource.INFERRED)


@pytest.mark.slow
@pytest.mark.usefixtures("queued_stores")
def test_an_omitted_type_is_inferred_when_a_queued_vector_is_stored(services, real_embedder):
    seen = []
    services.events.subscribe(seen.append)
    policy = services.memories.create(MemoryCreate(
        content="Never share the user's medical information with other agents.")).memory
    task = services.memories.create(MemoryCreate(content="Remind the user to renew the passport before June.")).memory
    named = services.memories.create(MemoryCreate(content="Never deploy on Fridays.", memory_type="fact")).memory
    assert policy.memory_type is MemoryType.GENERAL and policy.memory_type_source is TypeSource.DEFAULT
    services.worker.drain()
    got = services.memories.get(policy.id)
    assert (got.memory_type, got.memory_type_source) == (MemoryType.POLICY, TypeSource.INFERRED)
    assert services.memories.get(task.id).memory_type is MemoryType.TASK
    kept = services.memories.get(named.id)
    assert (kept.memory_type, kept.memory_type_source) == (MemoryType.FACT, TypeSource.EXPLICIT)
    # Derived, not edited: no new version, so an agent that read version 1 still updates version 1.
    assert [h.change for h in services.memories.history(policy.id)] == ["create"] and got.version == 1
    with services.vault.db.read() as conn:
        ops = conn.execute(text("SELECT op, payload FROM oplog WHERE memory_uuid = :u ORDER BY id"),
                           {"u": policy.id}).all()
    assert ops[-1].op == "update" and json.loads(ops[-1].payload)["memory_type"] == "policy"
    assert any(e.kind.value == "updated" and e.origin.kind is OriginKind.SYSTEM for e in seen)
    # A caller who names a type later makes it explicit.
    changed = services.memories.update(policy.id, MemoryUpdate(memory_type="fact"))
    assert changed.memory_type_source is TypeSource.EXPLICIT and changed.version == 2


@pytest.mark.slow
def test_an_omitted_type_is_inferred_when_a_short_edit_is_embedded(services, real_embedder, monkeypatch):
    from memvault.service import memories

    monkeypatch.setattr(memories, "INLINE_EMBED_MAX_CHARS", 0)
    waiting = services.memories.create(MemoryCreate(content="Some notes for later.")).memory
    assert waiting.memory_type_source is TypeSource.DEFAULT and services.jobs.depth() == 1
    monkeypatch.undo()
    edited = services.memories.update(waiting.id, MemoryUpdate(
        content="Never share the user's medical information with other agents."))
    # As the queue would have done once the vectors were stored: the type is derived, not a version of its own.
    assert (edited.memory_type, edited.memory_type_source) == (MemoryType.POLICY, TypeSource.INFERRED)
    assert edited.version == 2 and edited.embedding_status.value == "ready" and services.jobs.depth() == 0
    with services.vault.db.read() as conn:
        ops = [r.op for r in conn.execute(text("SELECT op FROM oplog WHERE memory_uuid = :u ORDER BY id"),
                                          {"u": waiting.id})]
    assert ops == ["create", "update", "vectors", "update"]
    explicit = services.memories.update(waiting.id, MemoryUpdate(content="Never deploy on Fridays.",
                                                                 memory_type="fact"))
    assert (explicit.memory_type, explicit.memory_type_source) == (MemoryType.FACT, TypeSource.EXPLICIT)


def test_vectors_of_another_model_leave_the_type_alone(services):
    m = services.memories.create(MemoryCreate(content="The user prefers dark mode")).memory
    services.worker.drain()
    got = services.memories.get(m.id)
    assert got.embedding_status.value == "ready"
    assert (got.memory_type, got.memory_type_source) == (MemoryType.GENERAL, TypeSource.DEFAULT)


def test_every_bundled_model_has_a_classifier_recording_its_cross_validated_accuracy():
    """A vault of the multilingual model kept every omitted type ``general``: its vectors had no classifier."""
    from memvault.embedding.manifest import available_models

    classifiers = TypeClassifier.load_all()
    for manifest in available_models():
        doc = json.loads((models_root() / classifier_file(manifest.name)).read_text("utf-8"))
        assert doc["examples"] >= 160 and doc["cv_folds"] == 5 and doc["cv_accuracy"] >= 0.6
        # Trained on that model's vectors (a new model needs `python -m memvault.extraction.train_types NAME`).
        classifier = classifiers[manifest.model_id]
        assert doc["model_id"] == manifest.model_id
        assert len(classifier.labels) == 8 and classifier.weights.shape == (8, manifest.dimension)


@pytest.mark.slow  # the real multilingual model
def test_a_multilingual_vault_infers_omitted_types(tmp_path, multilingual_embedder):
    from memvault.service.container import create_vault
    from tests.helpers import PASSPHRASE, fast_settings

    services = create_vault(fast_settings(tmp_path / "e5"), PASSPHRASE, multilingual_embedder, background=False)
    try:
        policy = services.memories.create(MemoryCreate(
            content="Never share the user's medical information with other agents.")).memory
        task = services.memories.create(MemoryCreate(content="Remind the user to renew the passport before June.")).memory
        assert (policy.memory_type, policy.memory_type_source) == (MemoryType.POLICY, TypeSource.INFERRED)
        assert task.memory_type is MemoryType.TASK and policy.model_id == multilingual_embedder.model_id
    finally:
        services.close()


def test_softmax_fit_separates_separable_classes():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8)
    x = np.concatenate([c + 0.05 * rng.standard_normal((20, 8)) for c in centres])
    y = np.repeat(np.arange(3), 20)
    w, b = fit_softmax(x, y, 3)
    assert ((x @ w.T + b).argmax(axis=1) == y).mean() == 1.0


@pytest.mark.slow  # both real models
def test_a_note_in_another_language_is_typed_rightly_or_left_general_by_the_multilingual_classifier(
        real_embedder, multilingual_embedder):
    """The README's check: 16 short notes in four languages, four of each kind (written for it, not trained on)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "memory_types" / "other_languages.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    classifiers = TypeClassifier.load_all()

    def typed(embedder) -> list[MemoryType]:
        vectors = [c.vectors[0] for c in embedder.embed_documents([r["text"] for r in rows])]
        return [classifiers[embedder.model_id].classify(v).memory_type for v in vectors]

    def tally(got: list[MemoryType]) -> tuple[int, int]:
        right = sum(g.value == r["type"] for g, r in zip(got, rows))
        return right, sum(g is not MemoryType.GENERAL for g in got) - right

    # (5, 0) and (2, 4) until upcoming appointments and short facts joined the English set: a birth with its date
    # ("Ma fille est née le 3 mai 2019") is now an event, as the training set types one; the confidences here sit
    # around the 0.35 cut, so each retraining moves a note or two either way.
    assert tally(typed(multilingual_embedder)) == (4, 1)
    assert tally(typed(real_embedder)) == (4, 5)


@pytest.mark.slow  # the real model's classifier
def test_memories_embedded_before_their_model_had_a_classifier_are_typed_in_the_background(tmp_path, real_embedder,
                                                                                        monkeypatch):
    """A multilingual vault kept every omitted type ``general`` until its model had a classifier; nothing typed
    the memories stored before, short of embedding them again."""
    from memvault.service.classify import TypeClassificationService
    from memvault.service.container import create_vault, open_vault
    from tests.helpers import PASSPHRASE, fast_settings, wait_for

    settings = fast_settings(tmp_path / "vault")
    services = create_vault(settings, PASSPHRASE, real_embedder, background=False)
    policy = services.memories.create(MemoryCreate(
        content="Never share the user's medical information with other agents.")).memory
    named = services.memories.create(MemoryCreate(content="Never deploy on Fridays.", memory_type="fact")).memory
    with services.vault.db.write() as conn:  # what a release without the model's classifier left
        conn.execute(text("UPDATE memories SET memory_type = 'general', memory_type_source = 'default' "
                          "WHERE uuid = :u"), {"u": policy.id})
    services.close()
    monkeypatch.setattr(TypeClassificationService, "BACKFILL_DELAY_SECONDS", 0.0)  # after 30 s in the app
    services = open_vault(settings, PASSPHRASE, real_embedder, background=True)
    try:
        assert "type-backfill" in services.background.names
        wait_for(lambda: services.memories.get(policy.id).memory_type_source is TypeSource.INFERRED, timeout=60)
        got = services.memories.get(policy.id)
        assert got.memory_type is MemoryType.POLICY and got.version == policy.version  # derived: no new version
        kept = services.memories.get(named.id)
        assert (kept.memory_type, kept.memory_type_source) == (MemoryType.FACT, TypeSource.EXPLICIT)
    finally:
        services.close()
