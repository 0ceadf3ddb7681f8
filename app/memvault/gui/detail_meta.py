"""The quiet block under a memory's text in the detail pane: what it is, who wrote it, when, and its fields.

A note app shows the note first and its properties beneath in smaller, muted
type; so does this block. Facts about the memory (agent, namespace, times,
source, the person it is about) are read-only text in two columns; the fields a
person edits (type, tags, importance) sit above them, and the raw metadata
JSON is one click (or Space) away instead of a box that is always open.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTextBoundaryFinder, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.models import Memory
from memvault.gui.widgets import confidential_box, tags_edit, type_combo
from memvault.gui.wording import ago

#: The grid's unit (px): every gap in the block is one or two of these.
GRID = 8
#: One step of the type scale (points) between a value and its label; labels stay readable at the floor.
TYPE_STEP = 1.0
MIN_POINT_SIZE = 7.5
#: Pixels a QLineEdit keeps between its contents rectangle and its text (Qt's own, not the style's).
_LINE_EDIT_MARGIN = 2
#: Width (px) from which the facts sit two a row ("Created 2026-11-25 09:14 · 3 h ago" beside "Updated …").
TWO_COLUMNS_MIN_WIDTH = 520
#: Read-only facts in the order shown. Whom an extracted fact is about is said once, in its summary above
#: (:mod:`memvault.gui.fact_info`): an "About" row here said it a second time.
FACT_LABELS = ("Agent", "Namespace", "Project", "Created", "Updated", "Expires", "Source", "User", "Session")


def stamp(at: float, now: float | None = None) -> str:
    """``"2026-11-25 09:14 · 3 h ago"``: the exact time and how long ago, for the block."""
    return f"{dt.datetime.fromtimestamp(at).strftime('%Y-%m-%d %H:%M')} · {ago(at, now)}"


def _until(at: float, now: float) -> str:
    """``"in 3 days"``, ``"in 5 h"``, ``"in 12 min"``, or ``"expired"``: how long a memory has left."""
    left = at - now
    if left <= 0:
        return "expired"
    if left >= 2 * 86400:
        return f"in {int(left // 86400)} days"
    return f"in {int(left // 3600)} h" if left >= 3600 else f"in {max(1, int(left // 60))} min"


def _expires(at: float | None, now: float) -> str | None:
    """When a memory with a time to live is forgotten: the exact time and how long is left."""
    if at is None:
        return None
    return f"{dt.datetime.fromtimestamp(at).strftime('%Y-%m-%d %H:%M')} · {_until(at, now)}"


def _source(memory: Memory) -> str | None:
    source = memory.metadata.get("source")
    if isinstance(source, str) and source.strip():
        return source.strip()
    return memory.client_id


def facts_of(memory: Memory, now: float | None = None) -> list[tuple[str, str]]:
    """The block's read-only ``(label, value)`` rows for ``memory``; a fact it does not have is left out."""
    now = time.time() if now is None else now
    values: dict[str, Any] = {
        "Agent": memory.agent_id, "Namespace": memory.namespace, "Project": memory.project,
        "Created": stamp(memory.created_at, now),
        "Updated": stamp(memory.updated_at, now) if memory.updated_at != memory.created_at else None,
        "Expires": _expires(memory.expires_at, now),
        "Source": _source(memory), "User": memory.user_id, "Session": memory.session_id,
    }
    return [(label, str(values[label])) for label in FACT_LABELS if values[label]]


def _quiet(text: str = "") -> QLabel:
    """A property's name: the secondary colour (memvault.qss) one step down the type scale from the values."""
    label = QLabel(text)
    label.setProperty("secondary", True)
    label.setObjectName("metaLabel")
    font = label.font()
    font.setPointSizeF(max(MIN_POINT_SIZE, font.pointSizeF() - TYPE_STEP))
    label.setFont(font)
    return label


