"""Entity chips: a memory's entities as small buttons; a click asks to see that entity's memories."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QPushButton, QWidget

from memvault.domain.models import Memory

#: Chips shown at most (the most confident first, as the memory lists them).
MAX_CHIPS = 12
NONE = "No entities"
FINDING = "Finding entities…"


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the width runs out (chips never clip or scroll)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt's names, here and below)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _place(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            line = max(line, hint.height())
        return y + line - rect.y()


class EntityChips(QWidget):
    """The chips of the memory on show, wrapping onto more lines as needed; no I/O (they come with the memory).

    Signals:
        entity_clicked(str, str): the namespace and value of a chip that was clicked.
    """

    entity_clicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Entities")
        self.setObjectName("entityChips")
        self._layout = FlowLayout(self)
        self.chips: list[QPushButton] = []
        #: The line shown instead of chips ("No entities"), while the memory on show has none.
        self.empty: QLabel | None = None
        self.show_memory(None)

    def show_finding(self, finding: bool, why_none: str | None = None) -> None:
        """Say the memory's entities are still being found (queued for extraction), or that it has none (and why,
        when it is not only that its text names none)."""
        if self.empty is not None:
            self.empty.setText(FINDING if finding else why_none or NONE)

    def show_memory(self, memory: Memory | None) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                # Hidden now, deleted later: inside a nested event loop (a modal dialog's) a deferred delete
                # waits, and the last memory's chips stayed drawn under the new ones.
                item.widget().hide()
                item.widget().deleteLater()
        self.chips = []
        self.empty = None
        entities = memory.entities[:MAX_CHIPS] if memory is not None else ()
        if not entities:
            self.empty = QLabel(NONE if memory is not None else "")
            self.empty.setProperty("secondary", True)
            self._layout.addWidget(self.empty)
        for e in entities:
            chip = QPushButton(e.name)
            chip.setObjectName("chip")  # memvault.qss: a rounded, tinted pill with a focus ring
            chip.setToolTip(f"{e.type.value} · confidence {e.confidence:.2f}: show its memories")
            chip.setAccessibleName(f"Entity {e.name} ({e.type.value})")
            namespace, value = memory.namespace, e.value
            chip.clicked.connect(lambda _checked=False, ns=namespace, val=value: self.entity_clicked.emit(ns, val))
            self._layout.addWidget(chip)
            self.chips.append(chip)
        self._layout.invalidate()
