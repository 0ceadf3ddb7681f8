"""A background thread lowers its own CPU priority; the process and its other threads keep theirs."""

import os
import sys
import threading

from memvault import priority
from tests.helpers import lowerable_threads


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _on_a_thread(fn):
    """``fn()``'s result, run on a new thread."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join(10)
    assert out, "the thread did not finish"
    return out[0]


@lowerable_threads
def test_a_thread_that_lowers_itself_runs_at_the_background_nice_and_nothing_else_does():
    process = _nice()

    def background():
        before = (_nice(), priority.lowered())
        return before, priority.lower_this_thread(), (_nice(), priority.lowered())

    assert _on_a_thread(background) == ((process, False), True, (priority.BACKGROUND_NICE, True))
    assert _nice() == process
    assert _on_a_thread(_nice) == process, "a thread started afterwards by another thread is not lowered"


@lowerable_threads
def test_a_thread_started_from_a_lowered_one_is_lowered_too_and_says_so():
    def background():
        priority.lower_this_thread()
        return _on_a_thread(lambda: (_nice(), priority.lowered()))

    assert _on_a_thread(background) == (priority.BACKGROUND_NICE, True)
    assert _on_a_thread(priority.lowered) is False


def test_where_threads_have_no_priority_of_their_own_nothing_is_lowered(monkeypatch):
    monkeypatch.setattr(priority, "_PER_THREAD", False)

    def background():
        before = _nice() if sys.platform != "win32" else None
        lowered = priority.lower_this_thread()
        return lowered, priority.lowered(), before == (_nice() if sys.platform != "win32" else None)

    assert _on_a_thread(background) == (False, False, True)
