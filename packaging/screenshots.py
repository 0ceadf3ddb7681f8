"""Render a screenshot of each view with realistic sample data into resources/screenshots/.

Run under Xvfb at the smallest screen the app must fit, so the real windowing
path draws and the window sizes itself as it would on a 1366x768 laptop
(see packaging/README.md):

    xvfb-run -a -s "-screen 0 1366x768x24" python packaging/screenshots.py [--dark] [--out DIR] [--whole-screen]

``--dark`` draws with a dark system palette (as a dark desktop theme would hand
the app) and writes ``<view>-dark.png``; ``--out`` writes elsewhere than
``resources/screenshots/``; ``--whole-screen`` also saves the whole screen
(``screen-<view>.png``), to check that nothing falls off it.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from memvault.api.server import start_api_server
from memvault.bench import workload
from memvault.config import load_settings
from memvault.domain.models import MemoryCreate
from memvault.gui.app import DesktopApp
from memvault.gui.sync_setup import SyncSetupDialog
from memvault.gui.theme import apply_theme
from memvault.gui.window_state import WindowState
from memvault.sync.targets.factory import TargetConfig

OUT = ROOT / "resources" / "screenshots"
PASSPHRASE = "screenshot sample passphrase"
SAMPLES = [
    ("The user prefers dark mode in every editor and terminal", "preference", ["ui"], "assistant"),
    ("Dana owns the billing service and approves schema changes", "fact", ["people", "billing"], "assistant"),
    ("Never deploy on Fridays without a rollback plan", "policy", ["ops"], "ops-bot"),
    ("Meeting with Ravi on Thursday at 2pm about the Q3 roadmap", "event", ["meetings"], "calendar"),
    ("Latency doubled after the Redis upgrade; rolling back fixed it", "insight", ["ops", "redis"], "ops-bot"),
    ("Follow up with Mei about the security audit before Monday", "task", ["todo"], "assistant"),
]


def fill(services) -> None:
    rng = random.Random(5)
    for content, kind, tags, agent in SAMPLES:
        services.memories.create(MemoryCreate(content=content, memory_type=kind, tags=tags, agent_id=agent,
                                              importance=0.85 if kind == "policy" else 0.6))
    for namespace in ("default", "work", "research"):
        items = []
        for _ in range(40):
            kind, text = workload.memory_text(rng)
            items.append(MemoryCreate(content=text, memory_type=kind, namespace=namespace,
                                      agent_id=rng.choice(["assistant", "ops-bot", "calendar"]),
                                      importance=round(rng.random(), 2), tags=rng.sample(["work", "todo", "team"], 1)))
        services.memories.create_batch(items)
    key, _ = services.keys.create("default", "read,write", "Claude Desktop")
    services.keys.create("work", "read", "Cursor")
    for _ in range(30):
        services.usage.record(key.id, calls=1, searches=1)
    services.worker.drain()


def dark_palette() -> QPalette:
    """The palette a dark desktop theme gives applications (Fusion's dark colours)."""
    p = QPalette()
    for role, colour in ((QPalette.Window, "#2b2b2b"), (QPalette.WindowText, "#e6e6e6"), (QPalette.Base, "#1e1e1e"),
                         (QPalette.AlternateBase, "#262626"), (QPalette.Text, "#e6e6e6"), (QPalette.Button, "#353535"),
                         (QPalette.ButtonText, "#e6e6e6"), (QPalette.Highlight, "#2f65ca"),
                         (QPalette.HighlightedText, "#ffffff"), (QPalette.ToolTipBase, "#353535"),
                         (QPalette.ToolTipText, "#e6e6e6"), (QPalette.PlaceholderText, "#8a8a8a"),
                         (QPalette.Link, "#6ea8fe"), (QPalette.Mid, "#404040"), (QPalette.Dark, "#1a1a1a")):
        p.setColor(role, QColor(colour))
    # Without these, disabled buttons and text keep the active colours and look clickable.
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor("#7a7a7a"))
    return p


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[:-1] else None


