"""What the sync status keeps of refusals and repairs: a refusal got past since is shown as resolved, saying how,
instead of as a problem for a week; one not got past says what happens next."""

from __future__ import annotations

from memvault.service.sync_refusals import REFUSALS_SHOWN_SECONDS, Progress, kept, shown

GROUP = "0f0f0f0f-0000-4000-8000-000000000001"
WRITER = "a1a1a1a1-0000-4000-8000-000000000002"
SEGMENT = f"refused {GROUP}/ops/{WRITER}/0000000003: it does not authenticate (altered)"
KEY = f"refused {GROUP}/key: its signature does not verify; this device wrote back the one it had accepted"
SNAPSHOT = f"refused a snapshot of device {WRITER[:8]}: it does not authenticate"
SHARED = (f"refused 2 change(s) from device {WRITER[:8]} to namespace(s) shared with people (team): a shared "
          "namespace travels only between its members, never by device sync")
STILL = Progress({WRITER: 2}, frozenset({WRITER}))
PAST = Progress({WRITER: 3}, frozenset())


def _cycle(refused, repaired, problems, progress, now, fixed=()):
    refused, repaired = kept(refused, repaired, (list(problems), list(fixed)), progress, now)
    return refused, repaired, {"problems": list(problems), "repaired": list(fixed), "refused": refused,
                               "kept_repaired": repaired}


def test_a_refused_segment_is_a_problem_until_this_device_reads_past_it_then_it_is_resolved():
    refused, repaired, last = _cycle([], [], [SEGMENT], STILL, 1000.0)
    assert shown(last) == ((SEGMENT,), ())
    refused, repaired, last = _cycle(refused, repaired, [], STILL, 1100.0)  # the writer has not synced yet
    (problem,), () = shown(last)
    assert problem.startswith(SEGMENT + " (at 1970-01-01 00:16 UTC)") and "writes a snapshot that covers" in problem
    refused, repaired, last = _cycle(refused, repaired, [], PAST, 1200.0)
    assert shown(last) == ((), (f"{SEGMENT} (at 1970-01-01 00:16 UTC); resolved: this device has read device "
                                f"{WRITER[:8]}'s changes past that file since",))


def test_a_segment_skipped_in_the_cycle_that_refused_it_is_resolved_at_once():
    skipped = f"{SEGMENT} (not in device {WRITER[:8]}'s chain: skipped)"
    *_, last = _cycle([], [], [skipped], PAST, 1000.0)
    problems, repaired = shown(last)
    assert problems == () and repaired[0].startswith(skipped) and "resolved: " in repaired[0]


def test_a_refused_key_file_is_resolved_once_a_later_cycle_reads_the_one_written_back():
    refused, repaired, last = _cycle([], [], [KEY], PAST, 1000.0)
    assert shown(last)[0] == (KEY,)  # written back, but not read back yet
    refused, repaired, last = _cycle(refused, repaired, [KEY.replace("signature", "serial")], PAST, 1100.0)
    assert len(shown(last)[0]) == 2  # refused again: both stay problems
    *_, last = _cycle(refused, repaired, [], PAST, 1200.0)
    problems, repaired = shown(last)
    assert problems == () and all("resolved: the key file this device wrote back has read" in r for r in repaired)


def test_a_refused_snapshot_is_resolved_when_nothing_of_its_device_waits_here_later():
    refused, repaired, last = _cycle([], [], [SNAPSHOT], PAST, 1000.0)
    assert shown(last)[0] == (SNAPSHOT,)
    refused, repaired, last = _cycle(refused, repaired, [], STILL, 1100.0)
    assert "writes its snapshot again" in shown(last)[0][0]
    *_, last = _cycle(refused, repaired, [], PAST, 1200.0)
    assert shown(last)[0] == () and "nothing of device a1a1a1a1's waits here" in shown(last)[1][0]


def test_refused_changes_to_a_shared_namespace_stay_a_problem_and_say_what_happens_to_them():
    refused, repaired, _ = _cycle([], [], [SHARED], PAST, 1000.0)
    *_, last = _cycle(refused, repaired, [], PAST, 1100.0)
    (problem,), () = shown(last)
    assert problem.startswith(SHARED) and "(at " in problem and "`memvault share join`" in problem


def test_a_failed_cycle_resolves_nothing_and_an_old_entry_without_a_resolution_is_read():
    refused, repaired, last = _cycle([[1000.0, KEY]], [], [], None, 1100.0)
    assert refused == [[1000.0, KEY, None]] and shown(last)[0][0].startswith(KEY)


def test_repairs_stay_in_the_status_for_a_week_after_their_cycle():
    *_, last = _cycle([], [], [], PAST, 1000.0, fixed=["the target had lost files: written again"])
    assert shown(last)[1] == ("the target had lost files: written again",)
    refused, repaired, last = _cycle(last["refused"], last["kept_repaired"], [], PAST, 2000.0)
    assert shown(last)[1] == ("the target had lost files: written again (at 1970-01-01 00:16 UTC)",)
    *_, last = _cycle(refused, repaired, [], PAST, 1000.0 + REFUSALS_SHOWN_SECONDS + 1)
    assert shown(last) == ((), ())
