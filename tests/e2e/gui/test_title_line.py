"""A memory's title in the list is elided with "…" as drawn, in its bold font."""

from PySide6.QtGui import QFont, QFontMetrics

from memvault.gui.memory_list import title_line

TITLE = "Read 'Thinking, Fast and Slow' by Daniel Kahneman — loved the chapter on anchoring."


def test_a_title_that_fits_only_in_the_regular_font_is_elided_in_the_bold_one(qapp):
    regular = QFont()
    bold = QFont(regular)
    bold.setWeight(QFont.Weight.DemiBold)
    width = QFontMetrics(regular).horizontalAdvance(TITLE)  # fits exactly, in the regular font
    assert QFontMetrics(bold).horizontalAdvance(TITLE) > width
    shown = title_line(TITLE, bold, width)
    assert shown.endswith("…") and QFontMetrics(bold).horizontalAdvance(shown) <= width
    assert title_line("Short", bold, width) == "Short"


def test_an_underscore_on_the_second_line_is_drawn(qtbot, desktop, monkeypatch):
    """An outside QA pass: "entity_reference" read "entity reference" in the list (the line's box clipped the
    underscore at its font's bottom edge)."""
    from memvault.domain.models import MemoryCreate
    from memvault.gui import memory_list

    desktop.services.memories.create(MemoryCreate(content="Carol sent the invoice"))
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.table.model().rowCount() == 1, timeout=10_000)
    from PySide6.QtGui import QFont

    # Whether a font's underscore reaches below its height depends on the font and its size: every pixel size
    # of the usual desktop range is drawn (DejaVu Sans at 12 px lost it).
    for pixels in range(10, 19):
        font = QFont("DejaVu Sans")
        font.setPixelSize(pixels)
        browser.table.setFont(font)
        shots = []
        for second in ("________", ""):  # clipped, a line of underscores draws nothing
            monkeypatch.setattr(memory_list, "secondary_line", lambda _m, _wide, text=second: text)
            shots.append(browser.table.viewport().grab().toImage())
        assert shots[0] != shots[1], pixels
