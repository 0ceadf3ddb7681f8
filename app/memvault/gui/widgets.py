"""Small widget builders shared by the pages, so every form looks and reads alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.enums import MemoryType, Visibility
from memvault.domain.errors import MemvaultError
from memvault.domain.models import MemoryCreate
from memvault.gui.icons import icon
from memvault.gui.tasks import CancelToken, TaskRunner
from memvault.gui.wording import sentence


def type_combo(first: str | None = None) -> QComboBox:
    """A combo of memory types (optionally preceded by an "any" entry)."""
    combo = QComboBox()
    combo.addItems(([first] if first else []) + [t.value for t in MemoryType])
    combo.setAccessibleName("Memory type" if first is None else "Filter by type")
    return combo


#: The first entry of a memory form's type combo: no type sent, the service classifies.
AUTOMATIC_TYPE = "automatic"


def chosen_type(combo: QComboBox) -> str | None:
    """The type picked in a form's combo; ``None`` for automatic."""
    text = combo.currentText()
    return None if text == AUTOMATIC_TYPE else text


def tags_edit(hint: str = "comma-separated") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(hint)
    edit.setAccessibleName("Tags")
    return edit


def first_focusable(container: QWidget) -> QWidget | None:
    """The first widget inside ``container`` that Tab would stop on (visible, enabled, takes focus by Tab)."""
    widget = container.nextInFocusChain()
    while widget is not container and container.isAncestorOf(widget):
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.TabFocus:
            return widget
        widget = widget.nextInFocusChain()
    return None


