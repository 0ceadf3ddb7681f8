"""Entities on store: extracted with the pinned pipeline, linked by name and alias, listed with counts, pruned."""

import pytest

from memvault.domain.entities import EntityType
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.extraction import entities
from tests.helpers import wait_for


@pytest.fixture
def loaded(services):
    """Services whose pipeline is loaded, so entities are linked in the write transaction."""
    services.entities.drain()
    return services


def _values(memory):
    return {(e.type, e.value) for e in memory.entities}


def test_store_links_people_places_dates_and_nouns(loaded):
    m = loaded.memories.create(MemoryCreate(
        content="Greg moved to Leeds in March 2024 and works at Brightloop Studios as a designer",
        metadata={"session_date": "2024-04-02T10:00"})).memory
    values = _values(m)
    assert (EntityType.PERSON, "greg") in values
    assert (EntityType.ORGANIZATION, "brightloop studios") in values
    assert (EntityType.LOCATION, "leeds") in values
    assert (EntityType.DATE, "2024-03") in values
    assert (EntityType.CONCEPT, "designer") in values
    assert all(0 < e.confidence <= 1 for e in m.entities)
    assert loaded.memories.get(m.id).entities == m.entities


def test_a_name_the_memory_says_is_a_persons_is_a_person_whatever_the_tagger_says(loaded):
    # The tagger takes "Jordan" for the country; a fact about Jordan or a turn Jordan spoke says otherwise.
    plain = loaded.memories.create(MemoryCreate(content="Jordan moved to Leeds in March", namespace="a")).memory
    assert (EntityType.LOCATION, "jordan") in _values(plain)
    fact = loaded.memories.create(MemoryCreate(content="Jordan moved to Leeds in March", namespace="b",
                                               metadata={"fact": {"person": "Jordan Lee"}})).memory
    turn = loaded.memories.create(MemoryCreate(content="Jordan here, I moved to Leeds in March", namespace="c",
                                               metadata={"speaker": "Jordan"})).memory
    for memory in (fact, turn):
        assert (EntityType.PERSON, "jordan") in _values(memory)
        assert (EntityType.LOCATION, "jordan") not in _values(memory)
        assert (EntityType.LOCATION, "leeds") in _values(memory)
    # A speaker's role is no name.
    assert entities.people_named({"speaker": "assistant", "fact": {"person": " Ana "}}) == ("Ana",)


def test_a_written_date_the_tagger_calls_an_event_is_a_date(loaded):
    moved = loaded.memories.create(MemoryCreate(
        content="Jordan just moved to Berlin in the week of 9 November 2026 for a new job at Siemens")).memory
    assert (EntityType.DATE, "2026-11-09") in _values(moved)
    assert not any(t is EntityType.EVENT for t, _ in _values(moved))
    games = loaded.memories.create(MemoryCreate(content="We went to the Olympics 2024 in Paris")).memory
    assert (EntityType.EVENT, "olympics 2024") in _values(games)  # an event with its year stays one


def test_relative_dates_resolve_against_the_memorys_own_time(loaded):
    m = loaded.memories.create(MemoryCreate(content="we picked the dog up yesterday",
                                            metadata={"session_date": "2024-01-08T20:14"})).memory
    assert (EntityType.DATE, "2024-01-07") in _values(m)


def test_later_mentions_link_to_known_entities_by_name_and_alias(loaded):
    first = loaded.memories.create(MemoryCreate(content="Greg Hansen took up fishing in Kenora")).memory
    second = loaded.memories.create(MemoryCreate(content="greg caught a walleye near kenora")).memory
    assert {(EntityType.PERSON, "greg hansen"), (EntityType.LOCATION, "kenora")} <= _values(first)
    # Lower case: the tagger misses both; the gazetteer knows them (a person's first name is an alias).
    assert {(EntityType.PERSON, "greg hansen"), (EntityType.LOCATION, "kenora")} <= _values(second)
    alias = next(e for e in second.entities if e.value == "greg hansen")
    assert alias.confidence < 0.9
    # A name the tagger types differently this time still links to the known entity.
    third = loaded.memories.create(MemoryCreate(content="Kenora is cold in March")).memory
    assert (EntityType.LOCATION, "kenora") in _values(third)


