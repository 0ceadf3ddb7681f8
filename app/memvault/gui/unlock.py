"""Creating and unlocking the vault: dialogs whose work runs off the GUI thread."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.limits import MIN_PASSPHRASE_CHARS

ERROR_STYLE = "color:#c0392b; font-weight:bold"
#: The passphrase dialogs' least width (px).
DIALOG_WIDTH = 440


def strength(passphrase: str) -> tuple[int, str]:
    """A rough 0-4 score and a hint; length matters most for passphrases."""
    classes = sum(any(f(c) for c in passphrase) for f in (str.islower, str.isupper, str.isdigit,
                                                          lambda c: not c.isalnum()))
    n = len(passphrase)
    if n < MIN_PASSPHRASE_CHARS:
        return 0, f"Too short: use at least {MIN_PASSPHRASE_CHARS} characters"
    score = 1 + (n >= 12) + (n >= 16 or (n >= 12 and classes >= 3)) + (n >= 20 and classes >= 2)
    hints = {1: "Weak: a few more words would help", 2: "Fair", 3: "Good", 4: "Strong"}
    return min(score, 4), hints[min(score, 4)]


#: What each dialog's busy bar is doing, by its OK button's text.
BUSY_WORDS = {"Unlock": "Unlocking: checking the passphrase takes a moment…",
              "Create vault": "Creating the vault and its keys…"}


class _PassphraseDialog(QDialog):
    """Shared layout: the intro (which errors never replace), the passphrase form, an error line,
    a busy bar and OK/Cancel. The passphrase field has the keyboard focus whenever the dialog opens.

    Signals:
        submitted(str): the passphrase the user entered.
    """

    submitted = Signal(str)

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setAccessibleName("About this vault")
        self.form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setAccessibleName("Status message")
        self.message.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Working")
        #: What the busy bar is doing, in words (a bar alone said nothing while the key was derived).
        self.busy_words = QLabel(BUSY_WORDS.get(ok_text, "Working…"))
        self.busy_words.setProperty("secondary", True)
        self.busy_words.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(ok_text)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy_words)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        # The dialog is always as tall as the lines it shows: a resizable one kept the busy lines' height once
        # an error replaced them (an empty band), and Openbox drew its resize handle, a strip under the buttons
        # that read as a sliver of the busy bar. The least width goes to the intro, which a fixed size follows.
        layout.setSizeConstraint(QLayout.SetFixedSize)
        margins = layout.contentsMargins()
        self.intro.setMinimumWidth(DIALOG_WIDTH - margins.left() - margins.right())
        # Enter in a passphrase field presses the OK button, whichever widget had focus before. Only once the
        # button is inside the dialog does QDialog keep it as the default to return to: made default before,
        # Cancel stayed the default once Tab had passed over it, and Enter cancelled (and quit the app).
        self.buttons.button(QDialogButtonBox.Ok).setDefault(True)

    def setVisible(self, visible: bool) -> None:
        # Before showing: the buttons come first in the focus chain, and QDialog would pick
        # them (or a widget it remembers from the last time it was shown).
        if visible:
            self.passphrase.setFocus()
        super().setVisible(visible)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy_words.setVisible(busy)
        self.buttons.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        """Show ``text`` below the form; the intro (vault path, warnings) stays."""
        self.set_busy(False)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def clear_error(self) -> None:
        self.message.clear()
        self.message.setVisible(False)


class UnlockDialog(_PassphraseDialog):
    """Asks for the passphrase; a wrong one says so and lets the user retry."""

    def __init__(self, vault_path: str, parent: QWidget | None = None) -> None:
        super().__init__("Unlock Memvault", "Unlock", parent)
        self.intro.setText(f"Enter the passphrase of the vault in<br><code>{html.escape(vault_path)}</code>")
        self.passphrase.setAccessibleName("Passphrase")
        self.form.addRow("Passphrase", self.passphrase)
        self.buttons.accepted.connect(self._on_buttons_accepted)

    def _on_buttons_accepted(self) -> None:
        if self.passphrase.text():
            self.clear_error()  # the last attempt's "wrong passphrase" is not this one's answer
            self.set_busy(True)
            self.submitted.emit(self.passphrase.text())

    def show_error(self, text: str) -> None:
        super().show_error(text)
        self.passphrase.clear()
        self.passphrase.setFocus()


class CreateVaultDialog(_PassphraseDialog):
    """First run: passphrase twice, a strength hint, optional keychain unlock.

    Nothing is judged before the user types; after a refused attempt, the error
    follows each edit and disappears once the passphrases are acceptable.
    """

    def __init__(self, vault_path: str, keychain_available: bool, parent: QWidget | None = None,
                 models: list[tuple[str, str]] | None = None) -> None:
        """``models``: the bundled embedding models as (name, summary), the default first."""
        super().__init__("Create your Memvault", "Create vault", parent)
        self.intro.setText("Memvault keeps your agents' memories encrypted on this computer. Choose a "
                           "passphrase to protect them: <b>there is no way to recover the memories without "
                           f"the passphrase.</b><br>Vault folder: <code>{html.escape(vault_path)}</code>")
        self.passphrase.setAccessibleName("New passphrase")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.Password)
        self.confirm.setAccessibleName("Repeat passphrase")
        self.hint = QLabel()
        self.hint.setAccessibleName("Passphrase strength")
        self.auto_unlock = QCheckBox("Unlock automatically on this device (OS keychain)")
        self.auto_unlock.setEnabled(keychain_available)
        if not keychain_available:
            self.auto_unlock.setToolTip("No OS keychain is available on this system")
        self.form.addRow("Passphrase", self.passphrase)
        self.form.addRow("Repeat", self.confirm)
        self.form.addRow("", self.hint)
        self.form.addRow("", self.auto_unlock)
        #: Which model finds memories by meaning; the vault keeps it (switch later: ``memvault reembed --model``).
        self.model = QComboBox()
        self.model.setAccessibleName("Search model")
        for name, summary in models or []:
            self.model.addItem(f"{name} — {summary}" if summary else name, name)
        self.model.setToolTip("The English model is the fastest and best on English. The multilingual one finds "
                              "memories in about 100 languages, also across languages.")
        if self.model.count() > 1:
            self.form.addRow("Search model", self.model)
        self._attempted = False
        self.passphrase.textChanged.connect(self._on_passphrase_text_changed)
        self.confirm.textChanged.connect(self._on_confirm_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)

    def model_name(self) -> str | None:
        """The embedding model chosen (``None``: the default)."""
        return self.model.currentData()

    def problem(self) -> str | None:
        """Why the passphrases cannot be used yet, or ``None``."""
        if strength(self.passphrase.text())[0] == 0:
            return f"Use at least {MIN_PASSPHRASE_CHARS} characters."
        if self.passphrase.text() != self.confirm.text():
            return "The two passphrases differ."
        return None

    def _on_passphrase_text_changed(self, text: str) -> None:
        self._show_strength(text)
        self._recheck()

    def _show_strength(self, text: str) -> None:
        if not text:
            self.hint.clear()
            return
        score, hint = strength(text)
        if score == 0 and self._attempted:
            hint = "Too short"  # the error line below says how long (said twice, it read as two errors)
        colour = ["#c0392b", "#d35400", "#b7950b", "#27ae60", "#1e8449"][score]
        self.hint.setText(f"<span style='color:{colour}'>{'●' * score}{'○' * (4 - score)}  {hint}</span>")

    def _on_confirm_text_changed(self, _text: str) -> None:
        self._recheck()

    def _recheck(self) -> None:
        if self._attempted:
            self.show_error(self.problem() or "")

    def _on_buttons_accepted(self) -> None:
        long_enough = strength(self.passphrase.text())[0] > 0
        if self.passphrase.hasFocus() and long_enough and not self.confirm.text():
            # Enter after the first field: go on to the second, as a form would.
            self.confirm.setFocus()
            return
        self._attempted = True
        self._show_strength(self.passphrase.text())
        problem = self.problem()
        if problem is not None:
            self.show_error(problem)
        else:
            self.clear_error()
            self.set_busy(True)
            self.submitted.emit(self.passphrase.text())
