"""Dates in a user's words, resolved against the conversation's time.

"yesterday", "last week", "next Friday", "in March", "June next year", "May 10", "in 2019", "in two weeks" become
a calendar date, a precision (day, week, month, year) and the words that replace them in the fact ("on 30 November
2026", "in the week of 4 May 2026", "in March 2026"). Recurring times ("every Sunday", "on Tuesday evenings",
"three times a week") are not events: they are reported as recurring and left as written.

The common relative forms are resolved here by rule (fast and predictable); ``dateparser`` reads the explicit
dates that remain ("May 10", "10/05/2026"), preferring the past or the future as the sentence's tense says.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
#: The words a month is written as in chat: its name, its abbreviation, and "sept".
MONTH_WORDS = frozenset(MONTHS) | {"sept"}
#: Words a month follows ("expires in march", "since june", "next may"), as a day of the month does.
BEFORE_MONTH = frozenset({"in", "by", "until", "till", "since", "from", "before", "after", "early", "late", "mid",
                          "last", "next", "this", "of"})
#: Weekdays as chat shortens them ("on fri", "till wed"), by the day's name.
WEEKDAYS_SHORT = {"mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
                  "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday"}
#: Words a weekday follows ("on fri", "by wed", "next tues"): where a short one is a day, not "sat" or "sun".
BEFORE_WEEKDAY = frozenset({"on", "by", "till", "until", "from", "since", "before", "after", "to", "for", "next",
                            "this", "last", "every"})
#: Parts of a day said after a weekday ("thurs morning").
DAY_PARTS = frozenset({"morning", "afternoon", "evening", "night", "lunchtime"})
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "few": 3}
_IN_AMOUNT = re.compile(r"in (\d+|" + "|".join(_NUMBER_WORDS) + r") (days?|weeks?|months?)")
_RECURRING = re.compile(
    r"\b(every|each|daily|weekly|monthly|yearly|annually|weekends|mornings|evenings|nights|afternoons"
    r"|times? a (day|week|month|year)|a (day|week|month|year)|per (day|week|month|year)|"
    + "|".join(f"{d}s" for d in WEEKDAYS) + r")\b", re.IGNORECASE)
_DURATION = re.compile(r"^(for )?(about |around |almost |over |nearly )?(\d+|" + "|".join(_NUMBER_WORDS)
                       + r") (days?|weeks?|months?|years?|decades?)( old)?$", re.IGNORECASE)


class Tense(Enum):
    PAST = "past"
    PRESENT = "present"
    FUTURE = "future"


class Precision(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class ResolvedDate:
    """A date phrase read against the conversation's time."""

    start: dt.date | None
    precision: Precision | None
    words: str | None
    recurring: bool = False

    @property
    def is_event(self) -> bool:
        return self.start is not None and not self.recurring


NOT_A_DATE = ResolvedDate(None, None, None)
RECURRING = ResolvedDate(None, None, None, recurring=True)


