"""The browser's filters: two rows of fields that together make a :class:`MemoryFilter`."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.enums import MemoryType, TagMatch, Tier
from memvault.domain.models import MemoryFilter
from memvault.gui.widgets import parse_tags, tags_edit, type_combo

#: Pixels a field needs beside its hint: the theme's 8 px padding, a 1 px border and Qt's 2 px margin each side.
HINT_ROOM = 24
ANY_TYPE = "any type"
ANY_TIER = "any tier"
PERIODS: dict[str, float | None] = {"any time": None, "last 24 hours": 86400, "last 7 days": 7 * 86400,
                                    "last 30 days": 30 * 86400, "last year": 365 * 86400}


def metadata_filter(text: str) -> dict:
    """``key=value`` (value read as JSON when it is JSON, else as text); empty or malformed: no filter."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw.strip()
    return {key.strip(): value} if isinstance(value, (str, int, float, bool)) else {}


def metadata_problem(text: str) -> str | None:
    """Why ``text`` filters nothing (it was ignored without a word, while the button counted it), or None."""
    if not text.strip() or metadata_filter(text):
        return None
    return "ignored: write key=value, e.g. source=chat"


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
        self.person_filter = self._edit("changed by (person id)")
        self.person_filter.setToolTip("Only memories this person created or changed in a namespace shared with other "
                                      "people (their person id, as `memvault share list --json` shows it)")
        # Progressive disclosure: the three filters people use most in one bar, the rest behind
        # "More filters"; whatever narrows the list shows as a chip that clears it.
        self.more_button = QPushButton("More filters")
        self.more_button.setCheckable(True)
        self.more_button.setAccessibleName("More filters")
        self.more_button.toggled.connect(self._on_more_button_toggled)
        self.tags_filter.setPlaceholderText("tags")
        rows = (((self.type_filter, "Filter by type"), (self.period_filter, "Created within"),
                 (self.tags_filter, "Filter by tags"), (self.more_button, None)),
                ((self.tier_filter, "Filter by tier"), (self.tag_match, "Tags match any or all"),
                 (self.agent_filter, "Filter by agent"), (self.min_importance, "Minimum importance")),
                ((self.user_filter, "Filter by user"), (self.session_filter, "Filter by session"),
                 (self.project_filter, "Filter by project"), (self.metadata_filter, "Filter by metadata key=value")),
                ((self.include_archived, "Include archived"), (self.include_expired, "Include expired"),
                 (self.only_conflicts, "Only conflicts"), (self.person_filter, "Filter by person")))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.more = QWidget()
        more = QVBoxLayout(self.more)
        more.setContentsMargins(0, 0, 0, 0)
        more.setSpacing(8)
        for index, row in enumerate(rows):
            line = QHBoxLayout()
            line.setSpacing(8)
            for widget, name in row:
                if name:
                    widget.setAccessibleName(name)
                line.addWidget(widget, 1 if widget is self.tags_filter else 0)
            if index:
                line.addStretch(1)
            (layout if index == 0 else more).addLayout(line)
        layout.addWidget(self.more)
        self.more.hide()
        self.chips = QHBoxLayout()
        self.chips.setSpacing(8)
        self.chips.addStretch(1)
        layout.addLayout(self.chips)
        self.filters_changed.connect(self._show_chips)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.filters_changed.emit)
        for edit in (self.tags_filter, self.agent_filter, self.user_filter, self.session_filter,
                     self.project_filter, self.metadata_filter, self.person_filter):
            edit.textChanged.connect(lambda _t: self._debounce.start())
        self.min_importance.valueChanged.connect(lambda _v: self._debounce.start())
        for combo in (self.type_filter, self.tier_filter, self.tag_match, self.period_filter):
            combo.currentIndexChanged.connect(lambda _i: self.filters_changed.emit())
        for box in (self.include_archived, self.include_expired, self.only_conflicts):
            box.toggled.connect(lambda _b: self.filters_changed.emit())

    def _on_more_button_toggled(self, shown: bool) -> None:
        self.more.setVisible(shown)
        self._show_chips()

    def _active(self) -> list[tuple[str, object]]:
        """The narrowing fields behind "More filters", as (chip text, widget to clear)."""
        found: list[tuple[str, object]] = []
        if self.tier_filter.currentIndex() > 0:
            found.append((self.tier_filter.currentText(), self.tier_filter))
        for edit, label in ((self.agent_filter, "agent"), (self.user_filter, "user"), (self.session_filter, "session"),
                            (self.project_filter, "project"), (self.metadata_filter, "metadata"),
                            (self.person_filter, "changed by")):
            if edit.text().strip():
                problem = metadata_problem(edit.text()) if edit is self.metadata_filter else None
                found.append((f"{label}: {edit.text().strip()}" + (f" ({problem})" if problem else ""), edit))
        if self.min_importance.value():
            found.append((f"importance ≥ {self.min_importance.value():.2f}", self.min_importance))
        for box in (self.include_archived, self.include_expired, self.only_conflicts):
            if box.isChecked():
                found.append((box.text(), box))
        return found

    def _show_chips(self) -> None:
        while self.chips.count() > 1:
            widget = self.chips.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        active = self._active()
        self.more_button.setText(f"More filters ({len(active)})" if active else "More filters")
        problem = metadata_problem(self.metadata_filter.text())
        self.metadata_filter.setToolTip(problem.capitalize() if problem else "Filter by metadata key=value")
        if self.metadata_filter.property("problem") != bool(problem):
            self.metadata_filter.setProperty("problem", bool(problem))
            self.metadata_filter.style().unpolish(self.metadata_filter)
            self.metadata_filter.style().polish(self.metadata_filter)
        if self.more.isVisible():
            return
        before = self.more_button
        for text, widget in active:
            chip = QPushButton(f"{text}  ✕")
            chip.setObjectName("chip")
            chip.setAccessibleName(f"Clear filter {text}")
            chip.clicked.connect(lambda _c=False, w=widget: self._on_chip_clicked(w))
            self.chips.insertWidget(self.chips.count() - 1, chip)
            # Right after the filters they clear: made later, they came last in the Tab order (after New).
            QWidget.setTabOrder(before, chip)
            before = chip

    def _on_chip_clicked(self, widget) -> None:
        # The chip goes with its filter: the keyboard stays in the filters, where it was (it was left nowhere).
        if self.focusWidget() is not None and self.focusWidget().objectName() == "chip":
            self.more_button.setFocus(Qt.TabFocusReason)
        self._clear(widget)

    @staticmethod
    def _clear(widget) -> None:
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(0)
        elif isinstance(widget, QLineEdit):
            widget.clear()
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(0.0)
        else:
            widget.setChecked(False)

    @staticmethod
    def _edit(hint: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(hint)
        # As wide as its hint and the theme's padding: a clipped "metadata key=v…" did not say what to type.
        edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(hint) + HINT_ROOM)
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
            only_conflicts=self.only_conflicts.isChecked(), changed_by=_person_id(self.person_filter.text()))

    def clear_all(self) -> None:
        """Every field back to "any" (the empty list's "Clear filters"); the list is read again once."""
        fields = (self.type_filter, self.tier_filter, self.period_filter, self.tags_filter, self.agent_filter,
                  self.user_filter, self.session_filter, self.project_filter, self.metadata_filter,
                  self.person_filter, self.min_importance, self.include_archived, self.include_expired,
                  self.only_conflicts)
        for widget in fields:
            widget.blockSignals(True)
            self._clear(widget)
            widget.blockSignals(False)
        self._debounce.stop()
        self.filters_changed.emit()

    def narrows(self) -> bool:
        """Whether any field narrows the list beyond its namespace or the trash."""
        return self.memory_filter(MemoryFilter.namespace, False) != MemoryFilter()


def _person_id(text: str) -> str | None:
    """A whole person id (32 hex characters) filters; anything shorter is still being typed."""
    value = text.strip().lower()
    return value if len(value) == 32 and all(c in "0123456789abcdef" for c in value) else None
