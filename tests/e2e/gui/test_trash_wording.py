"""The trash's empty detail pane offers what can be done there (Ctrl+N is off in the trash) and how long memories stay."""

from memvault.gui.detail import PICK


def test_the_empty_pane_in_the_trash_does_not_offer_ctrl_n(qtbot, desktop):
    window = desktop.window
    sidebar, detail = window.sidebar, window.browser.detail
    qtbot.waitUntil(lambda: any(sidebar.item(i).text().startswith("Trash") for i in range(sidebar.count())),
                    timeout=10_000)
    assert "Ctrl+N" in detail.empty.text()
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count())
                                if sidebar.item(i).text().startswith("Trash")))
    assert not window.new_action.isEnabled()
    assert detail.empty.isVisibleTo(detail) and "Ctrl+N" not in detail.empty.text()
    assert "restore" in detail.empty.text()
    # Whether anything leaves the trash by itself (only what its time to live ends).
    assert "stay in the trash until you empty it" in detail.empty.text()
    sidebar.setCurrentRow(1)  # back to a namespace: Ctrl+N is offered again
    assert window.new_action.isEnabled() and detail.empty.text() == PICK
