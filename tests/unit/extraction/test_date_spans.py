"""Date phrases resolved to the span they name (``extraction/date_spans.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memvault.extraction import date_spans
from memvault.extraction.date_spans import resolve

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()


def _days(span):
    return [datetime.fromtimestamp(t, UTC).date().isoformat() for t in (span.start, span.end)]


@pytest.mark.parametrize(("phrase", "value", "days"), [
    ("Q1 2027", "2027-Q1", ["2027-01-01", "2027-04-01"]),  # dateparser: 2027-02-28
    ("in Q4 2026", "2026-Q4", ["2026-10-01", "2027-01-01"]),
    ("the end of Q2 2027", "2027-Q2", ["2027-04-01", "2027-07-01"]),
    ("the third quarter of 2025", "2025-Q3", ["2025-07-01", "2025-10-01"]),
    ("the last quarter of 2026", "2026-Q4", ["2026-10-01", "2027-01-01"]),
    ("H1 2027", "2027-H1", ["2027-01-01", "2027-07-01"]),  # dateparser: January
    ("the second half of 2027", "2027-H2", ["2027-07-01", "2028-01-01"]),
])
def test_a_quarter_or_a_half_of_a_year_is_its_months(phrase, value, days):
    for prefer in ("past", "future"):
        span = resolve(phrase, NOW, prefer)
        assert span is not None and span.value == value and _days(span) == days


def test_a_half_past_the_second_is_no_date_and_other_dates_read_as_before():
    assert resolve("the third half of 2027", NOW) is None
    assert resolve("in March 2024", NOW).value == "2024-03"
    assert resolve("on 4 November", NOW, "past").value == "2026-11-04"


def test_a_yearly_date_drops_its_year_unless_one_was_said():
    on = date_spans.span_of(datetime(2027, 10, 9), "day")
    assert date_spans.yearly(on, "9 October").value == "--10-09"
    assert date_spans.yearly(date_spans.span_of(datetime(2027, 10, 9), "month"), "October").value == "--10"
    assert date_spans.yearly(on, "9 October 2027") is None
    assert date_spans.yearly(on, "9 Oct '27") is None
    assert date_spans.yearly(date_spans.span_of(datetime(2027, 10, 9), "week"), "that week") is None
    assert date_spans.yearly(date_spans.span_of(datetime(2027, 10, 9), "year"), "2027") is None


def test_a_questions_day_or_month_also_meets_the_same_day_or_month_of_every_year():
    assert date_spans.yearly_values("2026-10-09") == ("--10-09",)
    assert date_spans.yearly_values("2026-10") == ("--10",)
    assert date_spans.yearly_values("2026") == ()
    assert date_spans.yearly_values("2026-W41") == ()
    assert date_spans.yearly_values("2027-Q1") == ()


@pytest.mark.parametrize("prefer", ["past", "future"])
@pytest.mark.parametrize("phrase,value", [
    ("in November", "2026-11"),  # the month it is: it was next year's when the future was preferred
    ("November", "2026-11"),
    ("in November 2027", "2027-11"),  # a year said stays said
    ("last November", "2025-11"), ("next November", "2027-11"), ("this November", "2026-11"),  # all were None
    ("last March", "2026-03"), ("next March", "2027-03"), ("last Dec.", "2025-12"), ("next December", "2026-12"),
])
def test_the_current_month_and_a_month_said_with_last_next_or_this(phrase, value, prefer):
    assert resolve(phrase, NOW, prefer).value == value