def parse_tags(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [t.strip() for t in text.split(",") if t.strip()]


#: What "confidential" does, said where a memory is made or marked so.
CONFIDENTIAL_MEANS = "Confidential: searches and agents leave it out unless they ask for confidential memories"


def confidential_box() -> QCheckBox:
    """The box that marks a memory confidential (its visibility)."""
    box = QCheckBox("Confidential")
    box.setAccessibleName("Confidential")
    box.setToolTip(CONFIDENTIAL_MEANS)
    return box


class MemoryForm(QWidget):
    """What a new memory needs from a person: text, namespace, type and tags.

    The one form behind both "New memory" and Quick capture, so the two never drift apart.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("What should your agents remember?")
        self.text.setAccessibleName("Memory text")
        self.text.setTabChangesFocus(True)
        self.namespace = QComboBox()
        self.namespace.setEditable(True)
        self.namespace.setAccessibleName("Namespace")
        # Automatic lets the service classify the memory from its meaning (as it does for agents);
        # picking a type here is the exception, not the rule.
        self.memory_type = type_combo(AUTOMATIC_TYPE)
        self.memory_type.setAccessibleName("Memory type")
        self.tags = tags_edit()
        self.confidential = confidential_box()
        form = QFormLayout()
        form.addRow("Namespace", self.namespace)
        form.addRow("Type", self.memory_type)
        form.addRow("Tags", self.tags)
        form.addRow("", self.confidential)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addLayout(form)

    def editor_for(self, name: str | None) -> QWidget:
        """The widget that takes the memory field ``name`` (a refusal's ``field``); the text for any other."""
        return {"namespace": self.namespace, "memory_type": self.memory_type, "tags": self.tags}.get(name, self.text)

    def set_namespaces(self, namespaces: list[str], current: str | None = None) -> None:
        """Offer ``namespaces``; keep what is typed (or ``current``) as the choice."""
        keep = current or self.namespace.currentText() or "default"
        # No edit: the choice reads as before once the list is filled (its signals would say it changed on the
        # way, and a New memory dialog took that for an edit and dropped the refusal it was showing).
        with QSignalBlocker(self.namespace):
            self.namespace.clear()
            self.namespace.addItems(namespaces or ["default"])
            self.namespace.setCurrentText(keep)

    def memory_create(self) -> MemoryCreate | None:
        """The memory the form describes, or ``None`` while the text is empty."""
        if not self.text.toPlainText().strip():
            return None
        return MemoryCreate(content=self.text.toPlainText(),
                            namespace=self.namespace.currentText().strip() or "default",
                            memory_type=chosen_type(self.memory_type), tags=parse_tags(self.tags.text()),
                            visibility=Visibility.CONFIDENTIAL if self.confidential.isChecked() else Visibility.PRIVATE)

    def clear_entry(self) -> None:
        """Empty what belongs to one memory: text, type and tags (left over, they would mark the next one unseen).

        The namespace stays: the next memory often goes where the last one went.
        """
        self.text.clear()
        self.memory_type.setCurrentText(AUTOMATIC_TYPE)
        self.tags.clear()
        self.confidential.setChecked(False)


def problem_label(name: str) -> QLabel:
    """A dialog's red line for what stopped it, hidden until there is something to say."""
    label = QLabel()
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color:#c0392b")
    label.setVisible(False)
    return label


def empty_state_over(view: QAbstractScrollArea, name: str, text: str = "", *, style: str = "padding: 24px;") -> QLabel:
    """A view's line for having nothing to show, over its viewport rather than instead of the view (the empty
    view still paints), hidden until its owner knows there is nothing."""
    label = QLabel(text)
    label.setAccessibleName(name)
    label.setAlignment(Qt.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(f"{style} background: transparent;")
    label.hide()
    QVBoxLayout(view.viewport()).addWidget(label)
    return label


def show_problem(label: QLabel, message: str) -> None:
    """Put a service's message (written lowercase, for logs and agents) on a :func:`problem_label`."""
    label.setText(sentence(message))
    label.setVisible(bool(message))


class NewMemoryDialog(QDialog):
    """The "New memory" dialog: a :class:`MemoryForm` with Save and Cancel.

    It stays open until whoever stores the memory calls :meth:`accept`, or :meth:`refuse` with the
    service's message: a refused memory is still there to correct.

    Signals:
        save_requested(MemoryCreate): Save (or Ctrl+Enter) with text in the form.
    """

    save_requested = Signal(object)

    def __init__(self, namespace: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New memory")
        self.resize(460, 300)
        self.form = MemoryForm()
        self.form.set_namespaces([namespace], namespace)
        self.problem = problem_label("New memory problem")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setToolTip("Save (Ctrl+Enter)")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.form.text.setFocus()
        # From any field: the editable namespace box, reached by Tab, took a Ctrl+Enter before the dialog saw it.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._on_buttons_accepted)
        # A problem is about the memory as it was when Save was pressed: any edit puts it away ("Write the
        # memory first." stayed on screen under the text written since).
        self.form.text.textChanged.connect(self._on_form_edited)
        self.form.namespace.currentTextChanged.connect(self._on_form_edited)
        self.form.tags.textChanged.connect(self._on_form_edited)

    def _on_form_edited(self, *_args: object) -> None:
        show_problem(self.problem, "")

    def _say(self, message: str, field: str | None = None) -> None:
        """Show what stopped the memory, with room of its own, and put the keyboard in the field to correct."""
        text_height = self.form.text.height()
        show_problem(self.problem, message)
        if message and self.isVisible():
            # The dialog grows by what the problem takes (the text lost a line to each line of it), and the room
            # is kept once given: neither the problem's coming nor its going moves the buttons or the text.
            self.layout().activate()
            self.problem.setMinimumHeight(self.problem.height())
            policy = self.problem.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            self.problem.setSizePolicy(policy)
            lost = text_height - self.form.text.height()
            if lost > 0:
                self.resize(self.width(), self.height() + lost)
        widget = self.form.editor_for(field)
        widget.setFocus(Qt.OtherFocusReason)
        if isinstance(widget, QComboBox) and widget.lineEdit() is not None:
            widget.lineEdit().selectAll()  # typing replaces what was refused

    def _on_buttons_accepted(self) -> None:
        data = self.form.memory_create()
        if data is None:
            self._say("Write the memory first.")
            return
        if not self.buttons.button(QDialogButtonBox.Save).isEnabled():
            return  # already on its way (Ctrl+Enter twice)
        self.buttons.button(QDialogButtonBox.Save).setEnabled(False)
        self.save_requested.emit(data)

    def refuse(self, message: str, field: str | None = None) -> None:
        """The memory was not stored: say why and let it be corrected (in ``field``, the memory field the
        refusal names, when it names one; else in the text)."""
        self.buttons.button(QDialogButtonBox.Save).setEnabled(True)
        self._say(message, field)

    def keyPressEvent(self, event) -> None:
        # Enter alone is a newline in the text; Ctrl+Enter saves, as in Quick capture (the text takes the key before
        # the shortcut above sees it, and does nothing with it).
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and event.modifiers() & Qt.ControlModifier:
            self._on_buttons_accepted()
            return
        super().keyPressEvent(event)


class _ElidedLabel(QLabel):
    """One line of plain text cut with "…" to the label's own width, again whenever that changes (the whole text
    in its tooltip)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.PlainText)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # takes the room it is given, no more
        self._full = ""

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics, width = self.fontMetrics(), max(self.width(), 40)
        text = self._full
        opened, closed = text.find("“"), text.rfind("”")
        if metrics.horizontalAdvance(text) > width and 0 <= opened < closed:
            # A quoted memory gives way first: cut at the end, "Undone: “…” is as it was" lost what was done.
            rest = text[:opened + 1] + text[closed:]
            room = width - metrics.horizontalAdvance(rest)
            if room > metrics.horizontalAdvance("…") * 4:
                text = text[:opened + 1] + metrics.elidedText(text[opened + 1:closed], Qt.ElideRight, room) \
                    + text[closed:]
        self.setText(metrics.elidedText(text, Qt.ElideRight, width))


class NoticeBar(QFrame):
    """A transient bar inside a view: a message (cut with "…" to the room it has) and, optionally, one action
    such as Undo.

    Signals:
        action_triggered(): the user pressed the bar's action button.
        shown(): a notice came up.
        dismissed(): the notice went (timed out, closed, or its action pressed).
    """

    action_triggered = Signal()
    shown = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")  # the style sheet's tinted, borderless bar
        self.setAccessibleName("Notice")
        # It shares a row with buttons: it takes the room they leave, and its text is cut to it.
        self.message = _ElidedLabel()
        self.message.setAccessibleName("Notice message")
        self.action = QPushButton()
        self.action.setAccessibleName("Notice action")
        self.action.clicked.connect(self._on_action_clicked)
        close = QPushButton(icon("clear"), "")
        close.setFlat(True)
        close.setAccessibleName("Dismiss notice")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)  # as tall as the buttons beside it, no taller
        layout.addWidget(self.message, 1)
        layout.addWidget(self.action)
        layout.addWidget(close)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_notice(self, text: str, action: str | None = None, timeout_ms: int = 8000) -> None:
        self.message.set_full_text(text)
        self.action.setText(action or "")
        self.action.setIcon(icon("undo") if action == "Undo" else QIcon())
        self.action.setVisible(action is not None)
        self.show()
        self._timer.start(timeout_ms)
        self.shown.emit()

    def message_text(self) -> str:
        """The whole message (the label may show it cut)."""
        return self.message.full_text()

    def has_action(self) -> bool:
        return self.isVisible() and self.action.isVisible()

    def dismiss(self) -> None:
        self._timer.stop()
        # Not isVisible(): on a page the user has left it is false, so a notice timing out there stayed, and came
        # back with its Undo minutes later, still undoing the old change.
        if not self.isHidden():
            self.hide()
            self.dismissed.emit()

    def _on_action_clicked(self) -> None:
        self.dismiss()
        self.action_triggered.emit()


def run_cancellable(parent: QWidget, runner: TaskRunner, label: str,
                    work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any],
                    finished: Callable[[Any], None]) -> QProgressDialog:
    """Run long ``work(report, cancelled)`` off the GUI thread behind a progress dialog with Cancel.

    ``work`` calls ``report(done, total)`` as it goes and checks ``cancelled()``
    between steps; ``finished`` gets its result (also after a cancel). A
    :class:`MemvaultError` closes the dialog and is shown in a message box.
    """
    token = CancelToken()
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Memvault")
    dialog.setMinimumDuration(300)
    dialog.setAccessibleName(label.rstrip("…"))
    dialog.canceled.connect(token.cancel)

    def on_progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)

    def on_done(result: Any) -> None:
        dialog.reset()
        finished(result)

    def on_error(exc: MemvaultError) -> None:
        dialog.reset()
        QMessageBox.warning(parent, "Memvault", sentence(exc.message))

    runner.run(lambda report: work(report, lambda: token.cancelled), on_done, on_error, on_progress, owner=parent)
    return dialog


def confirm_for_good(parent: QWidget, title: str, question: str, action: str) -> bool:
    """Ask before what cannot be undone: ``action`` ("&Delete for good") against Cancel, which Enter and Escape
    choose (a Yes by default emptied a trash with one keypress and said neither how much nor that it was final)."""
    box = QMessageBox(QMessageBox.Warning, title, question, parent=parent)
    box.setInformativeText("This cannot be undone.")
    go = box.addButton(action, QMessageBox.DestructiveRole)
    cancel = box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go
