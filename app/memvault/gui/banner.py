"""A banner across the top of the main window for problems that concern the whole vault.

Used when the vault cannot be written (disk full, read-only folder, I/O errors)
or a background loop keeps failing: the user sees it wherever they are in the
window, and it goes away by itself once the vault is healthy again. Two sources
feed it: write failures the GUI itself sees, and a health check polled off the
GUI thread (:class:`HealthWatch`), which says when all is well again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from memvault.gui.icons import icon
from memvault.gui.tasks import TaskRunner
from memvault.gui.wording import sentence

_STYLE = ("QFrame#healthBanner { background: #fdecea; border: 1px solid #e6a39c; border-radius: 4px; }"
          "QFrame#healthBanner QLabel { color: #611a15; }")


class HealthBanner(QFrame):
    """Hidden while all is well; otherwise a warning icon and the reason, in words the user can act on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthBanner")
        # Fixed colours: the banner must read as a warning on light and dark palettes alike.
        self.setStyleSheet(_STYLE)
        self.setAccessibleName("Vault health")
        self._icon = QLabel()
        self._icon.setPixmap(icon("warning", "#b03a2e").pixmap(18, 18))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Vault problem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self.text, 1)
        self.setVisible(False)

    def show_problem(self, reason: str) -> None:
        self.text.setText(reason)
        self.setVisible(True)

    def clear(self) -> None:
        self.text.clear()
        self.setVisible(False)


class HealthReasonLike(Protocol):
    """One reason the vault is not fully working, as a sentence for people."""

    message: str


class HealthStatus(Protocol):
    """What the banner needs from a health check: whether all is well, and if not, why.

    The service layer's ``Health`` (``services.health.check()``) has this shape.
    """

    @property
    def ok(self) -> bool: ...

    @property
    def reasons(self) -> Sequence[HealthReasonLike]: ...


def health_text(status: HealthStatus) -> str:
    """The banner's text: each reason as a sentence."""
    return " ".join(sentence(r.message) for r in status.reasons if r.message) or "The vault is not working normally."


class HealthWatch(QObject):
    """Runs ``check`` on the task runner every ``interval_ms`` while started; reports changes only.

    Signals:
        changed(bool, str): the vault became healthy (True, "") or not (False, reason).
    """

    changed = Signal(bool, str)

    def __init__(self, runner: TaskRunner, check: Callable[[], HealthStatus], interval_ms: int = 10_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._check = check
        self._last: tuple[bool, str] | None = None
        self._in_flight = False
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.check_now)

    def start(self) -> None:
        self._timer.start()
        self.check_now()

    def stop(self) -> None:
        self._timer.stop()

    def check_now(self) -> None:
        if self._in_flight:
            return  # a slow check (a busy disk) is not stacked up
        self._in_flight = True
        self._runner.run(self._check, self._on_checked, self._on_check_failed, owner=self, quiet=True)

    def _on_checked(self, status: HealthStatus) -> None:
        self._in_flight = False
        self._report(bool(status.ok), "" if status.ok else health_text(status))

    def _on_check_failed(self, exc) -> None:
        self._in_flight = False
        self._report(False, sentence(exc.message))

    def _report(self, ok: bool, reason: str) -> None:
        if (ok, reason) != self._last:
            self._last = (ok, reason)
            self.changed.emit(ok, reason)