def shortened_runs(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` with each run that has no place to wrap and is wider than ``width`` pixels cut to it with "…" in
    its middle; the rest as it is (a label wraps it at spaces, hyphens and the other places lines may break)."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.Line, text)
    # The finder counts UTF-16 units (an emoji is two): the text is cut in them.
    units = text.encode("utf-16-le")
    runs, start = [], 0
    while (end := finder.toNextBoundary()) != -1:
        run = units[2 * start:2 * end].decode("utf-16-le")
        word = run.rstrip()
        if metrics.horizontalAdvance(word) > width:
            run = metrics.elidedText(word, Qt.ElideMiddle, width) + run[len(word):]
        runs.append(run)
        start = end
    return "".join(runs)


class FactValue(QLabel):
    """A read-only value of the block: wraps to the lines it needs, and a run too long for a line (a URL, an id
    with no hyphen) is shortened with "…" to the label's width; the whole value is in its tooltip.

    A label wraps only where a line may break, and such a run was drawn past the pane's edge, cut.
    """

    def __init__(self) -> None:
        super().__init__()
        self._value = ""
        self.setObjectName("metaValue")
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.setWordWrap(True)
        # The grid gives it its width (whatever its text); its height follows from that width (the policy set
        # here replaces the one word wrap set, which asked for that: a second line was cut off without it).
        policy = QSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_value(self, text: str) -> None:
        self._value = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        self.setText(shortened_runs(self._value, self.fontMetrics(), width) if width > 0 else self._value)


class MetadataBlock(QFrame):
    """The editable fields and the read-only facts of the memory on show, beneath its text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metaBlock")
        self.memory_type = type_combo()
        self.tags = tags_edit("add tags, comma-separated")
        self.confidential = confidential_box()
        self.importance = QDoubleSpinBox()
        self.importance.setRange(0.0, 1.0)
        self.importance.setSingleStep(0.05)
        self.importance.setAccessibleName("Importance")
        self.metadata = QPlainTextEdit()
        self.metadata.setAccessibleName("Metadata (JSON)")
        self.metadata.setTabChangesFocus(True)
        self.metadata.setMaximumHeight(88)
        self.metadata.setVisible(False)
        self.metadata_toggle = QPushButton("Metadata (JSON) ▸")
        self.metadata_toggle.setObjectName("metaToggle")
        self.metadata_toggle.setFlat(True)
        self.metadata_toggle.setCheckable(True)
        self.metadata_toggle.setAccessibleName("Show the metadata JSON")
        self.metadata_toggle.toggled.connect(self._on_metadata_toggle_toggled)
        fields = self._fields = QGridLayout()
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setHorizontalSpacing(2 * GRID)
        fields.setVerticalSpacing(GRID)
        fields.addWidget(_quiet("Type"), 0, 0)
        fields.addWidget(self.memory_type, 0, 1)
        self._importance_label = _quiet("Importance")
        #: Whether Importance sits beside Type (``None``: not laid out yet).
        self._importance_beside: bool | None = None
        # Tags is a row of its own so its field can start before the value column: frameless until hovered, its
        # text reads as a value and starts where the values beneath it do (its padding put it 11 px further in).
        self._tags_label = _quiet("Tags")
        self._tags_row = QHBoxLayout()
        self._tags_row.setContentsMargins(0, 0, 0, 0)
        self._tags_row.addWidget(self._tags_label)
        self._tags_row.addWidget(self.tags, 1)
        self._tags_row.addWidget(self.confidential)
        fields.setColumnStretch(1, 1)
        self.facts = QGridLayout()
        self.facts.setContentsMargins(0, 0, 0, 0)
        self.facts.setHorizontalSpacing(2 * GRID)
        self.facts.setVerticalSpacing(GRID // 2)
        self.facts.setColumnStretch(1, 1)
        self.facts.setColumnStretch(3, 1)
        #: The read-only value labels by their row's label ("Agent": FactValue), hidden when the memory lacks it.
        self.values: dict[str, FactValue] = {}
        self._names: dict[str, QLabel] = {}
        self._shown: list[tuple[str, str]] = []
        self._columns = 0
        for name in FACT_LABELS:
            label, value = _quiet(name), FactValue()
            value.setAccessibleName(name)
            self.values[name], self._names[name] = value, label
        # One label column for the editors and the facts, as wide as the widest label: values line up.
        labels = [_quiet(t) for t in ("Type", "Importance", "Tags", *FACT_LABELS)]
        label_width = max(label.sizeHint().width() for label in labels)
        for grid in (fields, self.facts):
            grid.setColumnMinimumWidth(0, label_width)
        self._label_width = label_width
        self._tags_label.setFixedWidth(label_width)
        self._lay_out_fields()
        toggle_row = QHBoxLayout()
        toggle_row.setContentsMargins(0, 0, 0, 0)
        toggle_row.addWidget(self.metadata_toggle)
        toggle_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, GRID, 0, 0)
        layout.setSpacing(GRID)
        layout.addLayout(fields)
        layout.addLayout(self.facts)
        layout.addLayout(toggle_row)
        layout.addWidget(self.metadata)
        self._memory: Memory | None = None
        # "3 min ago" goes on counting, as the list's second lines do (it said "1 min ago" beside their "2").
        self.clock = QTimer(self, interval=30_000)
        self.clock.timeout.connect(lambda: self.show_memory(self._memory) if self._memory is not None else None)
        self.clock.start()
        self.show_memory(None)

    def editors(self) -> tuple[QWidget, ...]:
        return self.memory_type, self.tags, self.confidential, self.importance, self.metadata

    def show_memory(self, memory: Memory | None, now: float | None = None) -> None:
        """Fill the read-only facts (the editors are filled by the pane, which tracks their edits)."""
        self._memory = memory
        self._shown = facts_of(memory, now) if memory is not None else []
        for name, text in self._shown:
            self.values[name].set_value(text)
        self._lay_out_facts()
        self.metadata_toggle.setVisible(memory is not None)
        if memory is None:
            self.metadata_toggle.setChecked(False)

    def columns(self) -> int:
        """Facts a row: two side by side when the pane is wide enough for a date beside a date, else one."""
        return 2 if self.width() >= TWO_COLUMNS_MIN_WIDTH else 1

    def _lay_out_facts(self) -> None:
        """The facts the memory has, in order, ``columns()`` a row, with no holes where one is missing."""
        columns = self._columns = self.columns()
        # One column: the value takes the row (an empty second column would halve it and wrap the dates).
        self.facts.setColumnStretch(3, 1 if columns == 2 else 0)
        self.facts.setColumnMinimumWidth(2, self._label_width if columns == 2 else 0)
        for name in FACT_LABELS:
            for widget in (self._names[name], self.values[name]):
                self.facts.removeWidget(widget)
                widget.setVisible(False)
        for index, (name, _text) in enumerate(self._shown):
            row, column = divmod(index, columns)
            self.facts.addWidget(self._names[name], row, 2 * column)
            self.facts.addWidget(self.values[name], row, 2 * column + 1)
            self._names[name].setVisible(True)
            self.values[name].setVisible(True)

    def _importance_fits_beside_type(self) -> bool:
        """Whether the block is wide enough for Importance beside Type, each at its least width (a type name
        is never cut); narrower, Importance goes beneath Type."""
        row = (self._label_width + self.memory_type.minimumSizeHint().width()
               + self._importance_label.sizeHint().width() + self.importance.minimumSizeHint().width())
        return self.width() >= row + 3 * self._fields.horizontalSpacing()

    def _lay_out_fields(self) -> None:
        """Type and Importance in a row when they fit (at the window's least width they needed ~380 px of a
        pane held to 320, and the type read "prefere"), else one beneath the other; then the tags."""
        beside = self._importance_beside = self._importance_fits_beside_type()
        fields = self._fields
        for item in (self._importance_label, self.importance):
            fields.removeWidget(item)
        fields.removeItem(self._tags_row)
        fields.addWidget(self._importance_label, *((0, 2) if beside else (1, 0)))
        fields.addWidget(self.importance, *((0, 3) if beside else (1, 1)))
        fields.addLayout(self._tags_row, 1 if beside else 2, 0, 1, 4 if beside else 2)
        fields.setColumnStretch(3, 1 if beside else 0)
        # One beneath the other, each keeps its own width: a type name does not need the pane's.
        for field in (self.memory_type, self.importance):
            fields.setAlignment(field, Qt.Alignment() if beside else Qt.AlignLeft)

    def _align_tags(self) -> None:
        """The tags' text in the value column: the field begins its text's inset (frame, padding, the line edit's
        own margin, as the style and style sheet draw them) before it."""
        self.tags.ensurePolished()
        option = QStyleOptionFrame()
        self.tags.initStyleOption(option)
        contents = self.tags.style().subElementRect(QStyle.SE_LineEditContents, option, self.tags)
        inset = contents.left() + self.tags.textMargins().left() + _LINE_EDIT_MARGIN
        self._tags_row.setSpacing(max(0, 2 * GRID - inset))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.StyleChange:
            self._align_tags()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._align_tags()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.columns() != self._columns:
            self._lay_out_facts()
        if self._importance_fits_beside_type() != self._importance_beside:
            self._lay_out_fields()

    def _on_metadata_toggle_toggled(self, shown: bool) -> None:
        self.metadata.setVisible(shown)
        self.metadata_toggle.setText("Metadata (JSON) ▾" if shown else "Metadata (JSON) ▸")
        self.metadata_toggle.setAccessibleName("Hide the metadata JSON" if shown else "Show the metadata JSON")
        if shown:
            self.metadata.setFocus(Qt.TabFocusReason)
