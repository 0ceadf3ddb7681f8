"""The Stats page's charts are painted by ChartView: each test reads the pixels it drew."""

from __future__ import annotations

import math

import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from memvault.domain.models import UsageDay
from memvault.gui.chart_view import DARK_COLORS, LIGHT_COLORS, ChartView, slice_angles
from memvault.gui.stats_view import ChartCard, bar_chart, pie_chart, usage_chart


def _light(view: ChartView) -> ChartView:
    palette = QPalette(view.palette())
    palette.setColor(QPalette.Window, QColor("#f7f7f8"))
    palette.setColor(QPalette.WindowText, QColor("#1d1d1f"))
    view.setPalette(palette)
    return view


def _drawn(qtbot, chart, width=320, height=300, dark=False) -> tuple[ChartView, QImage]:
    view = _light(ChartView(chart, "chart"))
    if dark:
        palette = QPalette(view.palette())
        palette.setColor(QPalette.Window, QColor("#1f1f22"))
        palette.setColor(QPalette.WindowText, QColor("#e8e8ea"))
        view.setPalette(palette)
    qtbot.addWidget(view)
    view.resize(width, height)
    image = view.grab().toImage()
    assert image.width() == width  # a device pixel ratio of 1, so geometry and pixels agree
    return view, image


def _at(image: QImage, x: float, y: float) -> str:
    return image.pixelColor(round(x), round(y)).name()


def _ring_point(view: ChartView, degrees: float, depth: float) -> tuple[float, float]:
    """A point at ``degrees`` (Qt's convention) ``depth`` of the way from the hole to the rim."""
    centre, outer, inner = view.ring()
    r = inner + depth * (outer - inner)
    return centre.x() + r * math.cos(math.radians(degrees)), centre.y() - r * math.sin(math.radians(degrees))


def test_each_slice_is_drawn_in_its_colour_over_its_share_of_the_ring(qtbot):
    view, image = _drawn(qtbot, pie_chart("By type", {"general": 3, "fact": 1}))
    (start_a, sweep_a), (start_b, sweep_b) = slice_angles(view.chart().series[0].values)
    assert (sweep_a, sweep_b) == (-270.0, -90.0)
    for start, sweep, colour in ((start_a, sweep_a, LIGHT_COLORS[0]), (start_b, sweep_b, LIGHT_COLORS[1])):
        for fraction in (0.2, 0.35, 0.65, 0.8):  # off the middle, where the share is written
            assert _at(image, *_ring_point(view, start + fraction * sweep, 0.2)) == colour
    centre, outer, inner = view.ring()
    # The hole and the corners are background, not a slice.
    for x, y in ((centre.x(), centre.y() + inner * 0.8), (2, view.height() - 2)):
        assert _at(image, x, y) not in LIGHT_COLORS
    assert view.accessibleName() == "chart"
    assert view.accessibleDescription() == "By type: general 3 (75%); fact 1 (25%)"


def _radial_line(view: ChartView, image: QImage, degrees: float) -> set[str]:
    return {_at(image, *_ring_point(view, degrees, d / 20)) for d in range(2, 19)}


def test_one_slice_is_a_whole_ring_with_no_seam(qtbot):
    view, image = _drawn(qtbot, pie_chart("By tier", {"permanent": 7}))
    # Where a slice's edge would run (12 o'clock), and all the way round: only the slice's colour.
    for degrees in range(0, 360, 3):
        if abs(degrees - 270) > 25:  # "100%" is written at 6 o'clock
            assert _radial_line(view, image, degrees) == {LIGHT_COLORS[0]}, degrees
    # Two slices do meet there, with the background between them (the check above can see a seam).
    two, image = _drawn(qtbot, pie_chart("By tier", {"permanent": 7, "ttl": 7}))
    assert not _radial_line(two, image, 90.0) <= set(LIGHT_COLORS)


def test_bars_are_as_tall_as_their_counts_on_round_ticks(qtbot):
    chart = bar_chart("By day", {"11-01": 1131, "11-02": 240})
    assert chart.tick_labels() == ["0", "500", "1,000", "1,500"]
    view, image = _drawn(qtbot, chart)
    [bars] = view.bar_rects()
    tall, short = bars
    assert tall.bottom() == pytest.approx(short.bottom())
    assert tall.height() / short.height() == pytest.approx(1131 / 240, rel=0.01)
    assert tall.height() == pytest.approx(view._plot().height() * 1131 / 1500, abs=0.5)
    for rect in bars:
        assert _at(image, rect.center().x(), rect.top() + 3) == LIGHT_COLORS[0]
    # Above the short bar, where the tall one still is: background.
    assert _at(image, short.center().x(), short.top() - 5) != LIGHT_COLORS[0]
    assert _at(image, tall.center().x(), short.top() - 5) == LIGHT_COLORS[0]