def test_auto_extract_false_skips_and_long_text_needs_true(loaded):
    off = loaded.memories.create(MemoryCreate(content="Priya lives in Berlin", auto_extract_entities=False)).memory
    assert off.entities == ()
    long_text = "Priya lives in Berlin. " + "She likes long walks by the river. " * 150
    auto = loaded.memories.create(MemoryCreate(content=long_text)).memory
    assert auto.entities == ()
    forced = loaded.memories.create(MemoryCreate(content=long_text, auto_extract_entities=True)).memory
    assert (EntityType.LOCATION, "berlin") in _values(forced)
    with pytest.raises(InvalidInput):
        loaded.memories.create(MemoryCreate(content="x", auto_extract_entities="yes"))


def test_before_the_pipeline_loads_entities_are_queued_then_extracted(services, monkeypatch):
    from memvault.extraction.nlp import NlpPipeline

    # The pipeline is the process's: another test may have loaded it already.
    with monkeypatch.context() as patch:
        patch.setattr(NlpPipeline, "loaded", property(lambda _self: False))
        m = services.memories.create(MemoryCreate(content="Lars keeps bees near Aarhus")).memory
    assert m.entities == () and services.entities.queue_depth() == 1
    assert services.entities.drain() == 1
    after = services.memories.get(m.id)
    assert (EntityType.LOCATION, "aarhus") in _values(after) and "lars" in {e.value for e in after.entities}
    assert services.entities.queue_depth() == 0


def test_a_store_in_a_crowd_of_requests_queues_its_entities_for_the_loop(loaded):
    fg, crowd = loaded.foreground, 0
    while not fg.crowded() and crowd < 1000:  # agents' requests in flight, more than the cores can run
        fg.begin()
        crowd += 1
    try:
        m = loaded.memories.create(MemoryCreate(content="Lars keeps bees near Aarhus")).memory
    finally:
        for _ in range(crowd):
            fg.end()
    assert m.entities == () and loaded.entities.queue_depth() == 1, "not parsed in the request"
    assert loaded.entities.step() == 0.0 and loaded.entities.queue_depth() == 0
    assert (EntityType.LOCATION, "aarhus") in _values(loaded.memories.get(m.id))
    alone = loaded.memories.create(MemoryCreate(content="Mei moved to Lisbon last spring")).memory
    assert (EntityType.LOCATION, "lisbon") in _values(alone), "the crowd gone, a store links its own again"


def test_a_batch_queues_its_entities_and_the_loop_extracts_them_once_they_are_embedded(loaded):
    from memvault.service.entities import YIELD_SECONDS

    result = loaded.memories.create_batch([MemoryCreate(content="Lars keeps bees near Aarhus"),
                                           MemoryCreate(content="Mei moved to Lisbon last spring")])
    ids = [item.memory_id for item in result.items]
    # Not extracted on the write path even with the pipeline loaded: a batch is about throughput.
    assert all(loaded.memories.get(i).entities == () for i in ids) and loaded.entities.queue_depth() == 2
    # Searchable first: while their vectors are being made the loop gives way.
    assert loaded.entities.step() == YIELD_SECONDS and loaded.entities.queue_depth() == 2
    loaded.worker.drain()
    assert loaded.entities.step() == 0.0 and loaded.entities.queue_depth() == 0
    assert (EntityType.LOCATION, "aarhus") in _values(loaded.memories.get(ids[0]))
    assert (EntityType.LOCATION, "lisbon") in _values(loaded.memories.get(ids[1]))


def _attempts(services) -> int:
    with services.vault.db.read() as conn:
        return conn.exec_driver_sql("SELECT coalesce(sum(attempts), 0) FROM entity_jobs").scalar_one()


def _parts_seen(services, monkeypatch, first_part_done=lambda: None) -> list[int]:
    """The sizes of the parts the extractor is handed; ``first_part_done`` runs once the first one is parsed."""
    parts: list[int] = []
    real = services.entities._extractor.extract

    def extract(items, gazetteer):
        found = real(items, gazetteer)
        parts.append(len(items))
        if len(parts) == 1:
            first_part_done()
        return found

    monkeypatch.setattr(services.entities._extractor, "extract", extract)
    return parts


