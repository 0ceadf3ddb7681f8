"""The create dialog picks the vault's embedding model (English by default)."""

from __future__ import annotations

from memvault.api.server import start_api_server
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest, manifest_named
from memvault.gui.app import DesktopApp
from memvault.gui.unlock import CreateVaultDialog
from tests.e2e.gui.conftest import stop_desktop
from tests.helpers import PASSPHRASE, fast_settings


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
    finally:
        stop_desktop(qtbot, app)
