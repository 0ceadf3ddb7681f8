"""Dates in text, resolved against the time a memory (or a question) speaks from (``dateparser``).

A memory's own time is the date it is about when its metadata says so
(``event_at``, else ``session_date``: an ISO date, as conversation turns carry
it), else when it was stored. "yesterday" in a chat turn is the day before
its session, not before the day it was imported. A date becomes an ISO value
as precise as the text: ``2024-02-10``, ``2024-03`` or ``2024``.

Only phrases that name a point in time are resolved (a month, a weekday, a
year, or a relative word such as "yesterday", "last", "next", "ago");
durations ("three days", "four years") are not dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec")
_ANCHOR = re.compile(
    r"\b(?:" + "|".join(_MONTHS.split()) + r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|yesterday|today|tomorrow|tonight|last|next|ago|this|(?:19|20)\d\d)\b", re.IGNORECASE)
_DURATION = re.compile(r"^(?:about|roughly|around|over|almost|nearly|the\s+)?\s*(?:\d+|a|an|one|two|three|four|five|"
                       r"six|seven|eight|nine|ten|eleven|twelve|a few|few|several|couple of|a couple of)"
                       r"(?:[-\s]+\w+)?\s+(?:day|week|month|year|hour|minute)s?(?:\s+old)?$", re.IGNORECASE)
#: Metadata keys that say when a memory happened, most specific first.
TIME_KEYS = ("event_at", "session_date")
_PRECISION = {"day": "day", "week": "week", "month": "month", "year": "year"}
#: A month said with last, next or this ("last November"): dateparser reads none of them.
_MONTH_AROUND = re.compile(r"^(?P<which>last|next|this)\s+(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                           r"[a-z]*\.?$", re.IGNORECASE)
_MONTH_NUMBER = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
#: Words around a date that dateparser does not read and that do not move it at this precision.
#: A quarter or a half of a named year ("Q1 2027", "the third quarter of 2026", "H2 2027"): dateparser reads "Q1"
#: as a day ("2027-02-28") and "H1" as January.
PART_OF_YEAR = (r"(?:the\s+)?(?:(?P<q>q[1-4])|(?P<h>h[12])|(?P<nth>first|second|third|fourth|last|[1-4](?:st|nd|rd|th))"
                r"\s+(?P<unit>quarter|half))(?:\s+of)?\s+(?P<year>(?:19|20)\d\d)")
_PART_OF_YEAR = re.compile(f"^{PART_OF_YEAR}$", re.IGNORECASE)
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_LEAD = re.compile(r"^(?:(?:on|in|at|by|during|from|since|until|early|mid|late|the end of|end of|the beginning of|"
                   r"beginning of|the start of|start of|around|about)[\s-]+)+", re.IGNORECASE)


@dataclass(frozen=True)
class DateSpan:
    """A resolved date: its ISO value at the text's precision and the [start, end) epoch seconds it covers."""

    value: str
    start: float
    end: float


def memory_time(metadata: dict[str, Any] | None, created_at: float) -> float:
    """The epoch seconds a memory speaks from (see the module docstring)."""
    for key in TIME_KEYS:
        raw = (metadata or {}).get(key)
        if isinstance(raw, str):
            parsed = _iso(raw)
            if parsed is not None:
                return parsed
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw > 0:
            return float(raw)
    return created_at


def _iso(raw: str) -> float | None:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


@lru_cache(maxsize=1)
def _parser_class():
    # dateparser takes ~0.2 s to import its language data; only extraction and dated queries pay for it.
    from dateparser.date import DateDataParser

    return DateDataParser


def resolve(phrase: str, reference: float, prefer: str = "past") -> DateSpan | None:
    """``phrase`` as a date seen from ``reference`` (epoch seconds), or ``None`` if it names no point in time;
    ``prefer`` ("past" or "future"): which occurrence a date without its year means."""
    phrase = phrase.strip()
    if not phrase or len(phrase) > 60 or not _ANCHOR.search(phrase) or _DURATION.match(phrase):
        return None
    phrase = _LEAD.sub("", phrase) or phrase
    part = _PART_OF_YEAR.match(phrase)
    if part is not None:
        return _part_of_year(part)
    base = datetime.fromtimestamp(reference, UTC).replace(tzinfo=None)
    around = _MONTH_AROUND.match(phrase)
    if around is not None:
        month, which = _MONTH_NUMBER[around["month"][:3].lower()], around["which"].lower()
        year = base.year + ((which == "next" and month <= base.month) - (which == "last" and month >= base.month))
        return span_of(datetime(year, month, 1), "month")
    parser = _parser_class()(languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "RETURN_AS_TIMEZONE_AWARE": False})
    try:
        data = parser.get_date_data(phrase)
    except (ValueError, OverflowError, TypeError):
        return None
    if data is None or data.date_obj is None:
        return None
    when = data.date_obj
    if data.period == "month" and when.month == base.month and when.year == base.year + 1 \
            and not _YEAR_SAID.search(phrase):
        # The month it is now is both its past and its future: "support tickets in November", said in November,
        # was dated to next year's.
        when = when.replace(year=base.year)
    return span_of(when, _PRECISION.get(data.period or "day", "day"))