def test_a_burst_of_stores_during_a_step_ends_it_after_the_part_being_parsed(loaded, monkeypatch):
    """A step claims many memories (two commits a step, each costing the next search): when stores arrive
    meanwhile, what it parsed is stored, the rest given back uncounted, and the burst is embedded first."""
    from memvault.service.entities import LOOP_BATCH, PAUSE_EVERY, YIELD_SECONDS

    assert LOOP_BATCH >= 3 * PAUSE_EVERY
    first = loaded.memories.create_batch([MemoryCreate(content=f"Ada visited Oslo on day {i}")
                                          for i in range(3 * PAUSE_EVERY)])
    loaded.worker.drain()
    parts = _parts_seen(loaded, monkeypatch, lambda: loaded.memories.create_batch(
        [MemoryCreate(content="Lars keeps bees near Aarhus")]))
    assert loaded.entities.step() == 0.0
    assert parts == [PAUSE_EVERY]
    assert loaded.entities.queue_depth() == 2 * PAUSE_EVERY + 1 and _attempts(loaded) == 0
    linked = [(EntityType.LOCATION, "oslo") in _values(loaded.memories.get(item.memory_id)) for item in first.items]
    assert linked == [True] * PAUSE_EVERY + [False] * (2 * PAUSE_EVERY)
    assert loaded.entities.step() == YIELD_SECONDS, "the burst is being embedded"
    loaded.worker.drain()
    assert loaded.entities.step() == 0.0 and loaded.entities.queue_depth() == 0
    assert parts == [PAUSE_EVERY] * 3 + [1]


def test_a_stop_during_a_step_waits_for_the_part_being_parsed_not_the_step(loaded, monkeypatch):
    """In a crowd each part waits up to two seconds for a quiet moment; a lock must not wait for them all."""
    import threading

    from memvault.service import entities as entity_service
    from memvault.service.entities import PAUSE_EVERY

    loaded.memories.create_batch([MemoryCreate(content=f"Ada visited Oslo on day {i}")
                                  for i in range(3 * PAUSE_EVERY)])
    loaded.worker.drain()
    given_back: list[int] = []
    real_release = entity_service.repo.release
    monkeypatch.setattr(entity_service.repo, "release",
                        lambda conn, jobs: (jobs and given_back.append(len(jobs)), real_release(conn, jobs))[1])
    stopping = threading.Thread(target=loaded.background.stop)
    parsed = threading.Event()
    parts = _parts_seen(loaded, monkeypatch, lambda: (stopping.start(), parsed.set(),
                                                      loaded.entities._stopping.wait(10)))
    loaded.background.start()
    assert parsed.wait(30)
    stopping.join(30)
    assert not stopping.is_alive()
    assert parts == [PAUSE_EVERY] and given_back == [2 * PAUSE_EVERY]
    assert loaded.entities.queue_depth() == 2 * PAUSE_EVERY and _attempts(loaded) == 0
    loaded.entities.interrupt()  # as a stop's interrupt that came after its loop's last step would
    loaded.background.start()  # started again, the loop extracts whole steps: one, nothing given back
    wait_for(lambda: loaded.entities.queue_depth() == 0, timeout=30)
    loaded.background.stop()
    assert parts[1:] == [PAUSE_EVERY, PAUSE_EVERY] and given_back == [2 * PAUSE_EVERY]


def test_a_part_the_pipeline_fails_on_keeps_its_attempt_and_costs_the_others_nothing(loaded, monkeypatch):
    from memvault.service.entities import PAUSE_EVERY

    stored = loaded.memories.create_batch([MemoryCreate(content=f"Ada visited Oslo on day {i}")
                                           for i in range(3 * PAUSE_EVERY)])
    loaded.worker.drain()
    real = loaded.entities._extractor.extract
    calls: list[int] = []

    def second_part_fails(items, gazetteer):
        calls.append(len(items))
        if len(calls) == 2:
            raise RuntimeError("the pipeline broke")
        return real(items, gazetteer)

    monkeypatch.setattr(loaded.entities._extractor, "extract", second_part_fails)
    with pytest.raises(RuntimeError, match="the pipeline broke"):
        loaded.entities.step()
    linked = [(EntityType.LOCATION, "oslo") in _values(loaded.memories.get(item.memory_id)) for item in stored.items]
    assert linked == [True] * PAUSE_EVERY + [False] * (2 * PAUSE_EVERY)
    with loaded.vault.db.read() as conn:
        attempts = conn.exec_driver_sql("SELECT attempts FROM entity_jobs ORDER BY created_at, memory_id").scalars()
        attempts = list(attempts)
    assert attempts == [1] * PAUSE_EVERY + [0] * PAUSE_EVERY


