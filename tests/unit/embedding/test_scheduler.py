"""The embedder's threads: callers that wait go before background work, queued work can be cancelled."""

import os
import threading

import pytest

from memvault import priority
from memvault.embedding.scheduler import BatchScheduler
from tests.helpers import lowerable_threads, wait_for


@pytest.fixture
def scheduler():
    s = BatchScheduler(1, "test-embedder")
    yield s
    s.shutdown()


def _blocked(scheduler, *, background):
    """A call that holds the scheduler's only thread until the returned event is set."""
    started, gate = threading.Event(), threading.Event()

    def hold():
        started.set()
        gate.wait(10)
        return "held"

    future = scheduler.submit(hold, background=background)
    assert started.wait(10)
    return future, gate


def test_a_caller_that_waits_goes_before_queued_background_work(scheduler):
    ran = []
    first, gate = _blocked(scheduler, background=True)
    later = [scheduler.submit(lambda n=n: ran.append(f"background {n}"), background=True) for n in (1, 2)]
    # On a thread of its own: it waits neither for the queued background batches nor for the running one.
    scheduler.submit(lambda: ran.append("caller")).result(10)
    assert ran == ["caller"] and not first.done()
    gate.set()
    for f in [first, *later]:
        f.result(10)
    assert first.result() == "held"
    assert ran == ["caller", "background 1", "background 2"]


def test_queued_work_can_be_cancelled_and_never_runs(scheduler):
    ran = []
    first, gate = _blocked(scheduler, background=True)
    dropped = scheduler.submit(lambda: ran.append("dropped"), background=True)
    kept = scheduler.submit(lambda: ran.append("kept"), background=True)
    assert dropped.cancel()
    assert not first.cancel(), "a running call cannot be cancelled"
    gate.set()
    kept.result(10)
    assert dropped.cancelled() and ran == ["kept"]


def test_a_failing_call_reaches_its_caller_and_the_thread_goes_on(scheduler):
    def fail():
        raise ValueError("bad batch")

    failed = scheduler.submit(fail)
    with pytest.raises(ValueError, match="bad batch"):
        failed.result(10)
    assert scheduler.submit(lambda: 42).result(10) == 42


def test_calls_run_side_by_side_on_up_to_the_given_threads():
    scheduler = BatchScheduler(2, "test-embedder")
    both, names = threading.Barrier(2, timeout=10), set()

    def meet():
        names.add(threading.current_thread().name)
        both.wait()  # only returns when the other call runs at the same time

    futures = [scheduler.submit(meet) for _ in range(2)]
    for f in futures:
        f.result(10)
    assert names == {"test-embedder_0", "test-embedder_1"}
    scheduler.shutdown()


def test_an_idle_thread_is_woken_for_one_call_and_a_second_thread_started_for_the_next():
    scheduler = BatchScheduler(2, "test-embedder-idle")
    scheduler.submit(lambda: None, background=True).result(10)  # one thread started, now idle
    for _ in range(20):
        both = threading.Barrier(2, timeout=10)
        futures = [scheduler.submit(both.wait) for _ in range(2)]
        for f in futures:
            f.result(15)  # a broken barrier: the two calls did not run side by side
    scheduler.shutdown()


def test_shut_down_threads_end_and_take_no_more_work():
    scheduler = BatchScheduler(1, "test-embedder-ending")
    scheduler.submit(lambda: None).result(10)
    scheduler.shutdown()
    for thread in [t for t in threading.enumerate() if t.name.startswith("test-embedder-ending")]:
        thread.join(10)
        assert not thread.is_alive()
    with pytest.raises(RuntimeError, match="shut down"):
        scheduler.submit(lambda: None)


def test_shutting_down_at_exit_cancels_queued_calls_and_waits_for_the_running_one():
    scheduler = BatchScheduler(1, "test-embedder-exit")
    running, gate = _blocked(scheduler, background=True)
    queued = scheduler.submit(lambda: "never", background=True)
    threading.Timer(0.2, gate.set).start()
    scheduler.shutdown(cancel_queued=True, wait=True)  # returns once the running call has finished
    assert running.done() and running.result() == "held"
    assert queued.cancelled()


def test_background_work_holds_back_while_searches_run_but_not_past_its_bound(scheduler, monkeypatch):
    import time

    from memvault.embedding import scheduler as sched

    monkeypatch.setattr(sched, "HOLD_MAX_SECONDS", 0.2)
    searching = threading.Event()
    searching.set()
    scheduler.foreground_busy = searching.is_set
    started = time.monotonic()
    background = scheduler.submit(lambda: time.monotonic(), background=True)
    # A caller's batch (the search's own query) is not held: it runs at once, ahead of the held one.
    caller = scheduler.submit(lambda: time.monotonic())
    assert caller.result(10) - started < 0.15 and not background.done()
    ran_at = background.result(10)
    assert 0.2 <= ran_at - started < 2.0, "held for the bound, then run although searches go on"
    searching.clear()
    started = time.monotonic()
    assert scheduler.submit(lambda: time.monotonic(), background=True).result(10) - started < 0.15


