"""Counts, sizes, times and messages in words a person would write: "1 memory", "28 KB", "5 min ago",
"Namespace must be …"."""

from __future__ import annotations

import datetime as dt
import time

from memvault.domain.words import plural

__all__ = ["ago", "plural", "short", "size", "sentence"]


def ago(at: float | None, now: float | None = None) -> str:
    """How long since ``at``, one rule on every page (the list, the detail pane, Sync): ``"just now"`` under a
    minute, ``"5 min ago"`` under an hour, ``"3 h ago"`` under a day; older, the day: ``"yesterday"``,
    ``"12 Nov"``, ``"12 Nov 2025"`` (the year only when it is not this one); ``"never"`` for no time at all."""
    if at is None:
        return "never"
    now = time.time() if now is None else now
    seconds = max(0.0, now - at)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    day, today = dt.date.fromtimestamp(at), dt.date.fromtimestamp(now)
    if (today - day).days == 1:
        return "yesterday"
    return f"{day.day} {day:%b}" + ("" if day.year == today.year else f" {day.year}")


def short(name: str, most: int = 32) -> str:
    """``name`` cut to ``most`` characters with "…" in its middle (a namespace may be 64 characters with no
    space, and its start and end are what tell two apart)."""
    if len(name) <= most:
        return name
    head = most // 2
    return name[:head] + "…" + name[len(name) - (most - 1 - head):]


def size(num_bytes: float) -> str:
    """``"812 bytes"``, ``"28 KB"``, ``"3.4 MB"``, ``"1.2 GB"`` (decimal units, as file managers show)."""
    if num_bytes < 1000:
        return plural(int(num_bytes), "byte")
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        value = num_bytes / scale
        if value < 999.5 or unit == "GB":
            return f"{value:,.0f} {unit}" if value >= 10 or unit == "KB" else f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")


def sentence(message: str, lead: str | None = None) -> str:
    """A service's message as a sentence for a person: a capital first letter and a full stop.

    Services write for logs and agents ("namespace must be …", no full stop); every error the GUI shows goes
    through here. ``lead`` goes first, and the message after its colon as written: ``"Lead: message."``.
    """
    text = message.strip()
    if lead is not None:
        text = f"{lead}: {text}" if text else lead
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def in_scope(namespace: str | None) -> str:
    """Where a page looks: "in work", or "in all namespaces" (a long name's middle gives way)."""
    return f"in {short(namespace)}" if namespace else "in all namespaces"