def _day(d: dt.date) -> str:
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def weekday_after(end: ResolvedDate, start: ResolvedDate) -> ResolvedDate:
    """``end``, a weekday said as the end of a span from ``start`` ("from Monday to Thursday"), on or after it: each
    day read alone, said on a Monday, "Monday" was next week's and "Thursday" this week's."""
    if end.start is None or start.start is None or end.precision is not Precision.DAY or end.start >= start.start \
            or not end.words or end.words.split()[0].lower() not in WEEKDAYS:
        return end
    return _on_day(end.start + dt.timedelta(days=7 * -(-(start.start - end.start).days // 7)), weekday=True)


def _on_day(d: dt.date, weekday: bool = False) -> ResolvedDate:
    label = f"{calendar.day_name[d.weekday()]} {_day(d)}" if weekday else _day(d)
    return ResolvedDate(d, Precision.DAY, label)


def _week_of(d: dt.date) -> ResolvedDate:
    monday = d - dt.timedelta(days=d.weekday())
    return ResolvedDate(monday, Precision.WEEK, f"the week of {_day(monday)}")


def _weekend_of(d: dt.date) -> ResolvedDate:
    saturday = d + dt.timedelta(days=(5 - d.weekday()) % 7) if d.weekday() < 5 else d - dt.timedelta(
        days=d.weekday() - 5)
    return ResolvedDate(saturday, Precision.WEEK, f"the weekend of {_day(saturday)}")


def _month(year: int, month: int) -> ResolvedDate:
    return ResolvedDate(dt.date(year, month, 1), Precision.MONTH, f"{calendar.month_name[month]} {year}")


def _year(year: int) -> ResolvedDate:
    return ResolvedDate(dt.date(year, 1, 1), Precision.YEAR, str(year))


def _shift_month(d: dt.date, months: int) -> tuple[int, int]:
    index = d.year * 12 + d.month - 1 + months
    return index // 12, index % 12 + 1


def _weekday(today: dt.date, weekday: int, tense: Tense, modifier: str) -> dt.date:
    ahead = (weekday - today.weekday()) % 7
    if modifier == "next":
        return today + dt.timedelta(days=ahead or 7)
    if modifier == "last":
        return today - dt.timedelta(days=((today.weekday() - weekday) % 7) or 7)
    if modifier == "this":
        return today + dt.timedelta(days=ahead)
    if tense is Tense.PAST:
        return today - dt.timedelta(days=((today.weekday() - weekday) % 7) or 7)
    return today + dt.timedelta(days=ahead or 7)


def _month_alone(today: dt.date, month: int, tense: Tense) -> ResolvedDate:
    if tense is Tense.PAST:
        return _month(today.year if month <= today.month else today.year - 1, month)
    # The present says what is coming as often as the future does ("I fly to Lisbon in January", said in
    # November): the next such month, as for a weekday.
    return _month(today.year if month >= today.month else today.year + 1, month)


def _ago(today: dt.date, amount: int, unit: str) -> ResolvedDate:
    if unit.startswith("day"):
        return _on_day(today - dt.timedelta(days=amount))
    if unit.startswith("week"):
        return _week_of(today - dt.timedelta(weeks=amount))
    if unit.startswith("month"):
        return _month(*_shift_month(today, -amount))
    return _year(today.year - amount)


def _ahead(today: dt.date, amount: int, unit: str) -> ResolvedDate:
    if unit.startswith("day"):
        return _on_day(today + dt.timedelta(days=amount))
    if unit.startswith("week"):
        return _week_of(today + dt.timedelta(weeks=amount))
    if unit.startswith("month"):
        return _month(*_shift_month(today, amount))
    return _year(today.year + amount)


#: Holidays on the same day every year: (month, day, name), by their names lowercase without apostrophes.
HOLIDAYS = {"new years eve": (12, 31, "New Year's Eve"), "new years day": (1, 1, "New Year's Day"),
            "christmas eve": (12, 24, "Christmas Eve"), "christmas day": (12, 25, "Christmas Day"),
            "christmas": (12, 25, "Christmas"), "boxing day": (12, 26, "Boxing Day"),
            "valentines day": (2, 14, "Valentine's Day"), "halloween": (10, 31, "Halloween"),
            "st patricks day": (3, 17, "St Patrick's Day"), "bonfire night": (11, 5, "Bonfire Night"),
            "fourth of july": (7, 4, "the Fourth of July")}


def holiday(text: str) -> tuple[int, int, str] | None:
    """The (month, day, name) of a holiday named by ``text`` ("Christmas Eve", "new year's eve"), or ``None``."""
    return HOLIDAYS.get(" ".join(text.lower().replace("'", "").replace("\u2019", "").replace(".", "").split()))


def _holiday(day: tuple[int, int, str], today: dt.date, tense: Tense, modifier: str) -> ResolvedDate:
    """This year's or the nearest year's holiday, the last one for the past or "last", else the next; said by its
    name and year ("Christmas Eve 2023"), which a question names as often as the day."""
    month, number, name = day
    this_year = dt.date(today.year, month, number)
    if modifier == "last" or not modifier and tense is Tense.PAST:
        d = this_year if this_year <= today else dt.date(today.year - 1, month, number)
    else:
        d = this_year if this_year >= today else dt.date(today.year + 1, month, number)
    return ResolvedDate(d, Precision.DAY, f"{name} {d.year}")


def _relative(text: str, today: dt.date, tense: Tense, month: int | None = None) -> ResolvedDate | None:
    words = text.split()
    if (day := holiday(text)) is not None or words and words[0] in ("last", "next", "this") and (
            day := holiday(" ".join(words[1:]))) is not None:
        return _holiday(day, today, tense, words[0] if words[0] in ("last", "next", "this") else "")
    if text in ("today", "tonight", "this morning", "this afternoon", "this evening", "earlier today", "now"):
        return _on_day(today) if text != "now" else None
    if text in ("yesterday", "last night", "yesterday morning", "yesterday evening", "yesterday afternoon"):
        return _on_day(today - dt.timedelta(days=1))
    if text.startswith("tomorrow"):
        return _on_day(today + dt.timedelta(days=1))
    if text == "the day before yesterday":
        return _on_day(today - dt.timedelta(days=2))
    if text == "the day after tomorrow":
        return _on_day(today + dt.timedelta(days=2))
    if len(words) == 2 and words[0] in ("last", "next", "this"):
        step = {"last": -1, "next": 1, "this": 0}[words[0]]
        unit = words[1]
        if unit == "week":
            return _week_of(today + dt.timedelta(weeks=step))
        if unit == "weekend":
            return _weekend_of(today + dt.timedelta(weeks=step) if step else today)
        if unit == "month":
            return _month(*_shift_month(today, step))
        if unit == "year":
            return _year(today.year + step)
        if unit in WEEKDAYS:
            return _on_day(_weekday(today, WEEKDAYS[unit], tense, words[0]), weekday=True)
        if unit in MONTHS:
            return _month_alone(today, MONTHS[unit], Tense.PAST if step < 0 else Tense.FUTURE if step > 0 else tense)
        return None
    if len(words) == 3 and words[1] in ("next", "last", "this") and words[2] == "year" and words[0] in MONTHS:
        return _month(today.year + {"next": 1, "last": -1, "this": 0}[words[1]], MONTHS[words[0]])
    if len(words) == 4 and words[2:] in (["next", "year"], ["last", "year"]) and (  # "31 March next year"
            day := _day_and_month(words[0], words[1]) or _day_and_month(words[1], words[0])) is not None:
        year = today.year + (1 if words[2] == "next" else -1)
        return _on_day(dt.date(year, day[1], day[0])) if day[0] <= calendar.monthrange(year, day[1])[1] else None
    match = re.fullmatch(r"(\d+|" + "|".join(_NUMBER_WORDS) + r") (days?|weeks?|months?|years?) (ago|from now)"
                         r"(?: (yesterday|today|tomorrow))?", text)
    if match:
        amount = int(match[1]) if match[1].isdigit() else _NUMBER_WORDS[match[1]]
        if match[4] and match[2][0] in "dwm":
            # "two weeks ago yesterday", "a month ago today": counted from that day, to the day
            day = today + dt.timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[match[4]])
            step = -amount if match[3] == "ago" else amount
            if match[2].startswith("month"):
                year, month = _shift_month(day, step)
                return _on_day(dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1])))
            return _on_day(day + dt.timedelta(days=step * (7 if match[2].startswith("week") else 1)))
        return (_ago if match[3] == "ago" else _ahead)(today, amount, match[2])
    if text in WEEKDAYS:
        return _on_day(_weekday(today, WEEKDAYS[text], tense, ""), weekday=True)
    if text in MONTHS:
        return _month_alone(today, MONTHS[text], tense)
    if re.fullmatch(r"(in )?(19|20)\d\d", text):
        return _year(int(text[-4:]))
    if len(words) == 2 and words[0] in MONTHS and re.fullmatch(r"(19|20)\d\d", words[1]):
        return _month(int(words[1]), MONTHS[words[0]])
    if text in ("this year",):
        return _year(today.year)
    if (match := ORDINAL_DAY.fullmatch(text)) and 1 <= int(match[1]) <= 31:
        return _day_of_month(today, int(match[1]), tense, month)
    return None