def test_horizontal_bars_run_top_down_in_order_with_their_lengths(qtbot):
    view, image = _drawn(qtbot, bar_chart("By namespace", {"default": 40, "work": 10}, horizontal=True), width=420)
    [(first, second)] = view.bar_rects()
    assert first.top() < second.top() and first.left() == second.left()
    assert first.width() / second.width() == pytest.approx(4, rel=0.01)
    assert _at(image, second.right() - 2, second.center().y()) == LIGHT_COLORS[0]
    assert _at(image, second.right() + 12, first.center().y()) == LIGHT_COLORS[0]  # the long bar goes on


def test_each_key_gets_its_colour_in_the_usage_chart_and_in_its_legend(qtbot):
    def day(d, key, calls):
        return UsageDay(key_id=1, key_name=key, namespace="default", day=d, calls=calls, errors=0,
                        memories_created=0, searches=0)

    chart = usage_chart([day("2026-11-20", "claude", 12), day("2026-11-21", "cursor", 30)])
    assert chart.categories == ("11-20", "11-21") and [s.name for s in chart.series] == ["claude", "cursor"]
    view, image = _drawn(qtbot, chart)
    claude, cursor = view.bar_rects()
    assert cursor[0].height() == 0 and claude[1].height() == 0
    assert _at(image, claude[0].center().x(), claude[0].center().y()) == LIGHT_COLORS[0]
    assert _at(image, cursor[1].center().x(), cursor[1].center().y()) == LIGHT_COLORS[1]
    card = ChartCard(chart, "API calls", legend="below")
    qtbot.addWidget(card)
    legend = card.legend.text()
    assert legend.index("claude") < legend.index("cursor")
    assert f"color:{LIGHT_COLORS[0]}" in legend.split("claude")[0]


def test_an_empty_chart_draws_its_reason_and_no_data(qtbot):
    chart = bar_chart("By namespace", {}, "Nothing yet")
    view, image = _drawn(qtbot, chart)
    assert view.bar_rects() == [] and chart.tick_labels() == []
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert not colours & set(LIGHT_COLORS)
    assert len(colours) > 1  # the title and the reason are written
    assert view.accessibleDescription() == "By namespace: Nothing yet"
    assert pie_chart("By type", {"general": 0}).empty_message == "Nothing yet"


def test_a_dark_palette_gets_the_dark_colours(qtbot):
    view, image = _drawn(qtbot, pie_chart("By type", {"general": 3}), dark=True)
    assert view.colors()[0].name() == DARK_COLORS[0]
    assert _radial_line(view, image, 90.0) == {DARK_COLORS[0]}


def test_many_bars_in_a_small_chart_still_paint_each_bar(qtbot):
    """Sixty namespaces at the minimum size: names that would not fit are left to the description."""
    counts = {f"namespace-{i:02d}-with-a-long-name": i + 1 for i in range(60)}
    for horizontal in (True, False):
        chart = bar_chart("By namespace", counts, horizontal=horizontal)
        view, image = _drawn(qtbot, chart, width=_minimum_width(qtbot), height=150)
        [bars] = view.bar_rects()
        assert len(bars) == 60 and all(r.width() > 0 and r.height() > 0 for r in bars)
        lengths = [r.width() if horizontal else r.height() for r in bars]
        assert lengths == sorted(lengths)  # 1..60, in order
        assert "namespace-59-with-a-long-name 60" in view.accessibleDescription()


def _minimum_width(qtbot) -> int:
    view = ChartView(bar_chart("x", {"a": 1}), "x")
    qtbot.addWidget(view)
    return view.minimumWidth()


@pytest.mark.parametrize("counts", [{"default": 3, "work": 1}, {"default": 2, "work": 2}])
def test_every_namespace_bar_has_its_count_even_the_longest(qtbot, counts):
    """The longest bar reaches the last tick: its count still gets room beside it, inside the chart."""
    view, image = _drawn(qtbot, bar_chart("By namespace", counts, horizontal=True), width=300, height=300)
    labels = view.value_labels()
    assert [text for _rect, text in labels] == [str(v) for v in counts.values()]
    for (rect, _text), bar in zip(labels, view.bar_rects()[0]):
        assert rect.left() >= bar.right() and rect.right() <= view.width()
        inked = [image.pixelColor(x, y).lightness() < 120 for x in range(int(rect.left()), int(rect.right()))
                 for y in range(int(rect.top()), int(rect.bottom()))]
        assert any(inked), (rect, counts)  # the digits are drawn there


def test_every_memory_type_has_a_colour_of_its_own():
    """An outside QA pass: the "By type" legend gave entity_reference and system one blue, event and task one
    orange."""
    from memvault.domain.enums import MemoryType
    from memvault.gui import chart_view

    for colors in (chart_view.LIGHT_COLORS, chart_view.DARK_COLORS):
        assert len({c.lower() for c in colors}) == len(colors) >= len(MemoryType)
