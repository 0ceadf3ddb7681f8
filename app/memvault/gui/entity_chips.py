"""Entity chips: a memory's entities as small buttons; a click asks to see that entity's memories."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QWidget

from memvault.domain.models import Memory

#: Chips shown at most (the most confident first, as the memory lists them).
MAX_CHIPS = 12


class EntityChips(QScrollArea):
    """One row of chips for the memory on show; no I/O (the entities come with the memory).

    Signals:
        entity_clicked(str, str): the namespace and value of a chip that was clicked.
    """

    entity_clicked = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Entities")
        self.setObjectName("entityChips")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.NoFrame)
        self.setFixedHeight(38)
        self._row = QWidget()
        self._row.setObjectName("entityRow")
        self._layout = QHBoxLayout(self._row)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.setWidget(self._row)
        self.chips: list[QPushButton] = []
        self.show_memory(None)

    def show_memory(self, memory: Memory | None) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.chips = []
        entities = memory.entities[:MAX_CHIPS] if memory is not None else ()
        if not entities:
            empty = QLabel("No entities" if memory is not None else "")
            empty.setProperty("secondary", True)
            self._layout.addWidget(empty)
        for e in entities:
            chip = QPushButton(e.name)
            chip.setObjectName("chip")  # memvault.qss: a rounded, tinted pill with a focus ring
            chip.setToolTip(f"{e.type.value} · confidence {e.confidence:.2f}: show its memories")
            chip.setAccessibleName(f"Entity {e.name} ({e.type.value})")
            namespace, value = memory.namespace, e.value
            chip.clicked.connect(lambda _checked=False, ns=namespace, val=value: self.entity_clicked.emit(ns, val))
            self._layout.addWidget(chip)
            self.chips.append(chip)
        self._layout.addStretch(1)
