"""Background loops survive storage errors, back off, recover, and report through health and /healthz."""

import threading
import time

import httpx
import pytest
from sqlalchemy import text

from memvault import priority
from memvault.api.server import ApiServer
from memvault.domain.enums import EmbeddingStatus
from memvault.domain.errors import StorageFull
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.embedding.queue import EmbeddingWorker
from memvault.service.background import Background, ModelLoad
from memvault.service.container import create_vault, open_vault
from memvault.service.health import HealthMonitor
from tests.helpers import PASSPHRASE, fast_settings, lowerable_threads, wait_for
from tests.helpers.storage import fill, small_disk


class FailingJobStore:
    """The real job store, with a disk-full error injected into chosen methods while ``failing`` is set."""

    def __init__(self, real, methods):
        self.real, self.methods, self.failing, self.calls = real, set(methods), True, 0

    def __getattr__(self, name):
        method = getattr(self.real, name)
        if name not in self.methods:
            return method

        def call(*args, **kwargs):
            if self.failing:
                self.calls += 1
                raise StorageFull("injected: the disk is full")
            return method(*args, **kwargs)

        return call


def _statuses(services):
    return {m.embedding_status for m in services.memories.list(MemoryFilter(), limit=100).items}


@pytest.mark.parametrize("methods", [("claim",), ("complete",)], ids=["claim-fails", "store-fails"])
@pytest.mark.usefixtures("queued_stores")
def test_embedding_loop_survives_a_full_disk_reports_it_and_recovers(services, embedder, methods):
    for i in range(3):
        services.memories.create(MemoryCreate(content=f"waiting for a vector {i}"))
    store = FailingJobStore(services.jobs, methods)
    worker = EmbeddingWorker(store, embedder, batch_size=8)
    health = HealthMonitor(services.vault.db)
    loops = Background(health, retry_base_seconds=0.05, retry_max_seconds=0.2)
    loops.add("embedding", worker.step, wake=worker.wake_event)
    loops.start()
    try:
        wait_for(lambda: store.calls >= 3)
        assert loops.is_running("embedding"), "the loop must survive the error"
        report = health.check()
        assert report.status == "degraded"
        [reason] = report.reasons
        assert (reason.code, reason.loop, reason.error) == ("loop_failing", "embedding", "storage_full")
        assert reason.since is not None and "embedding worker" in reason.message
        assert _statuses(services) == {EmbeddingStatus.PROCESSING}
        store.failing = False
        # A batch embedded before its write failed is saved on the next turn, not after the 120 s lease.
        wait_for(lambda: _statuses(services) == {EmbeddingStatus.READY}, timeout=10)
        wait_for(lambda: health.check().ok, timeout=5)
    finally:
        loops.stop()


@pytest.mark.seconds
def test_backoff_grows_and_new_work_does_not_cut_it_short(services, embedder):
    store = FailingJobStore(services.jobs, ("claim",))
    worker = EmbeddingWorker(store, embedder)
    loops = Background(HealthMonitor(services.vault.db), retry_base_seconds=0.2, retry_max_seconds=0.4)
    loops.add("embedding", worker.step, wake=worker.wake_event)
    loops.start()
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            worker.wake()
            time.sleep(0.01)
        # 0 s, +0.2, +0.4, +0.4, +0.4 ... : at most 5 attempts in 1.5 s despite 100+ wake-ups.
        assert 3 <= store.calls <= 5
    finally:
        loops.stop()


def test_a_bug_in_a_loop_is_reported_by_kind_without_its_text(services, caplog):
    secret = "QQ-LOOP-SECRET-9d1"
    calls = []

    def step() -> float:
        calls.append(1)
        if len(calls) < 3:
            raise ValueError(secret)
        return 0.05

    health = HealthMonitor(services.vault.db)
    loops = Background(health, retry_base_seconds=0.01, retry_max_seconds=0.02)
    loops.add("usage-flush", step)
    caplog.set_level("WARNING")
    loops.start()
    try:
        wait_for(lambda: len(calls) >= 4)
    finally:
        loops.stop()
    assert health.check().ok
    assert "ValueError" in caplog.text and secret not in caplog.text


def test_loops_start_and_stop_with_the_vault(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=True)
    names = set(svc.background.names)
    assert {"embedding", "ttl-purge", "usage-flush", "write-probe"} <= names
    assert all(svc.background.is_running(n) for n in names)
    threads = [t for t in threading.enumerate() if t.name.startswith("memvault-")]
    svc.close()
    assert not any(svc.background.is_running(n) for n in names)
    # A loop still loading the NLP pipeline ends as soon as that returns (the lock did not wait for it).
    wait_for(lambda: not any(t.is_alive() for t in threads), timeout=30)


def _loop_lowered(services) -> bool:
    seen, stepped = [], threading.Event()

    def step():
        seen.append(priority.lowered())
        stepped.set()
        return 60.0

    loops = Background(HealthMonitor(services.vault.db))
    loops.add("probe", step)
    loops.start()
    try:
        assert stepped.wait(10)
    finally:
        loops.stop()
    return seen[0]


@lowerable_threads
def test_loops_run_below_the_priority_of_the_threads_a_user_waits_on(services):
    assert _loop_lowered(services) is True
    assert not priority.lowered(), "the thread that started the loops keeps its priority"


