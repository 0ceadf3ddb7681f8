"""Chart axes: round tick values and time buckets that fit."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memvault.gui.chart_scale import nice_ticks, timeline_buckets, whole_percents


@pytest.mark.parametrize("top, ticks", [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (15, [0, 5, 10, 15]),
    (99, [0, 20, 40, 60, 80, 100]), (377, [0, 100, 200, 300, 400]), (1131, [0, 500, 1000, 1500]),
    (15_234, [0, 5000, 10_000, 15_000, 20_000]),
])
def test_ticks_fall_on_round_numbers(top, ticks):
    assert nice_ticks(top) == ticks


def test_fractions_when_not_counting():
    assert nice_ticks(0.8, integer=False) == [0, 0.2, 0.4, 0.6, 0.8]


@given(st.floats(min_value=0, max_value=1e9), st.integers(min_value=1, max_value=10))
def test_ticks_cover_the_data_evenly_with_few_steps(top, intervals):
    ticks = nice_ticks(top, intervals)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) - 1 <= max(intervals, 1) * 2
    assert all(abs((b - a) - step) <= step * 1e-9 for a, b in itertools.pairwise(ticks))
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    assert round(mantissa, 6) in (1, 2, 5) and step >= 1
    assert len({f"{t:.0f}" for t in ticks}) == len(ticks)  # integer labels never repeat


def test_days_fill_gaps_up_to_today():
    unit, buckets = timeline_buckets({"2024-05-14": 3, "2024-05-16": 2}, dt.date(2024, 5, 17))
    assert unit == "day" and buckets == {"05-14": 3, "05-15": 0, "05-16": 2, "05-17": 0}


def test_weeks_then_months_when_days_do_not_fit():
    unit, buckets = timeline_buckets({"2024-03-01": 1, "2024-05-16": 2}, dt.date(2024, 5, 17))
    assert unit == "week" and len(buckets) <= 16 and sum(buckets.values()) == 3
    assert next(iter(buckets)) == "wk 02-26"
    unit, buckets = timeline_buckets({"2023-01-10": 4, "2024-05-16": 2}, dt.date(2024, 5, 17))
    assert unit == "month" and list(buckets)[-1] == "2024-05" and len(buckets) == 16
    assert sum(buckets.values()) == 2  # months before the window are left out


def test_no_data_no_buckets():
    assert timeline_buckets({}, dt.date(2024, 5, 17)) == ("day", {})


@pytest.mark.parametrize("values", [(1, 3, 5, 3, 2, 1, 1, 5, 1, 2), (1, 1, 1), (1, 7), (3, 20, 1), (0, 5), (1,) * 7])
def test_whole_percents_sum_to_a_hundred_and_stay_within_one_of_the_exact_share(values):
    # An outside QA pass: a pie's shares read 98% in all, and 12.5% read 12. Another: equal counts read 18% and 17%.
    shown = whole_percents(values)
    equal_runs = max(values.count(v) for v in values)
    assert sum(shown) == 100 or abs(sum(shown) - 100) < equal_runs
    for v, p in zip(values, shown):
        assert abs(p - 100 * v / sum(values)) < 1
        assert all(q == p for w, q in zip(values, shown) if w == v)


def test_whole_percents_of_nothing_are_zero():
    assert whole_percents((0, 0)) == [0, 0] and whole_percents(()) == []
    assert whole_percents((1, 1, 2, 4)) == [13, 13, 25, 50]  # equal values read equal, though 101 in all
    assert whole_percents((7, 7, 26)) == [18, 18, 65]  # 17.5, 17.5, 65: the run rounds half up
    assert whole_percents((1, 1, 1)) == [33, 33, 33]
    assert whole_percents((1, 2, 4)) == [14, 29, 57]  # no tie: the largest remainders, 100 in all