def main() -> int:
    out = Path(_option("--out") or OUT)
    out.mkdir(parents=True, exist_ok=True)
    whole_screen = "--whole-screen" in sys.argv
    dark = "--dark" in sys.argv
    suffix = "-dark" if dark else ""
    qapp = QApplication(sys.argv[:1])
    qapp.setStyle("Fusion")  # the same base style light and dark, so the two shots compare
    if dark:
        qapp.setPalette(dark_palette())
    apply_theme(qapp)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(environ={}, home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1,
                                 api_port=0, idle_lock_minutes=0)
        # A fresh window state: the shots never depend on what this machine's app remembers.
        state = WindowState(QSettings(str(Path(tmp) / "desktop.ini"), QSettings.IniFormat))
        desktop = DesktopApp(qapp, settings, server_factory=start_api_server, use_tray=False, window_state=state)
        steps: list = []

        def shoot(widget, name: str) -> None:
            widget.grab().save(str(out / f"{name}{suffix}.png"))
            print("wrote", out / f"{name}{suffix}.png")
            if whole_screen:
                QGuiApplication.primaryScreen().grabWindow(0).save(str(out / f"screen-{name}{suffix}.png"))

        def later(ms: int, fn) -> None:
            steps.append((ms, fn))

        def run_steps() -> None:
            if not steps:
                return
            ms, fn = steps.pop(0)
            QTimer.singleShot(ms, lambda: (fn(), run_steps()))

        def on_create_dialog() -> None:
            if desktop.dialog is None:
                QTimer.singleShot(100, on_create_dialog)
                return
            desktop.dialog.passphrase.setText(PASSPHRASE)
            desktop.dialog.confirm.setText(PASSPHRASE)
            shoot(desktop.dialog, "create-vault")
            desktop.dialog.buttons.accepted.emit()

        def shoot_transfers(w) -> None:
            """Export, import preview and backup dialogs (a bundle of this vault, imported into another namespace)."""
            bundle = Path(tmp) / "work.mvbundle"
            mine: list = []

            def later(ms: int, fn) -> None:  # these come next, before the steps already queued
                mine.append((ms, fn))

            w.transfers.export()
            export = w.transfers.export_dialog
            later(800, lambda: (export.set_checked({"work", "research"}), export.passphrase.setText(PASSPHRASE),
                                export.repeat.setText(PASSPHRASE), export.path.setText(str(bundle))))
            later(300, lambda: shoot(export, "export-dialog"))
            later(100, lambda: export.export_button.click())
            later(2500, lambda: w.transfers.import_file(str(bundle)))
            later(1000, lambda: (w.transfers.import_dialog.passphrase.setText("a wrong one"),
                                 w.transfers.import_dialog.open_button.click()))
            later(1500, lambda: shoot(w.transfers.import_dialog, "import-passphrase"))
            later(100, lambda: (w.transfers.import_dialog.passphrase.setText(PASSPHRASE),
                                w.transfers.import_dialog.open_button.click()))
            later(2000, lambda: (w.transfers.import_dialog.policy.setCurrentIndex(3),
                                 w.transfers.import_dialog.into_check.setChecked(True),
                                 w.transfers.import_dialog.into.setCurrentText("from-laptop"),
                                 w.transfers.import_dialog.into.lineEdit().editingFinished.emit()))
            later(2000, lambda: shoot(w.transfers.import_dialog, "import-preview"))
            later(100, lambda: (w.transfers.import_dialog.into_check.setChecked(False),
                                w.transfers.import_dialog.policy.setCurrentIndex(0)))
            later(2000, lambda: shoot(w.transfers.import_dialog, "import-preview-conflicts"))
            later(100, lambda: w.transfers.import_dialog.close())
            later(100, lambda: w.transfers.back_up_to(str(Path(tmp) / "vault-copy.mvbackup")))
            later(2500, lambda: shoot(w.transfers.backup_box, "backup-done"))
            later(100, lambda: w.transfers.backup_box.close())
            steps[0:0] = mine

        def set_up_sync(w) -> None:
            # A script, not the app: setting up on this thread keeps the shot's timing simple.
            target = Path(tmp) / "sync-folder"
            target.mkdir(exist_ok=True)
            desktop.services.sync.setup(TargetConfig("folder", str(target)), "sync passphrase", device_name="laptop")
            desktop.services.sync.sync_now()
            w.pages.setCurrentWidget(w.sync)
            w.sync.refresh()

        def on_unlock_dialog() -> None:
            desktop.dialog.passphrase.setText(PASSPHRASE[:9])
            QTimer.singleShot(300, lambda: (shoot(desktop.dialog, "unlock"), desktop.quit()))

        def on_unlocked() -> None:
            fill(desktop.services)
            w = desktop.window
            # The whole 1366x768 screen, as a maximised window on the smallest laptop screen the app must fit.
            w.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
            w.refresh_namespaces()
            later(1200, lambda: (w.browser.refresh(), None))
            later(1200, lambda: w.browser.table.selectRow(0))
            later(900, lambda: shoot(w, "memories"))
            later(200, lambda: (w.pages.setCurrentWidget(w.search), w.search.query.setText("who should approve database changes")))
            later(2000, lambda: shoot(w, "search"))
            later(200, lambda: (w.sidebar.setCurrentRow(0), w.pages.setCurrentWidget(w.stats)))
            later(2000, lambda: shoot(w, "stats"))
            later(200, lambda: w.pages.setCurrentWidget(w.agents))
            later(1500, lambda: shoot(w, "agents"))
            later(200, lambda: w.pages.setCurrentWidget(w.entities))
            later(2500, lambda: shoot(w, "entities"))
            later(200, lambda: w.pages.setCurrentWidget(w.sync))
            later(1500, lambda: shoot(w, "sync-off"))
            later(200, lambda: w.sync.start_button.click())
            later(800, lambda: shoot(w.sync.findChild(SyncSetupDialog), "sync-setup"))
            later(100, lambda: w.sync.findChild(SyncSetupDialog).reject())
            later(200, lambda: set_up_sync(w))
            later(3000, lambda: shoot(w, "sync"))
            later(200, lambda: shoot_transfers(w))
            later(200, lambda: desktop.quick_capture.open_for(desktop.services, ["default", "work", "research"]))
            later(200, lambda: desktop.quick_capture.text.setPlainText("Ravi prefers async updates over meetings"))
            later(500, lambda: shoot(desktop.quick_capture, "quick-capture"))
            later(200, desktop.lock)
            later(1500, on_unlock_dialog)
            run_steps()

        desktop.unlocked.connect(on_unlocked)
        desktop.start()
        QTimer.singleShot(300, on_create_dialog)
        qapp.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
