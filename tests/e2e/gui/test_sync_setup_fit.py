"""The sync set-up dialog fits a 1366x768 screen with room for a taskbar, in its tallest state, with no field cut.

QA saw it reach 673 px (S3's rows, the passphrase meter and a problem) on a 768-px screen, its buttons hidden
behind the taskbar.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QDialogButtonBox, QLineEdit, QListWidget

from memvault.domain.models import MemoryCreate
from memvault.gui.sync_setup import SyncSetupDialog

#: The tallest the dialog may be, with its frame: a 768-px screen keeps room for a panel and the title bar.
TALLEST = 600



def _open(qtbot, desktop) -> SyncSetupDialog:
    window = desktop.window
    page = window.sync
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.states.currentWidget() is page.off_page, timeout=10_000)
    qtbot.mouseClick(page.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(w, SyncSetupDialog) and w.isVisible() for w in page.children()),
                    timeout=5_000)
    dialog = next(w for w in page.children() if isinstance(w, SyncSetupDialog))
    qtbot.waitExposed(dialog)
    return dialog


def _cut_fields(dialog: SyncSetupDialog) -> list[str]:
    """The visible fields drawn smaller than they ask to be, or not wholly inside the dialog."""
    QApplication.processEvents()  # the layout's pass after rows and lines appeared
    inside = QRect(0, 0, dialog.width(), dialog.height())
    cut = []
    fields = [f for kind in (QLineEdit, QComboBox, QListWidget, QAbstractButton) for f in dialog.findChildren(kind)]
    for field in fields:
        if not field.isVisible() or isinstance(field.parent(), QComboBox):
            continue
        wanted = min(field.sizeHint().height(), field.maximumHeight())
        where = QRect(field.mapTo(dialog, field.rect().topLeft()), field.size())
        if field.height() < wanted or not inside.contains(where):
            cut.append(field.accessibleName() or type(field).__name__)
    return cut


def test_the_tallest_sync_set_up_fits_a_768_px_screen_with_every_field_whole(qtbot, themed, desktop):
    desktop.services.memories.create_batch([MemoryCreate(content=f"a note in project {i}", namespace=f"project-{i}")
                                            for i in range(6)])
    dialog = _open(qtbot, desktop)
    qtbot.waitUntil(lambda: dialog.namespaces.count() >= 6, timeout=10_000)
    dialog.kind.setCurrentIndex(1)  # S3: four rows
    dialog.passphrase.setText("short")  # the meter's row
    dialog.all_namespaces.setChecked(False)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert dialog.status.text().startswith("Enter the bucket") and dialog.status.isVisible()
    assert _cut_fields(dialog) == []
    assert dialog.frameGeometry().height() <= TALLEST, dialog.frameGeometry().height()
    dialog.kind.setCurrentIndex(2)  # WebDAV, with its longest problem
    dialog.dav_url.setText("cloud.example.org")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert dialog.status.text().startswith("The WebDAV URL starts with https://")
    assert _cut_fields(dialog) == []
    assert dialog.frameGeometry().height() <= TALLEST, dialog.frameGeometry().height()
    dialog.reject()


def test_the_sync_set_up_keeps_its_buttons_on_screen_as_it_grows(qtbot, themed, desktop):
    dialog = _open(qtbot, desktop)
    area = dialog.screen().availableGeometry()
    # Low on the screen, as a window manager may place it over a tall main window.
    dialog.move(dialog.x(), area.bottom() + 1 - dialog.frameGeometry().height())
    qtbot.waitUntil(lambda: dialog.frameGeometry().bottom() == area.bottom(), timeout=5_000)
    dialog.kind.setCurrentIndex(1)  # S3's rows
    qtbot.waitUntil(lambda: dialog.height() == dialog.sizeHint().height(), timeout=5_000)
    assert area.contains(dialog.frameGeometry()), (dialog.frameGeometry(), area)
    dialog.passphrase.setText("short")  # the meter, then a problem
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not _cut_fields(dialog), timeout=5_000)
    assert area.contains(dialog.frameGeometry()), (dialog.frameGeometry(), area)
    dialog.reject()