def _day_and_month(day: str, month: str) -> tuple[int, int] | None:
    """``day`` and ``month`` as numbers when they write a day of a month ("31", "21st"; "march"), else ``None``."""
    number = int(day) if day.isdigit() else int(ORDINAL_DAY.fullmatch(day)[1]) if day_number(day) else 0
    return (number, MONTHS[month]) if month in MONTHS and 1 <= number <= 31 else None


#: A day of the month as an ordinal ("14th", "1st"), its number the first group.
ORDINAL_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")
#: A year as written in a date ("2026").
YEAR = re.compile(r"(?:1[0-9]|2[0-9])[0-9]{2}")


def day_number(word: str) -> bool:
    """Whether ``word`` writes a day of a month ("3", "21st")."""
    return word.isdigit() and len(word) <= 2 or ORDINAL_DAY.fullmatch(word) is not None
#: A month's name as a conversation says it, capitalised ("in October"; "may" is a verb).
_MONTH_NAMED = re.compile(r"\b(" + "|".join(name for name in calendar.month_name if name) + r")\b")


#: A holiday named in running text ("for Christmas", "on New Year's Eve"): its month is the one the talk is about.
_HOLIDAY_NAMED = re.compile(r"\b(?:new year['\u2019]?s (?:eve|day)|christmas(?: eve| day)?|boxing day"
                            r"|valentine['\u2019]?s day|halloween)\b", re.IGNORECASE)


