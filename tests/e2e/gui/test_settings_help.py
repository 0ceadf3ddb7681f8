"""Settings (kept between launches, the environment still wins), Help, the vault in the title, Ctrl+K."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from memvault.gui.preferences import SettingsDialog, apply_saved, save_setting
from tests.helpers import fast_settings


def test_title_names_the_vault(desktop):
    title = desktop.window.windowTitle()
    assert title.endswith("— Memvault") and desktop.settings.home_path.name in title


def test_settings_dialog_saves_applies_and_is_read_back_at_launch(qtbot, desktop):
    desktop.window.settings_action.trigger()
    dialog = desktop.settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    minutes = dialog.editors["idle_lock_minutes"]
    minutes.setFocus()
    minutes.selectAll()
    qtbot.keyClicks(minutes, "7")
    agents = dialog.editors["idle_lock_agents"]
    agents.setCurrentIndex(agents.findData("stay_unlocked"))
    qtbot.keyClick(minutes, Qt.Key_Return)  # Enter is OK
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert desktop.settings.idle_lock_minutes == 7 and desktop.settings.idle_lock_agents == "stay_unlocked"
    assert desktop.idle.timer.isActive() and desktop.idle.timer.interval() == 7 * 60_000  # applied at once
    assert desktop.window.agents.idle_lock_agents.currentData() == "stay_unlocked"
    again = apply_saved(fast_settings(desktop.settings.home_path), environ={})
    assert again.idle_lock_minutes == 7 and again.idle_lock_agents == "stay_unlocked"
    # The environment wins over the dialog, and the dialog says so.
    env = {"MEMVAULT_IDLE_LOCK_MINUTES": "3"}
    assert apply_saved(fast_settings(desktop.settings.home_path), environ=env).idle_lock_minutes == 15
    shown = SettingsDialog(desktop.settings, environ=env)
    qtbot.addWidget(shown)
    assert not shown.editors["idle_lock_minutes"].isEnabled()
    # Said in words beside the field, not only in a tooltip a keyboard user never sees.
    note = shown.env_notes["idle_lock_minutes"]
    assert note.isVisibleTo(shown) and note.text() == "Set by MEMVAULT_IDLE_LOCK_MINUTES in the environment"
    assert set(shown.env_notes) == {"idle_lock_minutes"}


def test_a_saved_value_that_does_not_parse_is_ignored(tmp_path):
    store = QSettings(str(tmp_path / "x.ini"), QSettings.IniFormat)
    save_setting("api_port", "not a number", store)
    save_setting("api_in_gui", False, store)
    settings = apply_saved(fast_settings(tmp_path), store, environ={})
    assert settings.api_port == fast_settings(tmp_path).api_port and settings.api_in_gui is False


def test_help_menu_and_command_palette(qtbot, desktop):
    window = desktop.window
    texts = [a.text() for a in window.help_actions]
    assert texts == ["Getting started", "Keyboard shortcuts", "About Memvault"]
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    qtbot.keyClick(window, Qt.Key_K, Qt.ControlModifier)
    palette = window.command_palette
    qtbot.waitUntil(lambda: palette.isVisible() and QApplication.focusWidget() is palette.query, timeout=5_000)
    qtbot.keyClicks(palette.query, "stats")
    assert palette.results.count() == 1
    # The name, and its shortcut apart (drawn at the right edge, in the secondary colour).
    from memvault.gui.help import SHORTCUT

    assert palette.results.item(0).text() == "Stats" and palette.results.item(0).data(SHORTCUT) == "Ctrl+3"
    qtbot.keyClick(palette.query, Qt.Key_Return)
    assert window.pages.currentWidget() is window.stats and not palette.isVisible()
    qtbot.keyClick(window, Qt.Key_K, Qt.ControlModifier)
    palette = window.command_palette
    qtbot.waitUntil(lambda: palette.isVisible(), timeout=5_000)
    qtbot.keyClicks(palette.query, "about")
    qtbot.keyClick(palette.query, Qt.Key_Return)
    qtbot.waitUntil(lambda: any(w.isVisible() and "This vault" in getattr(w, "text", lambda: "")()
                                for w in QApplication.topLevelWidgets()), timeout=5_000)
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and w is not window:
            w.close()


def test_the_palette_offers_the_menus_commands_not_a_pages_own_choices(qtbot, desktop):
    """An outside walkthrough: the palette listed the Entities page's type menu ("person", "animal", …) first,
    and Enter on "animal" retyped the entity selected there, with nothing shown."""
    window = desktop.window
    window.show_page(window.pages.indexOf(window.entities))
    assert window.entities.type_menu.actions()  # the page's choices exist, under the window
    window.open_command_palette()
    palette = window.command_palette
    offered = [palette.results.item(row).text().removesuffix(" (not available now)")
               for row in range(palette.results.count())]
    menus = [a.text().replace("&", "").rstrip("…") for menu in window.menuBar().actions()
             for a in menu.menu().actions() if not a.isSeparator() and a is not window.palette_action]
    assert sorted(offered) == sorted(menus) and "animal" not in offered and "Stats" in offered
    palette.close()


def test_settings_refuse_values_the_core_would_refuse_and_say_why_in_the_dialog(qtbot, desktop):
    desktop.window.settings_action.trigger()
    dialog = desktop.settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    # A number outside the core's declared range cannot be typed (0 seconds between syncs spun a core).
    for name in ("sync_interval_seconds", "backup_interval_hours", "backup_keep", "extraction_llm_timeout_seconds"):
        editor = dialog.editors[name]
        assert editor.minimum() == 1, name
        editor.setValue(0)
        assert editor.value() == 1, name
    assert dialog.editors["sync_interval_seconds"].maximum() == 604800
    assert dialog.editors["api_port"].maximum() == 65535
    # Only where 0 means something does the label say what.
    labels = {name: editor.accessibleName() for name, editor in dialog.editors.items()}
    assert [name for name, label in labels.items() if "0:" in label] == ["idle_lock_minutes", "api_port"]
    dialog.editors["backup_folder"].setText("relative/backups")
    dialog.editors["extraction_llm_url"].setText("not a url")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.problem.isVisible()
    assert "Backup folder must be an absolute folder path" in dialog.problem.text()
    assert "Fact extraction model URL must be an http(s) URL" in dialog.problem.text()
    assert desktop.settings.backup_folder == "" and desktop.settings.extraction_llm_url == ""
    folder = desktop.settings.home_path.parent / "backups"
    dialog.editors["backup_folder"].setText(str(folder))
    dialog.editors["extraction_llm_url"].setText("http://127.0.0.1:11434/v1")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert desktop.settings.backup_folder == str(folder)


def test_the_backup_folder_is_picked_with_browse_and_seconds_read_whole(qtbot, desktop, monkeypatch, tmp_path):
    from memvault.gui import preferences

    dialog = SettingsDialog(desktop.settings, environ={})
    qtbot.addWidget(dialog)
    asked = []
    monkeypatch.setattr(preferences.QFileDialog, "getExistingDirectory",
                        lambda parent, title, start: asked.append((title, start)) or str(tmp_path))
    browse = dialog.browse_buttons["backup_folder"]
    assert browse.text() == "Browse…" and set(dialog.browse_buttons) == {"backup_folder"}
    qtbot.mouseClick(browse, Qt.LeftButton)
    assert dialog.editors["backup_folder"].text() == str(tmp_path) and asked == [("Backup folder", "")]
    assert dialog.value_of("backup_folder") == str(tmp_path)
    # "300", not "300.0": whole seconds read as a number of seconds.
    assert dialog.editors["sync_interval_seconds"].text() == "300"


def test_the_shortcuts_help_lists_the_keys_of_one_place_too(qtbot, desktop):
    # Ctrl+Z (undo in the list) and Ctrl+Enter (save a quick capture) worked but were not listed.
    from PySide6.QtGui import QAction

    from memvault.gui.help import shortcuts_text

    text = shortcuts_text(desktop.window.findChildren(QAction))
    for keys in ("Ctrl+S", "Ctrl+K", "Ctrl+Z", "Ctrl+Enter", "Del", "Esc"):
        assert text.count(f"<b>{keys}</b>") == 1, keys  # once each: Del was listed for the menu and the list


def test_the_about_box_says_a_readable_copy_leaves_in_plain_text(tmp_path):
    """It said memories leave the computer "only encrypted", while File → Export readable copy writes plain text."""
    from memvault.gui.help import about_text

    text = about_text(tmp_path)
    assert "only encrypted" not in text and "readable copy" in text and "plain text" in text
