"""Pure helpers for chart axes: tick values people can read and time buckets that fit a chart.

No Qt here, so the arithmetic is tested on its own.
"""

from __future__ import annotations

import datetime as dt
import math

#: Step multipliers per power of ten: ticks fall on 1, 2 or 5 times 10^k.
_STEPS = (1, 2, 5, 10)


def nice_ticks(max_value: float, max_intervals: int = 5, *, integer: bool = True) -> list[float]:
    """Evenly spaced ticks from 0 that cover ``max_value``, stepping by 1, 2 or 5 times a power of ten.

    ``nice_ticks(1131)`` is ``[0, 500, 1000, 1500]``, never 377/754/1131. With
    ``integer`` (counts), the step is at least 1, so labels printed as integers
    are all different (an empty chart gets ``[0, 1]``, not 0, 0, 0, 0, 1).
    """
    if max_intervals < 1:
        raise ValueError("max_intervals must be at least 1")
    top = max(float(max_value), 0.0)
    if top == 0:
        return [0.0, 1.0]
    raw = top / max_intervals
    if integer and raw <= 1:
        step = 1.0
    else:
        magnitude = 10.0 ** math.floor(math.log10(raw))
        step = next((m * magnitude for m in _STEPS if m * magnitude >= raw * (1 - 1e-9)), 10 * magnitude)
    count = max(1, math.ceil(top / step - 1e-9))
    return [round(i * step, 10) for i in range(count + 1)]


def timeline_buckets(per_day: dict[str, int], today: dt.date, max_bars: int = 16) -> tuple[str, dict[str, int]]:
    """Counts per ``"day"``, ``"week"`` or ``"month"`` (the finest that keeps at most ``max_bars``).

    ``per_day`` maps ISO dates (``"2024-05-14"``) to counts; gaps up to
    ``today`` are filled with zeros. Labels are short: ``"05-14"`` for days,
    ``"wk 05-13"`` for weeks (their Monday), ``"2024-05"`` for months; beyond
    ``max_bars`` months only the latest are kept.
    """
    if not per_day:
        return "day", {}
    days = {dt.date.fromisoformat(d): n for d, n in per_day.items()}
    first, last = min(days), max(max(days), today)
    if (last - first).days < max_bars:
        out = {(first + dt.timedelta(days=i)).strftime("%m-%d"): 0 for i in range((last - first).days + 1)}
        for day, n in days.items():
            out[day.strftime("%m-%d")] += n
        return "day", out
    monday = first - dt.timedelta(days=first.weekday())
    if (last - monday).days // 7 < max_bars:
        weeks = (last - monday).days // 7 + 1
        out = {"wk " + (monday + dt.timedelta(weeks=i)).strftime("%m-%d"): 0 for i in range(weeks)}
        for day, n in days.items():
            week_start = day - dt.timedelta(days=day.weekday())
            out["wk " + week_start.strftime("%m-%d")] += n
        return "week", out
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    skip = max(0, months - max_bars)
    out = {}
    for i in range(skip, months):
        year, month = divmod(first.year * 12 + first.month - 1 + i, 12)
        out[f"{year:04d}-{month + 1:02d}"] = 0
    for day, n in days.items():
        key = f"{day.year:04d}-{day.month:02d}"
        if key in out:
            out[key] += n
    return "month", out


def whole_percents(values: tuple[float, ...] | list[float]) -> list[int]:
    """Each value's share of their sum in whole percent, summing to 100 (largest remainders round up): rounded
    one by one, a pie's shares read 98% or 101% in all, and 12.5% read 12. Equal values read equal, though:
    where the cut falls inside a run of equal values, the run rounds half up alike ("event · 7 (18%)" beside
    "preference · 7 (17%)" read as an error), and only then may the sum miss 100 by less than the run's length."""
    total = sum(values)
    if total <= 0:
        return [0 for _ in values]
    exact = [100 * v / total for v in values]
    whole = [math.floor(e) for e in exact]
    remainder = [round(e - w, 9) for e, w in zip(exact, whole)]
    by_remainder = sorted(range(len(values)), key=lambda i: (-remainder[i], i))
    extra = 100 - sum(whole)
    raised = set(by_remainder[:extra])
    straddling = {values[i] for i in raised} & {values[i] for i in by_remainder[extra:]}
    return [w + (r >= 0.5 if v in straddling else i in raised)
            for i, (v, w, r) in enumerate(zip(values, whole, remainder))]