#: A month in lower case after a word a month follows ("starting in january"; "may" alone is a verb).
_MONTH_SAID_LOWER = re.compile(r"\b(?:" + "|".join(sorted(BEFORE_MONTH)) + r")\s+(" + "|".join(
    name.lower() for name in calendar.month_name if name) + r")\b")


def month_named(text: str) -> int | None:
    """The last month ``text`` names ("the Lyon summit in October" → 10; "home for Christmas" → 12), or ``None``."""
    found = [(m.start(), MONTHS[m.group(1).lower()]) for m in _MONTH_NAMED.finditer(text)]
    found += [(m.start(1), MONTHS[m.group(1)]) for m in _MONTH_SAID_LOWER.finditer(text)]
    found += [(m.start(), day[0]) for m in _HOLIDAY_NAMED.finditer(text) if (day := holiday(m.group(0)))]
    return max(found)[1] if found else None


def _day_of_month(today: dt.date, day: int, tense: Tense, in_month: int | None = None) -> ResolvedDate:
    """ "the 14th" alone: a day of the month the talk is about (``in_month``: "the summit in October" … "I fly
    out on the 14th"), else of this month or the nearest; the last such day for the past, else the next (a
    present tense says what is arranged as often as the future: "she flies out on the 14th")."""
    step = -1 if tense is Tense.PAST else 1
    if in_month is not None:
        for year in (today.year, today.year + step):
            if day <= calendar.monthrange(year, in_month)[1]:
                d = dt.date(year, in_month, day)
                if (d <= today) if tense is Tense.PAST else (d >= today):
                    return _on_day(d)
        return NOT_A_DATE
    month = (today.year, today.month)
    for _ in range(3):  # a 31st skips the shorter months
        if day <= calendar.monthrange(*month)[1]:
            d = dt.date(*month, day)
            if (d <= today) if tense is Tense.PAST else (d >= today):
                return _on_day(d)
        year, number = _shift_month(dt.date(*month, 1), step)
        month = (year, number)
    return NOT_A_DATE


