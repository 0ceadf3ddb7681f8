"""Background steps wait for searches in flight, but never past their limit."""

import threading

from memvault.service.foreground import GRACE_SECONDS, Foreground, yielding


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
    step = yielding(lambda: order.append("step") or 1.0, fg)
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


def test_idle_steps_do_not_wait_and_a_just_ended_search_holds_them_briefly():
    now = [100.0]
    fg = Foreground(clock=lambda: now[0])
    assert fg.wait_quiet() == 0.0
    fg.serving(lambda: None)()
    assert fg.busy()
    now[0] += 2 * GRACE_SECONDS
    assert not fg.busy() and fg.wait_quiet() == 0.0