def test_a_lazy_embedder_takes_the_search_signal_without_loading_the_model():
    from memvault.embedding.lazy import LazyEmbedder
    from memvault.embedding.manifest import load_manifest

    lazy = LazyEmbedder(load_manifest())
    lazy.yield_background_to(lambda: False)
    assert not lazy.loaded


def test_while_searches_run_background_batches_leave_one_thread_free_and_never_stall(monkeypatch):
    from memvault.embedding import scheduler as sched

    monkeypatch.setattr(sched, "HOLD_MAX_SECONDS", 0.0)  # the first background batch is not held at all here
    scheduler = BatchScheduler(2, "test-embedder-cap")
    searching = threading.Event()
    searching.set()
    scheduler.foreground_busy = searching.is_set
    first, first_gate = _blocked(scheduler, background=True)
    second_started = threading.Event()
    second = scheduler.submit(second_started.set, background=True)
    # The other thread is held back by the cap (not by a bound that runs out): it polls until searches stop.
    wait_for(lambda: scheduler._holding == 1)
    assert not second_started.is_set()
    # A caller's batch (a search's own query) still finds that thread at once, beside the background batch.
    both = threading.Barrier(2, timeout=10)
    caller = scheduler.submit(both.wait)
    both.wait()
    caller.result(10)
    assert not second_started.is_set()
    # Searches go on, but the running background batch ends: the queued one runs (the background never stalls).
    first_gate.set()
    assert first.result(10) == "held"
    second.result(10)
    # Once searches stop, background batches run side by side on both threads again.
    searching.clear()
    side_by_side = threading.Barrier(2, timeout=10)
    for f in [scheduler.submit(side_by_side.wait, background=True) for _ in range(2)]:
        f.result(15)
    scheduler.shutdown()


def test_a_held_background_batch_runs_beside_the_first_as_soon_as_searches_stop(monkeypatch):
    from memvault.embedding import scheduler as sched

    monkeypatch.setattr(sched, "HOLD_MAX_SECONDS", 0.0)
    scheduler = BatchScheduler(2, "test-embedder-resume")
    searching = threading.Event()
    searching.set()
    scheduler.foreground_busy = searching.is_set
    first, first_gate = _blocked(scheduler, background=True)
    second_started = threading.Event()
    second = scheduler.submit(second_started.set, background=True)
    wait_for(lambda: scheduler._holding == 1)
    searching.clear()
    assert second_started.wait(10), "runs while the first batch still holds its thread"
    assert not first.done()
    first_gate.set()
    first.result(10)
    second.result(10)
    scheduler.shutdown()



@lowerable_threads
def test_background_batches_run_on_lowered_threads_and_callers_batches_on_threads_that_are_not():
    scheduler = BatchScheduler(2, "test-embedder-priority")

    def where():
        return threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    background = scheduler.submit(where, background=True).result(10)
    caller = scheduler.submit(where).result(10)
    process = os.getpriority(os.PRIO_PROCESS, os.getpid())
    assert background == ("test-embedder-priority_background_0", priority.BACKGROUND_NICE)
    assert caller == ("test-embedder-priority_0", process)
    scheduler.shutdown()


def test_a_callers_batch_never_runs_on_a_background_thread_even_when_one_is_idle():
    scheduler = BatchScheduler(1, "test-embedder-kinds")
    scheduler.submit(lambda: None, background=True).result(10)  # a background thread, idle now
    first, gate = _blocked(scheduler, background=False)
    second = scheduler.submit(lambda: threading.current_thread().name)
    assert not second.done(), "it waits for the callers' thread, not for the idle background one"
    gate.set()
    assert first.result(10) == "held"
    assert second.result(10) == "test-embedder-kinds_0"
    scheduler.shutdown()


@lowerable_threads
def test_a_lowered_callers_batches_run_as_background_work_and_start_no_callers_thread():
    # A thread starts with its creator's priority: a callers' thread started by a background loop would serve
    # every later caller (a store, a request) lowered for good.
    scheduler = BatchScheduler(2, "test-embedder-lowered")

    def from_a_background_loop():
        priority.lower_this_thread()
        return scheduler.submit(lambda: threading.current_thread().name).result(10)

    out = []
    loop = threading.Thread(target=lambda: out.append(from_a_background_loop()))
    loop.start()
    loop.join(20)
    assert out == ["test-embedder-lowered_background_0"]
    assert scheduler.submit(lambda: (threading.current_thread().name, priority.lowered())).result(10) == \
        ("test-embedder-lowered_0", False)
    scheduler.shutdown()