def _explicit(text: str, now: dt.datetime, tense: Tense) -> ResolvedDate | None:
    # Only forms with a day number go to dateparser: it is slow on free text and guesses wildly on it.
    if not re.search(r"\d", text) or not (re.search(r"[a-z]{3}", text) or re.search(r"\d[/.-]\d", text)):
        return None
    import dateparser

    prefer = "past" if tense is Tense.PAST else "future"
    parsed = dateparser.parse(text, languages=["en"], settings={
        "RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": prefer, "REQUIRE_PARTS": ["day", "month"],
        "RETURN_TIME_AS_PERIOD": False})
    if parsed is None:
        return None
    said = next((WEEKDAYS[w] for w in re.findall(r"[a-z]+", text) if w in WEEKDAYS), None)
    if said is None or YEAR.search(text):
        return _on_day(parsed.date())
    # "Wednesday 13 May" names its year too: the one, of this year, the tense's and the years beside them, in which
    # 13 May is a Wednesday, whatever the tense leans to ("I booked you a train on Wednesday 13 May" read last year's).
    day = parsed.date()
    for year in sorted({y + d for y in (day.year, now.year) for d in (-1, 0, 1)}, key=lambda y: abs(y - now.year)):
        try:
            candidate = day.replace(year=year)
        except ValueError:  # 29 February
            continue
        if candidate.weekday() == said:
            return _on_day(candidate, weekday=True)
    return _on_day(day)


#: A time counted back or on from a day ("a week ago", "a month from now"): its "a week" is no "twice a week".
_COUNTED = re.compile(r"\b(?:a|an) (?:day|week|month|year) (?:ago|from now)\b")
#: "the last week", "the next day", "the first weekend": a part of something said before, no date of its own.
_PART_OF_SOMETHING = re.compile(r"^the (?:last|next|first|final|following) (?:day|night|week|weekend|month|year)s?$")


def recurs(text: str) -> bool:
    """Whether ``text`` says a time comes round ("every Monday", "on Tuesday evenings", "weekly")."""
    return _RECURRING.search(text) is not None


def resolve(phrase: str, now: dt.datetime, tense: Tense, month: int | None = None) -> ResolvedDate:
    """Read ``phrase`` (a DATE entity's words) against ``now`` for a sentence in ``tense``; ``month``: the one the
    talk is about (:func:`month_named`), for a day of the month said alone."""
    text = " ".join(WEEKDAYS_SHORT.get(w, w) for w in phrase.lower().replace(",", " ").split())
    if (ahead := _IN_AMOUNT.fullmatch(text)) is not None and tense is not Tense.PAST:
        # "running the marathon in two weeks": that far from now ("finished it in two weeks" is how long it took)
        return _ahead(now.date(), int(ahead[1]) if ahead[1].isdigit() else _NUMBER_WORDS[ahead[1]], ahead[2])
    text = re.sub(r"^(on|in|at|during|around|by|since|until) ", "", text)
    if _PART_OF_SOMETHING.match(text):
        return NOT_A_DATE  # "for the last week" of a stay, "the next day" after something: no day of the calendar
    if (part := _PART_OF.match(text)) is not None:
        return _part_of(part, now, tense, month)
    text = re.sub(r"^the ", "", text)
    if not text or _DURATION.match(text):
        return NOT_A_DATE
    if _RECURRING.search(text) and not _COUNTED.search(text):
        return RECURRING  # "twice a week"; not "a week ago", one day
    today = now.date()
    resolved = _relative(text, today, tense, month)
    if resolved is None:
        resolved = _explicit(text, now, tense)
    if resolved is None and (span := _RANGE.fullmatch(text)) is not None:
        resolved = _range(span, now, tense, month)
    if resolved is None and (part := _DAY_PART_AFTER.fullmatch(text)) is not None:
        resolved = _weekday_part(part, now, tense, month)
    return resolved or NOT_A_DATE


def _weekday_part(part: re.Match[str], now: dt.datetime, tense: Tense, month: int | None) -> ResolvedDate | None:
    """A weekday with a part of it ("next thursday afternoon"): "Thursday afternoon 3 December 2026"."""
    day = resolve(part["day"], now, tense, month)
    if day.start is None or not day.words or day.precision is not Precision.DAY \
            or day.words.split()[0].lower() not in WEEKDAYS:
        return None
    weekday, date = day.words.split(" ", 1)
    return ResolvedDate(day.start, Precision.DAY, f"{weekday} {part['part']} {date}")


