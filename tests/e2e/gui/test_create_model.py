"""The create dialog picks the vault's embedding model (English by default); Vault → Search model… switches it."""

from __future__ import annotations

import pytest

from memvault.api.server import start_api_server
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest, manifest_named
from memvault.gui.app import DesktopApp
from memvault.gui.unlock import CreateVaultDialog
from tests.e2e.gui.conftest import stop_desktop
from tests.helpers import PASSPHRASE, fast_settings


@pytest.mark.seconds
def test_the_create_dialog_picks_the_vaults_model_english_by_default(qtbot, qapp, tmp_path):
    app = DesktopApp(qapp, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0),
                     server_factory=start_api_server, use_tray=False)
    app._embedder = LazyEmbedder(load_manifest())  # the model the process loads ahead; choosing loads nothing
    app.start()
    qtbot.waitUntil(lambda: isinstance(app.dialog, CreateVaultDialog) and app.dialog.isVisible(), timeout=10_000)
    dialog = app.dialog
    try:
        offered = [dialog.model.itemData(i) for i in range(dialog.model.count())]
        assert offered == ["all-MiniLM-L6-v2", "multilingual-e5-small"]
        assert dialog.model_name() == "all-MiniLM-L6-v2" and dialog.model.isVisible()
        assert "multilingual" in dialog.model.itemText(1)
        dialog.model.setCurrentIndex(1)
        dialog.passphrase.setText(PASSPHRASE)
        dialog.confirm.setText(PASSPHRASE)
        dialog.buttons.accepted.emit()
        qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
        e5 = manifest_named("multilingual-e5-small").model_id
        assert app.services.vault.model_id == e5 and app.services.embedder.model_id == e5
        assert app._embedder is app.services.embedder, "the English model loaded ahead is let go"
    finally:
        stop_desktop(qtbot, app)


def test_the_vault_menu_switches_the_model_and_reopens_the_vault_with_it(qtbot, desktop, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from memvault.gui.unlock import UnlockDialog

    offered = []

    def choose_the_other(_parent, _title, _label, items, current, _editable):
        offered.append((items, current))
        return items[1], True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose_the_other))
    menus = [a.menu() for a in desktop.window.menuBar().actions() if a.menu()]
    assert any(desktop.window.model_action in m.actions() for m in menus)  # Vault → Search model…
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.window.model_action.trigger()
    items, current = offered[0]
    assert [i.split(" — ")[0] for i in items] == ["all-MiniLM-L6-v2", "multilingual-e5-small"] and current == 0
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog) and desktop.dialog.isVisible(), timeout=10_000)
    desktop.dialog.passphrase.setText(PASSPHRASE)
    desktop.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=30_000)
    assert desktop.services.vault.model_id == manifest_named("multilingual-e5-small").model_id