def test_a_job_given_back_loses_the_attempt_its_claim_counted_and_no_other(loaded):
    from memvault.vault import entities as repo

    loaded.memories.create_batch([MemoryCreate(content="Ada visited Oslo"), MemoryCreate(content="Lars keeps bees")])
    loaded.worker.drain()

    def attempts() -> list[tuple[str, int]]:
        with loaded.vault.db.read() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(
                "SELECT content_hash, attempts FROM entity_jobs ORDER BY memory_id").all()]

    with loaded.vault.db.write() as conn:
        first = repo.claim(conn, 10, 3)
    # The second memory is queued again (its content changed) while claimed, then claimed again with the first.
    with loaded.vault.db.write() as conn:
        repo.enqueue(conn, [(first[1].memory_id, "a newer hash")], now=0.0)
        repo.claim(conn, 10, 3)
    assert attempts() == [(first[0].content_hash, 2), ("a newer hash", 1)]
    with loaded.vault.db.write() as conn:
        repo.release(conn, first)
    assert attempts() == [(first[0].content_hash, 1), ("a newer hash", 1)], "the newer job keeps its count"
    with loaded.vault.db.write() as conn:
        repo.release(conn, first)
        repo.release(conn, first)
    assert attempts() == [(first[0].content_hash, 0), ("a newer hash", 1)], "never below none"


def test_a_batch_stored_just_after_the_loop_looked_is_not_extracted_before_it_is_embedded(loaded, monkeypatch):
    from memvault.service.entities import YIELD_SECONDS

    entities = loaded.entities
    asked = []

    def store_while_answering_not_busy():
        # The loop's first look finds nothing being embedded; a store lands right after it.
        asked.append(True)
        if len(asked) == 1:
            loaded.memories.create_batch([MemoryCreate(content="Lars keeps bees near Aarhus"),
                                          MemoryCreate(content="Mei moved to Lisbon last spring")])
            return False
        return loaded.jobs.working()

    monkeypatch.setattr(entities, "_embedding_busy", store_while_answering_not_busy)
    assert entities.step() == YIELD_SECONDS
    assert len(asked) == 2, "asked again before claiming"
    assert entities.queue_depth() == 2
    with loaded.vault.db.read() as conn:
        assert conn.exec_driver_sql("SELECT sum(attempts) FROM entity_jobs").scalar_one() == 0, "nothing claimed"
    loaded.worker.drain()
    assert entities.step() == 0.0 and entities.queue_depth() == 0


def test_edit_replaces_links_and_hard_delete_prunes_entities(loaded):
    m = loaded.memories.create(MemoryCreate(content="Greg retired from the Ford plant in Windsor")).memory
    assert (EntityType.LOCATION, "windsor") in _values(m)
    edited = loaded.memories.update(m.id, MemoryUpdate(content="Greg took up fishing in Kenora"))
    values = _values(edited)
    assert (EntityType.LOCATION, "kenora") in values and (EntityType.LOCATION, "windsor") not in values
    names = {e.value for e in loaded.entities.list("default").items}
    assert "windsor" not in names and "kenora" in names
    loaded.lifecycle.hard_delete(m.id)
    assert loaded.entities.list("default").total == 0


def _entity(services, value, namespace="default"):
    return next(e for e in services.entities.list(namespace).items if e.value == value)