def _part_of_year(match: re.Match[str]) -> DateSpan | None:
    """The months of a quarter or a half: value ``2027-Q1`` or ``2027-H2`` (ISO names neither)."""
    year = int(match["year"])
    if match["q"] or match["h"]:
        letter, number = (match["q"] or match["h"])[0].upper(), int((match["q"] or match["h"])[1])
    else:
        letter = "Q" if match["unit"].lower() == "quarter" else "H"
        nth = match["nth"].lower()
        number = (4 if letter == "Q" else 2) if nth == "last" else _NTH[nth]
        if letter == "H" and number > 2:
            return None
    months = 3 if letter == "Q" else 6
    first = 1 + months * (number - 1)
    start = datetime(year, first, 1, tzinfo=UTC)
    end = datetime(year + (first + months > 12), (first + months - 1) % 12 + 1, 1, tzinfo=UTC)
    return DateSpan(f"{year:04d}-{letter}{number}", start.timestamp(), end.timestamp())


#: What comes round once a year: a date of it said without its year is that day in every year.
_YEARLY = re.compile(r"\b(?:birthdays?|anniversar(?:y|ies)|name ?days?|every year|each year|once a year|yearly|"
                     r"annually)\b", re.IGNORECASE)
_YEAR_SAID = re.compile(r"\b(?:19|20)\d\d\b|'\d\d\b")


def comes_round_yearly(sentence: str) -> bool:
    """Whether ``sentence`` speaks of what comes round once a year ("Noor's birthday is on 9 October")."""
    return _YEARLY.search(sentence) is not None


def yearly(span: DateSpan, phrase: str) -> DateSpan | None:
    """``span`` as the same day (or month) of every year, when ``phrase`` said no year: value ``--10-09`` or
    ``--10`` (ISO 8601's date without its year); ``None`` for a year said, a week or a year.

    A birthday said as "9 October" was dated to its next occurrence (2027-10-09), which a question about
    October 2026 never met."""
    forms = yearly_values(span.value)
    if _YEAR_SAID.search(phrase) or not forms:
        return None
    return DateSpan(forms[0], span.start, span.end)


_DAY_OR_MONTH = re.compile(r"\d{4}-(\d{2}(?:-\d{2})?)")


def yearly_values(value: str) -> tuple[str, ...]:
    """The yearly forms (:func:`yearly`) of a day's or a month's value, which a question's date also meets: a
    day's ``--MM-DD``, a month's ``--MM`` (as a prefix, its days too); none for a year, a week, a quarter or a
    half (their months do)."""
    found = _DAY_OR_MONTH.fullmatch(value)
    return (f"--{found[1]}",) if found else ()


def span_of(when: datetime, precision: str) -> DateSpan:
    """The span of ``when`` at ``precision`` (day, week, month or year)."""
    if precision == "year":
        start, end, value = datetime(when.year, 1, 1), datetime(when.year + 1, 1, 1), f"{when.year:04d}"
    elif precision == "month":
        start = datetime(when.year, when.month, 1)
        end = datetime(when.year + (when.month == 12), when.month % 12 + 1, 1)
        value = f"{when.year:04d}-{when.month:02d}"
    else:
        start = datetime(when.year, when.month, when.day)
        days = 7 if precision == "week" else 1
        end = start + timedelta(days=days)
        year, week, _ = start.isocalendar()
        value = f"{year:04d}-W{week:02d}" if precision == "week" else start.strftime("%Y-%m-%d")
    return DateSpan(value, start.replace(tzinfo=UTC).timestamp(), end.replace(tzinfo=UTC).timestamp())