#: A part of a month or a week said before it ("the end of March", "the last week of August", "mid-June").
_PART_OF = re.compile(r"^(?P<part>(?:the )?(?:end|start|beginning|middle|(?:first|second|third|last) week|"
                      r"(?:first|second) half) of(?: the)?|early|mid|late)(?P<joint>[\s-]+)(?P<rest>.+)$")


def _part_of(part: re.Match[str], now: dt.datetime, tense: Tense, month: int | None) -> ResolvedDate:
    """A part of a month, week or year ("the end of March"): when the whole is, as precise as the whole and said
    with the part ("the end of March 2027"); not a date when the whole is a day or no date."""
    rest = part["rest"]  # ("the end of the year": this one)
    whole = resolve(f"this {rest}" if rest in ("year", "month", "week") else rest, now, tense, month)
    if whole.start is None or whole.precision is Precision.DAY or not whole.words:
        return NOT_A_DATE
    joint = "-" if "-" in part["joint"] else " "
    said = part["part"].removesuffix(" the")  # "the end of 2026", not "the end of the 2026"
    return ResolvedDate(whole.start, whole.precision, f"{said}{joint}{whole.words}")


#: A weekday and a part of it ("thursday morning").
_DAY_PART_AFTER = re.compile(r"(?P<day>.+)\s(?P<part>" + "|".join(sorted(DAY_PARTS)) + ")")
#: Two dates said as a span in one phrase ("the 18th to the 2nd", "14 March - 2 April").
_RANGE = re.compile(r"(?P<first>.+?)\s*(?P<joint>\s(?:to|till|until|through)\s|-|–)\s*(?P<last>.+)")


def _range(span: re.Match[str], now: dt.datetime, tense: Tense, month: int | None) -> ResolvedDate:
    """A span of days ("the 18th to the 2nd", said on 30 November: 18 December 2026 to 2 January 2027), dated
    by its first day; its last on or after the first (a day of the month alone is next month's then)."""
    first = resolve(span["first"], now, tense, month)
    last = resolve(span["last"], now, tense, month)
    if first.start is None or last.start is None or not first.words or not last.words or first.recurring:
        return NOT_A_DATE
    if last.start < first.start and last.precision is Precision.DAY:
        if (day := ORDINAL_DAY.fullmatch(span["last"].removeprefix("the "))) is not None:
            year, number = _shift_month(first.start.replace(day=1), 1)
            if int(day[1]) <= calendar.monthrange(year, number)[1]:
                last = _on_day(dt.date(year, number, int(day[1])))
        else:
            last = weekday_after(last, first)
    joint = span["joint"].strip() or "-"
    return ResolvedDate(first.start, first.precision, f"{first.words} {'to' if joint in '-–' else joint} {last.words}")


def phrase_for(resolved: ResolvedDate, preposition_before: bool) -> str:
    """The words that stand for ``resolved`` in a fact ("on 30 November 2026"); ``preposition_before``:
    the sentence already has one ("in March" keeps its "in")."""
    assert resolved.words is not None
    if preposition_before:
        return resolved.words
    if resolved.precision is Precision.DAY or resolved.precision is Precision.WEEK and "weekend" in resolved.words:
        return f"on {resolved.words}"
    return f"in {resolved.words}"


def short_weekday(t: Token) -> bool:
    """Whether ``t`` is a weekday as chat shortens it, after a word a day follows ("on fri", "till Wed", "for thurs
    morning"): not "sat" or "sun" elsewhere, nor one before a noun ("after sun cream")."""
    return t.lower_ in WEEKDAYS_SHORT and t.ent_type_ != "DATE" and t.i > 0 \
        and t.doc[t.i - 1].lower_ in BEFORE_WEEKDAY and (
            t.i + 1 == len(t.doc) or t.nbor().pos_ != "NOUN" or t.nbor().lower_ in DAY_PARTS)