@lowerable_threads
def test_loops_keep_the_process_priority_unless_the_setting_asks_otherwise(tmp_path, embedder, monkeypatch):
    # Lowered, a loop holding the interpreter lock stalled the whole process while other programs kept the cores
    # busy (docs/benchmarks.md, "Stop 93"): lowering is asked for, never the default.
    monkeypatch.setattr(priority, "_LOWER", False)
    plain = create_vault(fast_settings(tmp_path / "plain"), PASSPHRASE, embedder, background=False)
    try:
        assert _loop_lowered(plain) is False
    finally:
        plain.close()
    asked = create_vault(fast_settings(tmp_path / "asked", lower_background=True), PASSPHRASE, embedder,
                         background=False)
    try:
        assert _loop_lowered(asked) is True
    finally:
        asked.close()


def test_a_loop_reads_a_date_before_any_question_does(settings, embedder, monkeypatch):
    # dateparser's start (~0.3 s of CPU) was paid by the first question naming a date after each unlock.
    from memvault.ranking import graph as graph_search

    warmed = threading.Event()
    real = graph_search.warm_dates
    monkeypatch.setattr(graph_search, "warm_dates", lambda: (warmed.set(), real())[1])
    monkeypatch.setattr(graph_search, "WARM_DELAY_SECONDS", 0.0)  # after 10 s in the app
    svc = create_vault(settings, PASSPHRASE, embedder, background=True)
    try:
        assert warmed.wait(30)
    finally:
        svc.close()


def _healthz(url):
    r = httpx.get(f"{url}/healthz", timeout=10)
    return r.status_code, r.json()


@pytest.mark.seconds
def test_full_disk_at_start_degrades_healthz_then_recovers_when_space_is_freed(tmp_path, embedder):
    """Real: a 16 MiB tmpfs. Memories queued, disk filled, vault restarted with its loops and API."""
    with small_disk(tmp_path / "disk") as disk:
        settings = fast_settings(disk / "vault")
        svc = create_vault(settings, PASSPHRASE, embedder, background=False)
        ids = [svc.memories.create(MemoryCreate(content=f"queued before the disk filled {i} " + "words " * 300)).memory.id
               for i in range(8)]
        svc.close()
        ballast = fill(disk)
        svc = open_vault(settings, PASSPHRASE, embedder, background=True)
        server = ApiServer(svc, port=0)
        server.start()
        try:
            wait_for(lambda: _healthz(server.url)[0] == 503, timeout=15)
            _, body = _healthz(server.url)
            assert body["status"] == "degraded"
            codes = {r["code"] for r in body["reasons"]}
            assert "cannot_write" in codes
            assert any(r["error"] == "storage_full" for r in body["reasons"])
            assert str(disk) not in str(body), "healthz needs no key: it must not name paths"
            assert svc.memories.list(MemoryFilter()).total == 8, "reads keep working"
            wait_for(lambda: any(r.code == "loop_failing" and r.loop == "embedding"
                                 for r in svc.health.check().reasons), timeout=15)

            ballast.unlink()
            wait_for(lambda: all(svc.memories.get(i).embedding_status is EmbeddingStatus.READY for i in ids),
                     timeout=90)
            wait_for(lambda: _healthz(server.url)[0] == 200, timeout=30)
            assert _healthz(server.url)[1]["status"] == "ok"
        finally:
            server.stop()
            svc.close()


def test_usage_counters_survive_a_failed_flush(services):
    key_id = services.keys.create("default", "read", "counted")[0].id
    services.usage.record(key_id, calls=3)
    real_write = services.vault.db.write

    def full():
        raise StorageFull("injected: the disk is full")

    services.vault.db.write = full
    with pytest.raises(StorageFull):
        services.usage.flush()
    services.vault.db.write = real_write
    services.usage.record(key_id, calls=2)
    services.usage.flush()
    with services.vault.db.read() as conn:
        assert conn.execute(text("SELECT sum(calls) FROM usage_daily")).scalar_one() == 5


def test_a_lock_does_not_wait_for_a_model_its_loop_is_loading(services):
    loading, release, steps = threading.Event(), threading.Event(), []
    wake = threading.Event()
    model = ModelLoad(lambda: loading.set() or release.wait(30), wake)

    def step() -> float:
        if not model.ready():
            return 60.0  # woken when the model is in
        steps.append(1)
        return 60.0

    loops = Background(HealthMonitor(services.vault.db))
    loops.add("slow-model", step, wake=wake)
    loops.start()
    assert loading.wait(5)
    started = time.monotonic()
    loops.stop()
    assert time.monotonic() - started < 1.0  # not the 30 s the load may still take
    release.set()
    time.sleep(0.2)
    assert steps == []  # stopped while loading: no turn runs afterwards
    loops.start()  # unlocked again: the model is in, the loop turns
    wait_for(lambda: steps == [1], timeout=5)
    loops.stop()


def test_a_loading_model_wakes_its_loop_when_it_is_in(services):
    release, steps = threading.Event(), []
    wake = threading.Event()
    model = ModelLoad(lambda: release.wait(30), wake)
    loops = Background(HealthMonitor(services.vault.db))
    loops.add("model-user", lambda: 600.0 if not model.ready() else steps.append(1) or 600.0, wake=wake)
    loops.start()
    try:
        time.sleep(0.2)
        assert steps == []
        release.set()
        wait_for(lambda: steps == [1], timeout=5)  # not after the 600 s sleep
    finally:
        loops.stop()