def test_an_edit_keeps_the_id_and_the_type_a_person_gave_an_entity_both_texts_mention(services, monkeypatch):
    from memvault.extraction.nlp import NlpPipeline

    services.entities.drain()
    m = services.memories.create(MemoryCreate(content="Mochi threw up on the rug in Leeds")).memory
    mochi = _entity(services, "mochi")
    assert mochi.type is EntityType.PERSON  # the pinned tagger's guess
    services.entities.retype([mochi.id], "animal")
    # Linked in the edit's own transaction (the pipeline is loaded) ...
    services.memories.update(m.id, MemoryUpdate(content="Mochi hid under the bed in Leeds"))
    assert (_entity(services, "mochi").id, _entity(services, "mochi").type) == (mochi.id, EntityType.ANIMAL)
    # ... or queued for the loop: the old links serve until the new ones replace them.
    with monkeypatch.context() as patch:
        patch.setattr(NlpPipeline, "loaded", property(lambda _self: False))
        services.memories.update(m.id, MemoryUpdate(content="Mochi slept all day in York"))
    assert services.entities.queue_depth() == 1 and _entity(services, "mochi").id == mochi.id
    assert services.entities.drain() == 1
    after = services.memories.get(m.id)
    assert {(e.type, e.value) for e in after.entities} >= {(EntityType.ANIMAL, "mochi"),
                                                           (EntityType.LOCATION, "york")}
    assert "leeds" not in {e.value for e in after.entities}
    assert "leeds" not in {e.value for e in services.entities.list("default").items}  # pruned once replaced
    assert _entity(services, "mochi").id == mochi.id
    # Content that gets no entities any more (too long to be read unasked) drops them at once.
    services.memories.update(m.id, MemoryUpdate(content="Mochi slept again. " + "It rained all day. " * 250))
    assert services.memories.get(m.id).entities == () and services.entities.list("default").total == 0


def test_a_noun_read_first_becomes_the_name_a_later_sentence_says_it_is(loaded):
    first = loaded.memories.create(MemoryCreate(content="Luna only eats the salmon flavour")).memory
    assert (EntityType.CONCEPT, "luna") in _values(first)  # a sentence's first word, and a word of the lexicon
    later = loaded.memories.create(MemoryCreate(content="Our cat Luna has her annual check-up at the vet")).memory
    assert (EntityType.ANIMAL, "luna") in _values(later)
    # One entity, both memories, its type the one the later sentence gave (it stayed a concept: a known name's type).
    assert (EntityType.ANIMAL, "luna") in _values(loaded.memories.get(first.id))
    luna = _entity(loaded, "luna")
    assert luna.type is EntityType.ANIMAL and luna.memory_count == 2


def test_a_job_that_finds_no_entities_for_new_content_drops_the_old_links(loaded):
    from memvault.vault import entities as repo

    m = loaded.memories.create(MemoryCreate(content="Lars keeps bees near Aarhus")).memory
    assert loaded.entities.list("default").total > 0
    # A bundle replaced its text with one too long to be read unasked: the loop's job finds it needs none.
    with loaded.vault.db.write() as conn:
        rowid = conn.exec_driver_sql("SELECT id, content_hash FROM memories").one()
        repo.enqueue(conn, [(rowid.id, rowid.content_hash)], 0.0)
        (job,) = repo.claim(conn, 1, 3)
        assert repo.complete(conn, job, None)
    assert loaded.memories.get(m.id).entities == () and loaded.entities.list("default").total == 0


def test_list_counts_live_memories_and_filters_by_type(loaded):
    for text in ("Aiko presented in Lisbon", "Aiko flew back from Lisbon", "Aiko climbed a V5"):
        loaded.memories.create(MemoryCreate(content=text, namespace="research"))
    loaded.memories.create(MemoryCreate(content="Aiko is elsewhere", namespace="other"))
    people = loaded.entities.list("research", "person")
    assert [(e.value, e.memory_count) for e in people.items] == [("aiko", 3)]
    lisbon = next(e for e in loaded.entities.list("research", "location").items if e.value == "lisbon")
    assert lisbon.memory_count == 2
    memories, total = loaded.entities.memories(lisbon.id, "research")
    assert total == 2 and all("Lisbon" in m.content for m in memories)
    with pytest.raises(NotFound):
        loaded.entities.memories(lisbon.id, "other")
    with pytest.raises(InvalidInput):
        loaded.entities.list("research", "planet")
    # A memory in the trash is not counted; restored, it is again.
    loaded.lifecycle.delete(memories[0].id)
    assert next(e for e in loaded.entities.list("research", "location").items if e.value == "lisbon").memory_count == 1


def test_a_broken_pipeline_never_stops_a_store(loaded, monkeypatch):
    from memvault.domain.errors import ExtractionModelError
    from memvault.extraction.nlp import NlpPipeline

    def broken(_self):
        raise ExtractionModelError("the NLP pipeline file ner/model is missing; reinstall Memvault")

    monkeypatch.setattr(NlpPipeline, "get", broken)
    m = loaded.memories.create(MemoryCreate(content="Greg took up fishing in Kenora"))
    assert m.created and m.memory.entities == () and loaded.entities.queue_depth() == 1


