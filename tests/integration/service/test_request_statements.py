"""The reads every agent request makes run through the driver, past SQLAlchemy's statement handling.

Under sixteen clients SQLAlchemy's handling of a statement (its execution context and result object) was a
fifth of the server's time at the interpreter lock (docs/benchmarks.md): a key lookup, a read by id and a
keyword search's lists run as plain driver statements.
"""

from sqlalchemy import event

from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery


def _through_sqlalchemy(services) -> list[str]:
    seen: list[str] = []
    event.listen(services.vault.db._readers.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


def test_a_key_lookup_and_a_read_by_id_run_no_statement_through_sqlalchemy(services):
    _, secret = services.keys.create("default", "read,write", "agent")
    stored = services.memories.create(MemoryCreate(content="the deploy runs on Fridays")).memory
    seen = _through_sqlalchemy(services)
    assert services.keys.authenticate(secret).name == "agent"
    assert services.memories.get(stored.id).content == "the deploy runs on Fridays"
    assert seen == []


def test_a_keyword_search_reads_its_list_and_checks_through_the_driver(services):
    services.memories.create(MemoryCreate(content="the deploy runs on Fridays", namespace="ops"))
    services.memories.create(MemoryCreate(content="lunch is at noon", namespace="ops"))
    seen = _through_sqlalchemy(services)
    result = services.search.search(SearchQuery("deploy Fridays", mode="keyword", filter=MemoryFilter(namespace="ops")))
    assert [h.memory.content for h in result.hits] == ["the deploy runs on Fridays"]
    assert not [s for s in seen if "memory_fts" in s or "memories m" in s], seen
