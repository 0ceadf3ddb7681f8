"""The detail pane: edit one memory and see (and restore) its versions."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.enums import EmbeddingStatus, Visibility
from memvault.domain.errors import MemvaultError
from memvault.domain.models import HistoryEntry, Memory, MemoryUpdate
from memvault.gui.detail_meta import GRID, MetadataBlock
from memvault.gui.entity_chips import EntityChips
from memvault.gui.entity_watch import EntityWatch
from memvault.gui.fact_info import fact_summary, linked_memory
from memvault.gui.history_lines import HistoryList, history_label
from memvault.gui.icons import icon
from memvault.gui.lost_edit import LostEdit
from memvault.gui.memory_edit import UNCHANGED, Fields, parse_metadata, update_from
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import parse_tags
from memvault.service.container import Services
from memvault.service.share_info import ChangeBy
from memvault.gui.wording import sentence, short

#: Versions the history list shows before it scrolls.
HISTORY_ROWS = 3
#: Qt's QWIDGETSIZE_MAX: no maximum height.
_UNBOUNDED = 16_777_215
VERSION = int(Qt.ItemDataRole.UserRole.value)
#: The line an empty pane shows; in the trash no new memory can be written (Ctrl+N is off there).
PICK = "Select a memory to read and edit it here, or press Ctrl+N to write a new one."
PICK_IN_TRASH = ("Select a memory in the trash to read it and restore it. Memories stay in the trash until you "
                 "empty it (or their time to live runs out).")


@dataclass(frozen=True)
class KeptEdit:
    """Edits taken from the pane to be stored by whoever closes the vault."""

    memory_id: str
    #: ``None``: only the metadata was edited.
    update: MemoryUpdate | None
    #: Why the metadata edit was left out (``None``: it is in ``update``, or was not edited).
    metadata_left_out: str | None


#: Where a memory is in the embedding queue, in a user's words.
SEARCHABLE = {
    EmbeddingStatus.READY: "searchable",
    EmbeddingStatus.PROCESSING: "being indexed for search",
    EmbeddingStatus.FAILED: "not searchable by meaning (indexing failed: Vault ▸ Re-embed memories…)",
}

class DetailPane(QWidget):
    """Shows the selected memory with editable fields, saved as note apps save.

    An edit is saved when focus leaves the pane, when another memory is shown,
    or on Ctrl+S; until then the title carries a dirty marker. Each save is a
    version, so the browser offers Undo (back to the version before).

    Signals:
        memory_saved(object, int): the :class:`Memory` after a save, and the version it replaced.
        version_restored(object, int): the :class:`Memory` after an earlier version was restored (as a new
            version, which is its own undo), and the version whose text it brought back.
        entity_clicked(str, str): namespace and value of an entity chip that was clicked.
        memory_read(object): the memory on show, read again with entities extracted after it was shown.
        memory_requested(str): the id of a memory a link in the pane points to (a fact's successor).
    """

    memory_saved = Signal(object, int)
    version_restored = Signal(object, int)
    entity_clicked = Signal(str, str)
    memory_read = Signal(object)
    memory_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._memory: Memory | None = None
        self._loading = False
        #: Why the edits on show could not be saved (the title says so until they can).
        self._problem: str | None = None
        self._dirty = False
        #: A newer version of the memory on show that arrived while it had unsaved edits (shown once they are saved).
        self._newer: Memory | None = None
        self.lost_edit: LostEdit | None = None  # the last edit refused after the pane went on (tests read it)
        self.title = QLabel("Select a memory")
        self.title.setAccessibleName("Memory title")
        self.content = QPlainTextEdit()
        self.content.setAccessibleName("Memory content")
        self.content.setObjectName("noteText")
        self.content.setTabChangesFocus(True)  # Tab moves on (a tab typed into a memory was a keyboard trap)  # reads as a note (memvault.qss), fields beneath
        self.entities = EntityChips()
        self.entities.entity_clicked.connect(self.entity_clicked)
        self.entity_watch = EntityWatch(services, runner, self.entities, self)
        self.entity_watch.memory_read.connect(self._on_entity_watch_memory_read)
        # An extracted fact's kind and provenance, and links to the fact that replaced it (or that it replaced).
        self.fact_info = QLabel()
        self.fact_info.setAccessibleName("Fact provenance")
        self.fact_info.setWordWrap(True)
        self.fact_info.setTextFormat(Qt.RichText)
        self.fact_info.setTextInteractionFlags(Qt.TextBrowserInteraction)
        self.fact_info.linkActivated.connect(self._on_fact_info_link_activated)
        # Beneath the text, quiet: the fields a person edits, then who wrote it, where and when.
        self.meta = MetadataBlock()
        self.memory_type, self.tags, self.confidential = self.meta.memory_type, self.meta.tags, self.meta.confidential
        self.importance, self.metadata = self.meta.importance, self.meta.metadata
        self.save = QPushButton(icon("save"), "Save")
        self.save.setAccessibleName("Save memory")
        self.save.setToolTip("Edits save by themselves when you leave this memory or its pane (or press Ctrl+S)")
        self.save.clicked.connect(self._on_save_clicked)
        self.save.setEnabled(False)  # until an edit
        self.history = HistoryList()
        self.history.currentItemChanged.connect(lambda _c, _p: self._update_restore())
        self.restore = QPushButton(icon("history"), "Restore this version")
        self.restore.setAccessibleName("Restore selected version")
        self.restore.setToolTip("Pick an earlier version in the list to bring its text back")
        self.restore.clicked.connect(self._on_restore_clicked)
        self.title.setProperty("secondary", True)
        self.title.setWordWrap(True)
        header = QHBoxLayout()
        header.setSpacing(GRID)
        header.addWidget(self.title, 1)
        header.addWidget(self.save, 0, Qt.AlignTop)
        history_title = QLabel("History")
        history_title.setObjectName("sectionTitle")
        # Nothing selected: one line saying what to do, not a greyed-out form.
        self.empty = QLabel(PICK)
        self.empty.setProperty("secondary", True)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignCenter)
        self._body = (self.title, self.save, self.content, self.meta, history_title, self.history, self.restore)
        layout = QVBoxLayout(self)
        layout.setSpacing(GRID)
        layout.addWidget(self.empty, 1)
        layout.addLayout(header)
        # The text and its history share the room the fields leave, the history a little more than half: at
        # 1366x768 that is three versions whose text wraps to a second line, and the note still reads whole.
        layout.addWidget(self.content, 4)
        layout.addWidget(self.entities)
        layout.addWidget(self.fact_info)
        layout.addWidget(self.meta)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 5)
        layout.addWidget(self.restore)
        # Wide enough for a history line to read as a sentence, not a column of words.
        self.setMinimumWidth(320)
        for signal in (self.content.textChanged, self.memory_type.currentTextChanged, self.tags.textChanged,
                       self.importance.valueChanged, self.metadata.textChanged, self.confidential.toggled):
            signal.connect(self._on_field_edited)
        QApplication.instance().focusChanged.connect(self._on_app_focus_changed)
        self.show_memory(None)

    def set_trash(self, trash: bool) -> None:
        """Word the empty pane for the trash (``True``) or a namespace."""
        self.empty.setText(PICK_IN_TRASH if trash else PICK)

    def memory(self) -> Memory | None:
        """The memory on show (``None``: nothing selected)."""
        return self._memory

    def show_memory(self, memory: Memory | None) -> bool:
        """Show ``memory`` (``None``: nothing selected); the same version again keeps unsaved edits.

        Edits of the memory shown before are saved first (they are never dropped silently). Edits that
        cannot be saved (metadata that is not JSON) keep their memory on show instead: ``False``, and the
        title says what to correct.
        """
        shown = self._memory
        if (self.dirty and memory is not None and shown is not None and memory.id == shown.id
                and memory.version > shown.version and memory.deleted_at is None):
            # Changed elsewhere (an agent, another process) while the user edits it: the edits stay on show, and
            # saving sends only the fields they changed, over the newer version.
            self._newer = memory
            self._show_title()
            return True
        same = memory is not None and self._memory is not None and (memory.id, memory.version, memory.deleted_at) == (
            self._memory.id, self._memory.version, self._memory.deleted_at)
        if not same and self.dirty and (memory is None or self._memory is None or memory.id != self._memory.id):
            if not self.save_now(quiet=True):
                # The metadata editor is where the fix goes; a collapsed one would hide the reason.
                self.meta.metadata_toggle.setChecked(True)
                return False
        before, self._memory, self._newer = self._memory, memory, None
        self.entities.show_memory(memory)
        self.entity_watch.follow(memory)
        # Tab goes from the text through its chips to the properties, in the order they read.
        previous = self.content
        for chip in (*self.entities.chips, self.memory_type):
            QWidget.setTabOrder(previous, chip)
            previous = chip
        self.meta.show_memory(memory)
        summary = None if memory is None else fact_summary(memory)
        self.fact_info.setText(summary or "")
        self.fact_info.setVisible(summary is not None)
        self._show_title()
        if same:
            return True
        self._loading = True
        try:
            self._fill(memory, again=before is not None and memory is not None and before.id == memory.id)
        finally:
            self._loading = False
        self.dirty = False
        self._problem = None
        self._show_title()
        return True

    def _on_entity_watch_memory_read(self, memory: Memory) -> None:
        shown = self._memory
        # Another version comes with its own change event (and its own reload); this one only adds chips.
        if shown is not None and (shown.id, shown.version) == (memory.id, memory.version):
            self.show_memory(memory)
            self.memory_read.emit(memory)

    def _fill(self, memory: Memory | None, *, again: bool = False) -> None:
        """``again``: a new version of the memory on show, whose editors keep the user's place (Ctrl+S put the
        cursor at the text's start, and what was typed next went there)."""
        enabled = memory is not None and memory.deleted_at is None
        for w in (self.content, self.memory_type, self.tags, self.confidential, self.importance, self.metadata,
                  self.history):
            w.setEnabled(enabled)
        self.save.setEnabled(enabled and self.dirty)
        self.restore.setEnabled(False)
        self.history.clear()
        self.empty.setVisible(memory is None)
        for widget in self._body:
            widget.setVisible(memory is not None)
        if memory is None:
            # Blank, not the last memory's values greyed out.
            self.title.setText("Select a memory")
            self.content.setPlainText("")
            self.metadata.setPlainText("")
            self.tags.clear()
            self.confidential.setChecked(False)
            self.memory_type.setCurrentIndex(-1)
            self.importance.clear()
            return
        _set_text(self.content, memory.content, keep_place=again)
        self.memory_type.setCurrentText(memory.memory_type.value)
        self.tags.setText(", ".join(memory.tags))
        self.tags.setCursorPosition(0)  # a long list shows its first tags, not its last
        self.importance.setValue(memory.importance)
        self.confidential.setChecked(memory.visibility is Visibility.CONFIDENTIAL)
        _set_text(self.metadata, json.dumps(memory.metadata, indent=2, ensure_ascii=False), keep_place=again)
        memory_id = memory.id
        sharing = self._services.sharing
        self._runner.run(lambda: (self._services.memories.history(memory_id),
                                  sharing.changes_of(memory_id) if sharing is not None else []),
                         lambda loaded: self._on_history_loaded(memory_id, *loaded), owner=self)

    @property
    def dirty(self) -> bool:
        """Whether the fields differ from the memory on show (the title says so, and Save is enabled)."""
        return self._dirty

    @dirty.setter
    def dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        memory = self._memory
        self.save.setEnabled(dirty and memory is not None and memory.deleted_at is None)

    def _show_title(self) -> None:
        memory = self._memory
        if memory is None:
            self.title.setText("Select a memory")
            return
        marker = " · <b>● edited</b> (saves when you leave this memory, Ctrl+S now)" if self.dirty else ""
        if self.dirty and self._newer is not None:
            marker += (f"<br>Changed elsewhere meanwhile (version {self._newer.version}): your edits go over it, "
                       "its other changes stay.")
        problem = "" if self._problem is None else (
            f"<br><span style='color:#c0392b'>Not saved: {html.escape(self._problem)}. "
            "Correct it to save this memory and go on to another.</span>")
        # A memory in the trash is found by no search, whatever its vectors.
        state = "in trash, not searched" if memory.deleted_at else SEARCHABLE[memory.embedding_status]
        # A long namespace with no place to wrap was drawn past the pane's edge: its middle gives way (whole in
        # the tooltip and in the facts below).
        self.title.setText(f"<b>{html.escape(short(memory.namespace, 24))}</b> · version {memory.version} · {state}"
                           + marker + problem)
        self.title.setToolTip(memory.namespace)

    def _on_field_edited(self, *_args: object) -> None:
        if self._loading or self._memory is None:
            return
        change = self._change()
        dirty = change != UNCHANGED
        # Once shown, the reason follows the field: it is reworded as the field changes and goes once it can be saved.
        problem = change if isinstance(change, str) and self._problem is not None else None
        if (dirty, problem) != (self.dirty, self._problem):
            self.dirty, self._problem = dirty, problem
            self._show_title()
        if not dirty and self._newer is not None:
            self.show_memory(self._newer)  # the edits were taken back: show what is stored now

    def _on_app_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        # Leaving the pane (not moving between its own fields) saves, as a note app does.
        if self.dirty and old is not None and self.isAncestorOf(old) and (new is None or not self.isAncestorOf(new)):
            self.save_now(quiet=True)

    def _change(self, *, leave_bad_metadata: bool = False) -> MemoryUpdate | str:
        """The update the fields make of the version they were filled from (:func:`memory_edit.update_from`)."""
        fields = Fields(self.content.toPlainText(), self.memory_type.currentText(), tuple(parse_tags(self.tags.text())),
                        self.importance.value(),
                        Visibility.CONFIDENTIAL if self.confidential.isChecked() else Visibility.PRIVATE,
                        self.metadata.toPlainText())
        return update_from(self._memory, fields, leave_bad_metadata=leave_bad_metadata)

    def edit_to_keep(self) -> KeptEdit | None:
        """The edits on show, for storing without this pane (the vault is locking; nothing may hold that up).

        Metadata that is not a JSON object is left out (the stored metadata stays) and the rest is kept. From
        here on the pane counts its edits as saved.
        """
        memory = self._memory
        if memory is None or memory.deleted_at is not None or not self.dirty:
            return None
        change = self._change(leave_bad_metadata=True)
        self.dirty = False
        left_out = parse_metadata(self.metadata.toPlainText())[1]
        return KeptEdit(memory.id, None if isinstance(change, str) else change, left_out)

    def save_now(self, *, quiet: bool = False) -> bool:
        """Save the edits of the memory on show, if any (Ctrl+S, leaving the pane, showing another memory).

        Metadata that is not a JSON object leaves the edits unsaved and the title says why (``quiet``: saving on
        the way elsewhere, which leaves the metadata editor as it is). ``False`` when the edits cannot be saved.
        """
        if self._memory is None or self._memory.deleted_at is not None:
            return True
        change = self._change()
        if change == UNCHANGED:
            self.dirty = False
            self._show_title()
            return True
        if isinstance(change, str):
            # Said once, in the pane's own line (a box on top would say it twice); the editor is where the fix goes.
            self._problem = change
            self._show_title()
            if not quiet:
                self.meta.metadata_toggle.setChecked(True)
            return False
        self.dirty = False
        # Undo goes back to the version this save went over: a newer one that arrived while the user typed.
        memory_id, before = self._memory.id, (self._newer or self._memory).version
        self._runner.run(lambda: self._services.memories.update(memory_id, change),
                         lambda memory: self._on_saved(memory, before),
                         lambda exc: self._on_save_failed(exc, memory_id, change), owner=self)
        return True

    def _on_save_failed(self, exc: MemvaultError, memory_id: str, change: MemoryUpdate) -> None:
        shown = self._memory
        if shown is None or shown.id != memory_id:
            # Saved on the way to another memory: the edit is only in the refused update now (lost_edit.py).
            self.lost_edit = LostEdit(self, self._runner, self._services, memory_id, change, exc,
                                      lambda memory: self.memory_saved.emit(memory, memory.version - 1))
            return
        self.dirty = True
        self._show_title()
        self._error(exc)

    def _on_fact_info_link_activated(self, link: str) -> None:
        memory_id = linked_memory(link)
        if memory_id:
            self.memory_requested.emit(memory_id)

    def _on_history_loaded(self, memory_id: str, entries: list[HistoryEntry],
                           changes: list[ChangeBy] | tuple[()] = ()) -> None:
        if self._memory is None or self._memory.id != memory_id:
            return
        self.history.clear()
        self._fit_history()
        by_time = {c.at: c for c in changes if not c.this_person}
        # Each version says what it changed since the one before it (two tag edits read alike).
        for before, e in reversed(list(zip([None, *entries], entries))):
            item = QListWidgetItem(history_label(e, by_time.get(e.changed_at), before))
            item.setData(VERSION, e.version)
            item.setToolTip(e.content)
            self.history.addItem(item)
        # One version needs no more than the list's least height: the room left goes to the note (a long note had
        # ~150 px at any window size while its one version sat in a list three times its height). Several share
        # the room as before (three wrapped versions in view at 1366x768).
        self.history.setMaximumHeight(self.history.minimumHeight() if self.history.count() == 1 else _UNBOUNDED)
        self._update_restore()

    def _fit_history(self) -> None:
        """Room for HISTORY_ROWS versions of two lines before the list scrolls, measured as the style draws them
        (at 1366x768 it showed one and a half while the text above had room to spare)."""
        probe = QListWidgetItem("v1\nv1")
        self.history.addItem(probe)
        entry = self.history.sizeHintForRow(self.history.row(probe)) + 2 * self.history.spacing()
        self.history.takeItem(self.history.row(probe))
        self.history.setMinimumHeight(HISTORY_ROWS * entry + 2 * self.history.frameWidth())

    def _update_restore(self) -> None:
        """Only an earlier version can be restored (not the one already current)."""
        item = self.history.currentItem()
        memory = self._memory
        self.restore.setEnabled(memory is not None and memory.deleted_at is None and item is not None
                                and int(item.data(VERSION)) != memory.version)

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", sentence(exc.message))

    def _on_save_clicked(self) -> None:
        self.save_now()

    def _on_restore_clicked(self) -> None:
        item = self.history.currentItem()
        if self._memory is None or item is None:
            return
        memory_id, version = self._memory.id, int(item.data(VERSION))
        self._runner.run(lambda: self._services.memories.restore_version(memory_id, version),
                         lambda memory: self._on_saved(memory, version, restored=True), self._error, owner=self)

    def _on_saved(self, memory: Memory, version: int, *, restored: bool = False) -> None:
        shown, on_restore = self._memory, self.restore.hasFocus()
        if shown is not None and shown.id == memory.id and not self.dirty:
            self.show_memory(memory)  # the user is still here and typed nothing since: show the new version
        if restored and on_restore:
            self.history.setFocus()  # the button goes grey on the new version: focus fell to the page list
        (self.version_restored if restored else self.memory_saved).emit(memory, version)


def _set_text(editor: QPlainTextEdit, text: str, *, keep_place: bool) -> None:
    """``text`` in ``editor``; with ``keep_place``, the cursor and scroll stay where they were (clamped)."""
    if keep_place and editor.toPlainText() == text:
        return
    position, scrolled = editor.textCursor().position(), editor.verticalScrollBar().value()
    editor.setPlainText(text)
    if keep_place:
        cursor = editor.textCursor()
        cursor.setPosition(min(position, editor.document().characterCount() - 1))  # UTF-16 units, as Qt's
        editor.setTextCursor(cursor)
        editor.verticalScrollBar().setValue(scrolled)
