"""Counts, sizes and messages in words a person would write: "1 memory", "28 KB", "Namespace must be …"."""

from __future__ import annotations

from memvault.domain.words import plural

__all__ = ["plural", "size", "sentence"]


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
