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


def test_patience_waits_longer_while_searches_go_on_and_starts_again_after_a_pause():
    fg = Foreground()
    patience = fg.patience(most=0.2)
    ends = threading.Event()
    t = threading.Thread(target=fg.serving(lambda: ends.wait(5)))
    t.start()
    try:
        while not fg.busy():
            pass
        waits = []
        for _ in range(4):
            bound = patience.limit
            waits.append((bound, patience()))
        assert [bound for bound, _ in waits] == [LIMIT_SECONDS, 0.1, 0.2, 0.2], "doubles, up to its most"
        assert all(waited >= bound for bound, waited in waits), "each ran out: no quiet moment came"
    finally:
        ends.set()
        t.join(5)
    patience()  # the search ended: quiet comes within the grace period
    assert patience.limit == LIMIT_SECONDS
    assert patience() < LIMIT_SECONDS and patience.limit == LIMIT_SECONDS


def test_idle_steps_do_not_wait_and_a_just_ended_search_holds_them_briefly():
    now = [100.0]
    fg = Foreground(clock=lambda: now[0])
    assert fg.wait_quiet() == 0.0
    fg.serving(lambda: None)()
    assert fg.busy()
    now[0] += 2 * GRACE_SECONDS
    assert not fg.busy() and fg.wait_quiet() == 0.0