def test_summaries_group_namespaces_and_list_recurring_concepts(loaded):
    for namespace, text in (("default", "Greg caught a walleye in Kenora"), ("work", "At lunch, Greg ate a walleye"),
                            ("work", "Greg baked sourdough")):
        loaded.memories.create(MemoryCreate(content=text, namespace=namespace))
    rows = {(s.type, s.value): s for s in loaded.entities.summaries(None).items}
    assert rows[(EntityType.PERSON, "greg")].memory_count == 3
    assert rows[(EntityType.PERSON, "greg")].namespaces == ("default", "work")
    assert len(rows[(EntityType.PERSON, "greg")].entity_ids) == 2
    assert rows[(EntityType.CONCEPT, "walleye")].memory_count == 2
    assert (EntityType.CONCEPT, "sourdough") not in rows  # one memory's noun: not (yet) recurring
    kept = loaded.entities.summaries(None, keep="sourdough")
    assert any(s.value == "sourdough" for s in kept.items)
    # What is left out is counted: the one-memory concepts, less the one kept.
    unlisted = loaded.entities.summaries(None).unlisted_concepts
    assert unlisted >= 1 and kept.unlisted_concepts == unlisted - 1
    assert loaded.entities.summaries(None, offset=500).unlisted_concepts == unlisted
    memories, total = loaded.entities.summary_memories(rows[(EntityType.PERSON, "greg")])
    assert total == 3 and {m.namespace for m in memories} == {"default", "work"}
    work = {(s.type, s.value): s for s in loaded.entities.summaries("work").items}
    assert work[(EntityType.PERSON, "greg")].memory_count == 2 and (EntityType.CONCEPT, "walleye") not in work


@pytest.mark.seconds
def test_an_idle_vault_never_loads_the_pipeline_and_queued_work_loads_it(settings, embedder, monkeypatch):
    from memvault.domain.conversations import ChatMessage, ConversationSubmission, JobStatus
    from memvault.extraction.nlp import NlpPipeline
    from memvault.service import container
    from tests.helpers import PASSPHRASE, wait_for

    from memvault.service.conversations import ConversationService
    from memvault.service.entities import EntityService

    # The pipeline is the process's: a fresh one stands in for it, as in a new process.
    pipeline, loads = NlpPipeline(), []
    real_get = pipeline.get
    monkeypatch.setattr(pipeline, "get", lambda: loads.append(1) or real_get())
    monkeypatch.setattr(container, "_PIPELINE", pipeline)
    # Count the loops' turns, to wait for their first (which used to load the pipeline before anything else).
    turns = {"entities": 0, "extraction": 0}
    for cls, name in ((EntityService, "entities"), (ConversationService, "extraction")):
        def counted(self, _step=cls.step, _name=name):
            try:
                return _step(self)
            finally:
                turns[_name] += 1
        monkeypatch.setattr(cls, "step", counted)
    services = container.create_vault(settings, PASSPHRASE, embedder, background=True)
    try:
        assert services.background.is_running("entities") and services.background.is_running("extraction")
        wait_for(lambda: turns["entities"] >= 1 and turns["extraction"] >= 1)
        assert loads == [] and not pipeline.loaded
        m = services.memories.create(MemoryCreate(content="Lars keeps bees near Aarhus")).memory
        assert m.entities == ()  # not loaded: queued, and the loop loads it
        wait_for(lambda: (EntityType.LOCATION, "aarhus") in _values(services.memories.get(m.id)))
        assert pipeline.loaded and services.entities.queue_depth() == 0
        job_id = services.conversations.submit(ConversationSubmission(
            (ChatMessage("user", "I play the cello in an orchestra."),), "default"))
        wait_for(lambda: services.conversations.get(job_id).status is JobStatus.DONE)
        assert services.conversations.get(job_id).result["memories_extracted"] == 1
    finally:
        services.close()


