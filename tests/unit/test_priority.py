"""Background threads lower their own CPU priority; the threads they start inherit it, the others keep theirs."""

import os
import sys
import threading

from memvault import priority
from tests.helpers import lowerable_threads



def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _on_a_thread(fn):
    """``fn()``'s result, run on a new thread started from the calling one."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join(10)
    assert out, "the thread did not finish"
    return out[0]


@lowerable_threads
def test_a_thread_that_lowers_itself_runs_at_the_background_nice_and_the_process_does_not():
    process = os.getpriority(os.PRIO_PROCESS, os.getpid())

    def background():
        before = (_nice(), priority.lowered())
        assert priority.lower_this_thread()
        return before, (_nice(), priority.lowered())

    (nice_before, lowered_before), (nice_after, lowered_after) = _on_a_thread(background)
    assert (nice_before, lowered_before) == (process, False)
    assert (nice_after, lowered_after) == (priority.BACKGROUND_NICE, True)
    assert _nice() == process and not priority.lowered()


@lowerable_threads
def test_a_thread_started_from_a_lowered_one_is_lowered_too_and_says_so():
    def background():
        priority.lower_this_thread()
        return _on_a_thread(lambda: (_nice(), priority.lowered()))

    assert _on_a_thread(background) == (priority.BACKGROUND_NICE, True)
    assert _on_a_thread(lambda: priority.lowered()) is False


def test_where_threads_have_no_priority_of_their_own_nothing_is_lowered(monkeypatch):
    monkeypatch.setattr(priority, "_PER_THREAD", False)

    def background():
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform != "win32" else None
        lowered = priority.lower_this_thread()
        after = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform != "win32" else None
        return lowered, priority.lowered(), before == after

    assert _on_a_thread(background) == (False, False, True)
