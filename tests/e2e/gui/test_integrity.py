"""Vault → Check integrity…: findings in a dialog, and a repair the user asks for."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from memvault.domain.models import MemoryCreate


def _report_box(qtbot, window, title):
    qtbot.waitUntil(lambda: window.integrity.box is not None and window.integrity.box.isVisible()
                    and window.integrity.box.text() == title, timeout=20_000)
    return window.integrity.box


def test_an_intact_vault_says_so_and_a_damaged_index_is_repaired_on_request(qtbot, desktop):
    window = desktop.window
    services = desktop.services
    kept = services.memories.create(MemoryCreate(content="the boiler is serviced every October")).memory
    qtbot.waitUntil(lambda: services.memories.get(kept.id).embedding_status.value == "ready", timeout=20_000)

    window.check_action.trigger()
    box = _report_box(qtbot, window, "The vault is intact")
    assert "of 1 memory" in box.informativeText()
    box.close()

    with services.vault.db.write() as conn:  # the keyword index loses the memory's row
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": kept.rowid})
    window.check_action.trigger()
    box = _report_box(qtbot, window, "The vault has problems")
    assert "repairable" in box.informativeText()
    assert "boiler" not in box.informativeText(), "findings never quote memory text"
    repair = next(b for b in box.buttons() if b.text() == "Repair")
    qtbot.mouseClick(repair, Qt.LeftButton)
    box = _report_box(qtbot, window, "Repaired")
    assert box.icon() == QMessageBox.Information
    assert services.integrity.check().ok


def test_the_report_is_wide_enough_for_its_title_and_a_line_of_text(qtbot, desktop):
    window = desktop.window
    desktop.services.memories.create(MemoryCreate(content="the boiler is serviced every October"))
    window.check_action.trigger()
    box = _report_box(qtbot, window, "The vault is intact")
    qtbot.waitUntil(lambda: box.width() > 0, timeout=5_000)
    # "Check integrity" in the title bar and a sentence a line, not a thin column under an elided title.
    assert box.width() >= 440, box.width()
    assert box.width() <= window.screen().availableGeometry().width()
    box.close()
