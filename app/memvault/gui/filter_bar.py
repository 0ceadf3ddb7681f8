"""The browser's filters: two rows of fields that together make a :class:`MemoryFilter`."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.enums import MemoryType, TagMatch, Tier
from memvault.domain.models import MemoryFilter
from memvault.gui.widgets import parse_tags, tags_edit, type_combo

ANY_TYPE = "any type"
ANY_TIER = "any tier"
PERIODS: dict[str, float | None] = {"any time": None, "last 24 hours": 86400, "last 7 days": 7 * 86400,
                                    "last 30 days": 30 * 86400, "last year": 365 * 86400}


def metadata_filter(text: str) -> dict:
    """``key=value`` (value read as JSON when it is JSON, else as text); empty or malformed: no filter."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw.strip()
    return {key.strip(): value} if isinstance(value, (str, int, float, bool)) else {}


class FilterBar(QWidget):
    """Type, tier, tags, agent, importance, lifecycle; user, session, project, period, metadata, conflicts.

    Signals:
        filters_changed(): a field changed (typing is debounced, choices apply at once).
    """

    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.type_filter = type_combo(ANY_TYPE)
        self.tier_filter = QComboBox()
        self.tier_filter.addItems([ANY_TIER] + [t.value for t in Tier])
        self.tags_filter = tags_edit("tags, comma-separated")
        self.tag_match = QComboBox()
        for match, label in ((TagMatch.ANY, "any of the tags"), (TagMatch.ALL, "all of the tags")):
            self.tag_match.addItem(label, match)
        self.agent_filter = self._edit("agent")
        self.min_importance = QDoubleSpinBox()
        self.min_importance.setRange(0.0, 1.0)
        self.min_importance.setSingleStep(0.1)
        self.min_importance.setPrefix("importance ≥ ")
        self.include_archived = QCheckBox("archived")
        self.include_expired = QCheckBox("expired")
        self.only_conflicts = QCheckBox("conflicts")
        self.only_conflicts.setToolTip("Only memories edited on two devices at once (see the Sync page)")
        self.user_filter = self._edit("user")
        self.session_filter = self._edit("session")
        self.project_filter = self._edit("project")
        self.period_filter = QComboBox()
        self.period_filter.addItems(list(PERIODS))
        self.metadata_filter = self._edit("metadata key=value")
        # Two rows of about the same width, so the list and the detail pane share a small screen.
        rows = (((self.type_filter, "Filter by type"), (self.tier_filter, "Filter by tier"),
                 (self.tags_filter, "Filter by tags"), (self.tag_match, "Tags match any or all"),
                 (self.agent_filter, "Filter by agent"), (self.min_importance, "Minimum importance")),
                ((self.user_filter, "Filter by user"), (self.session_filter, "Filter by session"),
                 (self.project_filter, "Filter by project"), (self.period_filter, "Created within"),
                 (self.metadata_filter, "Filter by metadata key=value"),
                 (self.include_archived, "Include archived"), (self.include_expired, "Include expired"),
                 (self.only_conflicts, "Only conflicts")))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row in rows:
            line = QHBoxLayout()
            for widget, name in row:
                widget.setAccessibleName(name)
                line.addWidget(widget)
            layout.addLayout(line)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.filters_changed.emit)
        for edit in (self.tags_filter, self.agent_filter, self.user_filter, self.session_filter,
                     self.project_filter, self.metadata_filter):
            edit.textChanged.connect(lambda _t: self._debounce.start())
        self.min_importance.valueChanged.connect(lambda _v: self._debounce.start())
        for combo in (self.type_filter, self.tier_filter, self.tag_match, self.period_filter):
            combo.currentIndexChanged.connect(lambda _i: self.filters_changed.emit())
        for box in (self.include_archived, self.include_expired, self.only_conflicts):
            box.toggled.connect(lambda _b: self.filters_changed.emit())

    @staticmethod
    def _edit(hint: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(hint)
        return edit

    def memory_filter(self, namespace: str | None, only_deleted: bool) -> MemoryFilter:
        """What the fields ask for, in ``namespace`` (``None``: all) or the trash."""
        kind, tier = self.type_filter.currentText(), self.tier_filter.currentText()
        seconds = PERIODS[self.period_filter.currentText()]
        return MemoryFilter(
            namespace=namespace, agent_id=self.agent_filter.text().strip() or None,
            user_id=self.user_filter.text().strip() or None, session_id=self.session_filter.text().strip() or None,
            project=self.project_filter.text().strip() or None,
            created_after=None if seconds is None else time.time() - seconds,
            metadata=metadata_filter(self.metadata_filter.text()),
            memory_types=() if kind == ANY_TYPE else (MemoryType(kind),),
            tags=tuple(parse_tags(self.tags_filter.text())),
            tag_match=self.tag_match.currentData(), tier=None if tier == ANY_TIER else Tier(tier),
            min_importance=self.min_importance.value() or None, include_archived=self.include_archived.isChecked(),
            include_expired=self.include_expired.isChecked(), only_deleted=only_deleted,
            only_conflicts=self.only_conflicts.isChecked())

    def narrows(self) -> bool:
        """Whether any field narrows the list beyond its namespace or the trash."""
        return self.memory_filter(MemoryFilter.namespace, False) != MemoryFilter()
