"""The detail pane's version history in words: which version, what changed in it, when and who, its text."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QScrollArea

from memvault.domain.fields import FIELDS, Kind
from memvault.domain.models import HistoryEntry
from memvault.gui.memory_list import isolated
from memvault.service.share_info import ChangeBy

#: Characters of a version's text shown in the history list (the tooltip has all of it).
HISTORY_PREVIEW_CHARS = 200
#: The fields a version's snapshot keeps, so the ones that can differ between two versions.
_KEPT = tuple(f for f in FIELDS if f.history)
_ABSENT = object()


def _listed(values: list[str]) -> str:
    return ", ".join(isolated(v) for v in values)


def what_changed(before: HistoryEntry | None, after: HistoryEntry) -> str:
    """What ``after`` changed since ``before`` (its previous version), shortly: ``"tags +urgent −draft"``,
    ``"text edited"``, ``"type fact → preference"``; ``""`` for a first version or one that changed none of them.

    Two tag edits read "update" and a date alike; now each says which tags it added and removed.
    """
    if before is None:
        return ""
    said = []
    for spec in _KEPT:
        old, new = getattr(before, spec.name), getattr(after, spec.name)
        if old == new:
            continue
        noun = spec.name.removeprefix("memory_").replace("_", " ")
        if spec.kind is Kind.TEXT:
            said.append("text edited")
        elif spec.kind is Kind.TAGS:
            added = [f"+{isolated(t)}" for t in new if t not in old]
            removed = [f"−{isolated(t)}" for t in old if t not in new]
            said.append((f"{noun} " + " ".join(added + removed)) if added or removed else f"{noun} reordered")
        elif spec.kind is Kind.METADATA:
            keys = sorted(k for k in old.keys() | new.keys() if old.get(k, _ABSENT) != new.get(k, _ABSENT))
            said.append(f"{noun} {_listed(keys)}")
        elif spec.kind is Kind.NUMBER:
            said.append(f"{noun} {old:.2f} → {new:.2f}")
        else:
            said.append(f"{noun} {getattr(old, 'value', old)} → {getattr(new, 'value', new)}")
    return "; ".join(said)


def history_label(entry: HistoryEntry, by: ChangeBy | None = None, before: HistoryEntry | None = None) -> str:
    """Two lines: which version, what happened and what it changed (since ``before``), when (and who, for a
    change another person made in a shared namespace); then the start of its text."""
    when = dt.datetime.fromtimestamp(entry.changed_at).strftime("%Y-%m-%d %H:%M")
    text = " ".join(entry.content.split())
    if len(text) > HISTORY_PREVIEW_CHARS:
        text = text[: HISTORY_PREVIEW_CHARS - 1].rstrip() + "…"
    who = ""
    if by is not None:
        who = f" · by {by.name or by.person[:8]} on device {by.device[:8]}"
    change = what_changed(before, entry)
    return f"v{entry.version} · {entry.change}{': ' + change if change else ''} · {when}{who}\n{text}"


class HistoryList(QListWidget):
    """The versions, each line wrapped to the pane's width; it asks for no more height than its minimum.

    A list's default preferred height (~190 px) made the pane ask its scroll area for more than 1366x768 leaves
    once a second version existed: a scroll bar came, and "Restore this version" went below the window's edge.
    The room the text leaves still goes to the list (its stretch), so it grows where there is room.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Version history")
        self.setObjectName("history")  # the style sheet's rule for wrapped rows
        self.setWordWrap(True)
        self.setResizeMode(QListView.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setTextElideMode(Qt.ElideNone)
        self.setSpacing(2)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(super().sizeHint().width(), self.minimumHeight())

    def currentChanged(self, current: QModelIndex, previous: QModelIndex) -> None:  # noqa: N802 (Qt's name)
        """The version chosen by the arrow keys is brought into view in the scrolling pane around the list too
        (it stayed below the pane's edge)."""
        super().currentChanged(current, previous)
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is None or area.widget() is None or not current.isValid():
            return
        rect = self.visualRect(current)
        middle = self.viewport().mapTo(area.widget(), rect.center())
        area.ensureVisible(middle.x(), middle.y(), 0, rect.height() // 2 + 8)