def test_names_keep_the_case_the_memory_writes_them_in(loaded):
    first = loaded.memories.create(MemoryCreate(content="Meeting with Alice Chen at OpenAI in San Francisco")).memory
    second = loaded.memories.create(MemoryCreate(content="alice chen sent the notes")).memory
    names = {e.value: e.name for e in first.entities}
    assert names["alice chen"] == "Alice Chen"
    assert names["san francisco"] == "San Francisco"
    # A memory that writes the name in lower case shows it as written; the key links both all the same.
    assert {e.value: e.name for e in second.entities}["alice chen"] == "alice chen"
    assert loaded.memories.get(first.id).entities[0].display is not None
    listed = {s.value: s.name for s in loaded.entities.summaries(None).items}
    assert listed["alice chen"] == "Alice Chen"  # read from a memory that writes it with capitals
    assert {e.value: e.name for e in loaded.entities.list(None).items}["alice chen"] == "Alice Chen"
    # Concepts and dates are keys, shown as they are.
    assert all(s.display is None for s in loaded.entities.summaries(None).items
               if s.type in (EntityType.CONCEPT, EntityType.DATE))


def test_summaries_page_and_total_come_from_one_grouping(loaded):
    # Grouping every live mention is most of the Entities page's cost: the page and its total share one.
    from sqlalchemy import Engine, event

    for text in ("Greg caught a walleye in Kenora", "Greg met Aiko in Lisbon", "Aiko flew to Kenora"):
        loaded.memories.create(MemoryCreate(content=text))
    groupings = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        groupings.extend([statement] if "GROUP BY e.type, e.value" in statement else [])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = loaded.entities.summaries("default", limit=1)
        past_the_end = loaded.entities.summaries("default", limit=1, offset=50)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    whole = loaded.entities.summaries("default", limit=50)
    assert len(page.items) == 1 and page.total == whole.total == len(whole.items) >= 3
    assert page.items[0] == whole.items[0]
    assert past_the_end.items == () and past_the_end.total == whole.total
    assert past_the_end.unlisted_concepts == page.unlisted_concepts == whole.unlisted_concepts
    assert len(groupings) == 3  # one for the page, two for a page past the end (none of its rows holds the total)


def test_the_loops_step_looks_at_searches_in_flight_between_parts_of_its_batch(loaded, monkeypatch):
    """A step is Python holding the interpreter lock: a search in flight waits for it at each of its reads, so the
    step parses a few memories at a time and waits (bounded) for the search between them."""
    import threading

    from memvault.service import entities as entity_service
    from memvault.service.foreground import LIMIT_SECONDS

    stored = loaded.memories.create_batch([MemoryCreate(content=f"Ada visited Oslo on day {i}")
                                           for i in range(2 * entity_service.PAUSE_EVERY + 1)])
    loaded.worker.drain()
    parts: list[int] = []
    real = loaded.entities._extractor.extract
    monkeypatch.setattr(loaded.entities._extractor, "extract",
                        lambda items, g: parts.append(len(items)) or real(items, g))
    fg = loaded.foreground
    in_search, release = threading.Event(), threading.Event()
    search = threading.Thread(target=fg.serving(lambda: (in_search.set(), release.wait(30))))
    search.start()
    assert in_search.wait(10)
    waited_before = fg.waited
    try:
        assert loaded.entities.step() == 0.0
    finally:
        release.set()
        search.join(10)
    assert parts == [entity_service.PAUSE_EVERY, entity_service.PAUSE_EVERY, 1]
    # Each of the two waits between parts lasted its whole bound: the search was in flight all along.
    assert fg.waited - waited_before >= 2 * LIMIT_SECONDS
    assert loaded.entities.queue_depth() == 0
    assert all((EntityType.LOCATION, "oslo") in _values(loaded.memories.get(item.memory_id)) for item in stored.items)


def test_drained_outside_the_loop_a_batch_is_parsed_whole(loaded, monkeypatch):
    from memvault.service import entities as entity_service

    loaded.memories.create_batch([MemoryCreate(content=f"Ada visited Oslo on day {i}")
                                  for i in range(entity_service.PAUSE_EVERY + 3)])
    loaded.worker.drain()
    parts: list[int] = []
    real = loaded.entities._extractor.extract
    monkeypatch.setattr(loaded.entities._extractor, "extract",
                        lambda items, g: parts.append(len(items)) or real(items, g))
    loaded.entities.drain()
    assert parts == [entity_service.PAUSE_EVERY + 3]
