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
