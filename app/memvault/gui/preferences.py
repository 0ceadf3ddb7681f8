"""The Settings dialog over the settings a user would change, kept between launches.

Values chosen here are stored in the desktop app's QSettings and applied at
launch under the environment: a ``MEMVAULT_*`` variable still wins (the dialog
shows such a setting as set by the environment). Changes take effect at once
where the app can (idle lock), the rest at the next unlock.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from memvault.config import Settings, env_name, parse_setting, problem_with, setting_fields
from memvault.domain.errors import InvalidInput
from memvault.gui.window_state import ui_settings
from memvault.gui.wording import sentence

#: The settings a user would change, in the order the dialog shows them, with their labels.
USER_SETTINGS = {
    "idle_lock_minutes": "Lock after idle minutes (0: never)",
    "idle_lock_agents": "While agents work",
    "api_in_gui": "Run the agent API while unlocked",
    "api_port": "Agent API port (0: any free port)",
    "sync_interval_seconds": "Seconds between syncs",
    "backup_folder": "Backup folder (empty: no scheduled backups)",
    "backup_interval_hours": "Hours between backups",
    "backup_keep": "Backups kept",
    "extraction_llm_url": "Fact extraction model URL (empty: on-device)",
    "extraction_llm_model": "Fact extraction model",
    "extraction_llm_timeout_seconds": "Extraction timeout (s)",
}
#: ``idle_lock_agents`` choices, worded once for Settings and the Agents page (they said it two ways).
IDLE_LOCK_AGENTS = {"answer_locked": "Lock after the idle time; agents are told to unlock Memvault (423 Locked)",
                    "stay_unlocked": "Agents' requests count as activity: stay unlocked while they work"}
CHOICES = {"idle_lock_agents": IDLE_LOCK_AGENTS}
_GROUP = "settings/"


def apply_saved(settings: Settings, store: QSettings | None = None,
                environ: Mapping[str, str] | None = None) -> Settings:
    """``settings`` with the values saved in the dialog, except those the environment sets."""
    store = store if store is not None else ui_settings()
    environ = os.environ if environ is None else environ
    changes: dict[str, object] = {}
    for name in USER_SETTINGS:
        raw = store.value(_GROUP + name)
        if raw is None or environ.get(env_name(name)):
            continue
        try:
            changes[name] = parse_setting(name, str(raw))
        except InvalidInput:
            continue  # a value that no longer parses is ignored, not fatal
    return dataclasses.replace(settings, **changes)


def save_setting(name: str, value: object, store: QSettings | None = None) -> None:
    store = store if store is not None else ui_settings()
    store.setValue(_GROUP + name, str(value).lower() if isinstance(value, bool) else str(value))
    store.sync()


class SettingsDialog(QDialog):
    """One form over :data:`USER_SETTINGS`; OK stores the changed ones.

    Signals:
        settings_changed(dict): the settings changed (name -> value).
    """

    settings_changed = Signal(dict)

    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — Memvault")
        self._settings = settings
        environ = os.environ if environ is None else environ
        fields = {f.name: f for f in setting_fields()}
        self.editors: dict[str, QWidget] = {}
        #: Beside each field the environment sets, why it cannot be changed here.
        self.env_notes: dict[str, QLabel] = {}
        #: Beside each folder field, a button that picks the folder.
        self.browse_buttons: dict[str, QPushButton] = {}
        form = QFormLayout()
        form.setVerticalSpacing(8)
        for name, label in USER_SETTINGS.items():
            editor = self._editor(name, fields[name], getattr(settings, name))
            editor.setAccessibleName(label)
            editor.setToolTip(fields[name].metadata.get("help", ""))
            self.editors[name] = editor
            if not environ.get(env_name(name)):
                if fields[name].metadata.get("form") == "absolute path":
                    form.addRow(label, self._with_browse(name, editor))
                else:
                    form.addRow(label, editor)
                continue
            editor.setEnabled(False)
            reason = f"Set by {env_name(name)} in the environment"
            editor.setToolTip(reason)
            # In words beside the field, not only in a tooltip: Tab skips a disabled field, and the keyboard
            # never hovers.
            note = QLabel(reason)
            note.setProperty("secondary", True)
            editor.setAccessibleDescription(reason)
            self.env_notes[name] = note
            row = QHBoxLayout()
            row.addWidget(editor, 1)
            row.addWidget(note)
            form.addRow(label, row)
        note = QLabel("The idle lock changes at once; the rest applies the next time the vault is unlocked. "
                      "Every setting can also be given as an environment variable (see the README).")
        note.setWordWrap(True)
        note.setObjectName("secondary")
        # What stops OK, beside the buttons, as the other dialogs show it.
        self.problem = QLabel()
        self.problem.setAccessibleName("Settings problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color:#c0392b")
        self.problem.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(16)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _with_browse(self, name: str, editor: QWidget) -> QHBoxLayout:
        browse = QPushButton("Browse…")
        browse.setAccessibleName(f"Choose the folder: {USER_SETTINGS[name].split(' (')[0]}")
        browse.clicked.connect(lambda _checked=False, n=name: self._on_browse_clicked(n))
        self.browse_buttons[name] = browse
        row = QHBoxLayout()
        row.addWidget(editor, 1)
        row.addWidget(browse)
        return row

    def _on_browse_clicked(self, name: str) -> None:
        edit = self.editors[name]
        assert isinstance(edit, QLineEdit)
        folder = QFileDialog.getExistingDirectory(self, USER_SETTINGS[name].split(" (")[0], edit.text())
        if folder:
            edit.setText(folder)

    @staticmethod
    def _editor(name: str, f: dataclasses.Field, value: object) -> QWidget:
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        if name in CHOICES:
            combo = QComboBox()
            for key, text in CHOICES[name].items():
                combo.addItem(text, key)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo
        if kind == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        # The core's declared range: a value it would refuse (a sync interval of 0) cannot be typed.
        low, high = f.metadata.get("range", (0, 1_000_000))
        if kind == "int":
            spin = QSpinBox()
            spin.setRange(int(low), int(high))
            spin.setValue(int(value))
            return spin
        if kind == "float":
            spin = QDoubleSpinBox()
            spin.setRange(float(low), float(high))
            # Whole seconds read as such ("300", not "300.0"); a fraction someone set stays visible.
            spin.setDecimals(0 if float(value).is_integer() else 1)
            spin.setValue(float(value))
            return spin
        edit = QLineEdit(str(value))
        return edit

    def value_of(self, name: str) -> object:
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            return editor.value()
        return editor.text().strip()

    def _on_buttons_accepted(self) -> None:
        changed = {name: self.value_of(name) for name, editor in self.editors.items()
                   if editor.isEnabled() and self.value_of(name) != getattr(self._settings, name)}
        problems = [(name, problem) for name, value in changed.items()
                    if (problem := problem_with(name, value)) is not None]
        if problems:
            # The label without its "(empty: …)" aside names the field the way the form shows it.
            self.problem.setText("\n".join(sentence(f"{USER_SETTINGS[name].split(' (')[0]} {problem}")
                                           for name, problem in problems))
            self.problem.setVisible(True)
            self.editors[problems[0][0]].setFocus()
            return
        if changed:
            self.settings_changed.emit(changed)
        self.accept()
