"""Background steps wait for searches in flight, but never past their limit."""

import threading

from memvault.service.foreground import GRACE_SECONDS, LIMIT_SECONDS, Foreground, yielding


def test_a_step_waits_for_the_search_in_flight_to_end():
    fg = Foreground()
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def search() -> None:
        inside.set()
        release.wait(5)
        order.append("search")

    serving = fg.serving(search)
    t = threading.Thread(target=serving)
    t.start()
    inside.wait(5)
    step = yielding(lambda: order.append("step") or 1.0, fg.wait_quiet)
    stepper = threading.Thread(target=step)
    stepper.start()
    stepper.join(0.01)
    assert stepper.is_alive() and fg.busy(), "the step waits while the search runs"
    release.set()
    t.join(5)
    stepper.join(5)
    assert order == ["search", "step"]


def test_a_steady_stream_of_searches_does_not_stall_the_background():
    fg = Foreground()
    never_ends = threading.Event()
    t = threading.Thread(target=fg.serving(lambda: never_ends.wait(5)))
    t.start()
    try:
        while not fg.busy():
            pass
        waited = fg.wait_quiet(limit=0.05)
        assert 0.05 <= waited < 1.0 and fg.waited == waited
    finally:
        never_ends.set()
        t.join(5)


def _in_flight(fg: Foreground, n: int) -> tuple[threading.Event, list[threading.Thread]]:
    """``n`` searches that run until the returned event is set."""
    ends, inside = threading.Event(), threading.Semaphore(0)

    def search() -> None:
        inside.release()
        ends.wait(5)

    threads = [threading.Thread(target=fg.serving(search)) for _ in range(n)]
    for t in threads:
        t.start()
    for _ in range(n):
        assert inside.acquire(timeout=5), "every search is in flight"
    return ends, threads


def _bounds(patience, rounds: int) -> list[tuple[float, float]]:
    out = []
    for _ in range(rounds):
        bound = patience.limit
        out.append((bound, patience()))
    return out


def test_patience_waits_longer_while_requests_crowd_the_machine_and_comes_down_by_halves_after():
    fg = Foreground(cores=1)  # more than two in flight is a crowd
    patience = fg.patience(most=0.2)
    ends, threads = _in_flight(fg, 3)
    try:
        waits = _bounds(patience, 4)
        assert [bound for bound, _ in waits] == [LIMIT_SECONDS, 0.1, 0.2, 0.2], "doubles, up to its most"
        assert all(waited >= bound for bound, waited in waits), "each ran out: no quiet moment came"
    finally:
        ends.set()
        for t in threads:
            t.join(5)
    # The searches ended: quiet comes within the grace period each time, and the bound halves (a lull in a
    # crowd is not its end), down to the shortest.
    after = [(patience(), patience.limit) for _ in range(3)]
    assert [bound for _, bound in after] == [0.1, LIMIT_SECONDS, LIMIT_SECONDS]
    assert all(waited < LIMIT_SECONDS for waited, _ in after), "quiet came at once: no bound was waited out"


def test_one_client_searching_back_to_back_is_no_crowd_extraction_keeps_its_share():
    fg = Foreground(cores=1)
    patience = fg.patience(most=0.2)
    ends, threads = _in_flight(fg, 2)
    try:
        waits = _bounds(patience, 3)
        assert [bound for bound, _ in waits] == [LIMIT_SECONDS] * 3
        assert all(waited >= bound for bound, waited in waits), "it still waited for the search each time"
    finally:
        ends.set()
        for t in threads:
            t.join(5)


def test_idle_steps_do_not_wait_and_a_just_ended_search_holds_them_briefly():
    now = [100.0]
    fg = Foreground(clock=lambda: now[0])
    assert fg.wait_quiet() == 0.0
    fg.serving(lambda: None)()
    assert fg.busy()
    now[0] += 2 * GRACE_SECONDS
    assert not fg.busy() and fg.wait_quiet() == 0.0


def test_a_crowd_is_more_requests_in_flight_than_twice_the_cores():
    fg = Foreground(cores=1)
    for _ in range(2):
        fg.begin()
    assert not fg.crowded(), "two on one core: one runs, one waits"
    fg.begin()
    assert fg.crowded()
    fg.end()
    assert not fg.crowded()
