"""Charts of what the vault holds and how agents use it."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.models import Stats, UsageDay
from memvault.gui.chart_scale import nice_ticks, timeline_buckets
from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services
from memvault.gui.wording import size

USAGE_DAYS = 14


def _new_chart(title: str) -> QChart:
    """A chart drawn in the light or dark theme that matches the application palette."""
    chart = QChart()
    dark = QGuiApplication.palette().color(QPalette.Window).lightness() < 128
    # A theme resets colours and fonts, so it comes first.
    chart.setTheme(QChart.ChartThemeDark if dark else QChart.ChartThemeLight)
    # No card behind the chart: it sits on the page like the rest of the window.
    chart.setBackgroundVisible(False)
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.NoAnimation)
    # The legend is drawn beside the chart as a label that wraps (Qt's own legend elides: "general (15…").
    chart.legend().setVisible(False)
    return chart


def _value_axis(chart: QChart, series: QAbstractBarSeries, categories: list[str], max_value: float) -> None:
    """Categories along one side; counts along the other at 0, 1, 2 or 5 times a power of ten."""
    names = QBarCategoryAxis()
    names.append(categories)
    ticks = nice_ticks(max_value)
    counts = QValueAxis()
    counts.setLabelFormat("%d")
    counts.setRange(ticks[0], ticks[-1])
    counts.setTickCount(len(ticks))
    counts.setMinorTickCount(0)
    horizontal = isinstance(series, QHorizontalBarSeries)
    chart.addAxis(names, Qt.AlignLeft if horizontal else Qt.AlignBottom)
    chart.addAxis(counts, Qt.AlignBottom if horizontal else Qt.AlignLeft)
    series.attachAxis(names)
    series.attachAxis(counts)


#: Why a chart is empty, kept with it for the card to show in its middle.
EMPTY_MESSAGE = "memvault_empty_message"


def _empty(chart: QChart, message: str) -> QChart:
    """No axes and no bars for nothing at all: the card shows why instead."""
    chart.setProperty(EMPTY_MESSAGE, message)
    return chart


def bar_chart(title: str, counts: dict[str, int], empty: str = "Nothing yet", *, horizontal: bool = False) -> QChart:
    """Bars of counts; ``horizontal`` for long category names (namespaces), which then read in full."""
    chart = _new_chart(title)
    if not counts:
        return _empty(chart, empty)
    bars = QBarSet("memories")
    series = QHorizontalBarSeries() if horizontal else QBarSeries()
    # Horizontal bars list from the bottom up; reverse so they read top-down in the given order.
    items = list(reversed(counts.items())) if horizontal else list(counts.items())
    bars.append([float(v) for _, v in items])
    series.append(bars)
    chart.addSeries(series)
    _value_axis(chart, series, [k for k, _ in items], max(counts.values()))
    return chart


def pie_chart(title: str, counts: dict[str, int], empty: str = "Nothing yet") -> QChart:
    chart = _new_chart(title)
    if not counts:
        return _empty(chart, empty)
    series = QPieSeries()
    for name, value in counts.items():
        series.append(name, value)
    chart.addSeries(series)
    if series.count() == 1:
        # One slice is a whole disc: its border would draw a seam from the centre to the edge.
        only = series.slices()[0]
        only.setPen(QPen(Qt.NoPen))
    return chart


def timeline_chart(per_day: dict[str, int], today: dt.date | None = None) -> QChart:
    """New memories per day, week or month, whichever fits (bars work for a single day too)."""
    unit, buckets = timeline_buckets(per_day, today or dt.date.today())
    chart = bar_chart(f"New memories per {unit}", buckets, "No memories yet")
    if chart.series():
        chart.series()[0].barSets()[0].setLabel("new memories")
    return chart


def usage_chart(rows: list[UsageDay]) -> QChart:
    chart = _new_chart("API calls per key per day")
    if not rows:
        return _empty(chart, f"No API calls in the last {USAGE_DAYS} days")
    days = sorted({r.day for r in rows})
    series = QBarSeries()
    for key in sorted({r.key_name for r in rows}):
        bars = QBarSet(key)
        by_day = {r.day: r.calls for r in rows if r.key_name == key}
        bars.append([float(by_day.get(d, 0)) for d in days])
        series.append(bars)
    chart.addSeries(series)
    _value_axis(chart, series, [d[5:] for d in days], max(r.calls for r in rows))
    return chart


def share(fraction: float) -> str:
    """A percentage that never reads 0% for something that is there."""
    return "<1%" if 0 < fraction < 0.005 else f"{fraction:.0%}"


def legend_entries(chart: QChart) -> list[tuple[QColor, str]]:
    """What each colour means: pie slices with their count and share, or bar sets by name."""
    entries: list[tuple[QColor, str]] = []
    for series in chart.series():
        if isinstance(series, QPieSeries):
            total = series.sum() or 1
            entries += [(s.color(), f"{s.label()} · {int(s.value()):,} ({share(s.value() / total)})")
                        for s in series.slices()]
        elif isinstance(series, QAbstractBarSeries):
            entries += [(b.color(), b.label()) for b in series.barSets()]
    return entries


def legend_html(entries: list[tuple[QColor, str]]) -> str:
    return "<br>".join(f"<span style='color:{c.name()}'>■</span>&nbsp;{html.escape(text)}" for c, text in entries)


class ChartCard(QWidget):
    """A chart with its legend as a label beside it (``"right"``) or under it (``"below"``), never cut short.

    An empty chart shows its title and why it is empty in the middle of the card instead.
    """

    def __init__(self, chart: QChart, name: str, legend: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QChartView(chart)
        self.view.setRenderHint(QPainter.Antialiasing)
        self.view.setAccessibleName(name)
        self.view.setMinimumSize(220, 200)
        self.view.setStyleSheet("background: transparent")
        self.legend = QLabel()
        self.legend.setAccessibleName(f"{name} legend")
        self.legend.setTextFormat(Qt.RichText)
        entries = legend_entries(chart) if legend else []
        if legend == "below":
            # Bar legends are short names; run them on one line that wraps.
            self.legend.setText(" &nbsp; ".join(legend_html([e]) for e in entries))
            self.legend.setWordWrap(True)
        else:
            self.legend.setText(legend_html(entries))
        self.legend.setVisible(bool(entries))
        self.empty = QLabel()
        self.empty.setAccessibleName(f"{name}: empty")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        message = chart.property(EMPTY_MESSAGE)
        self.empty.setText(f"<b>{html.escape(chart.title())}</b><br>{html.escape(message or '')}")
        self.empty.setVisible(bool(message))
        self.view.setVisible(not message)
        layout = (QVBoxLayout if legend == "below" else QHBoxLayout)(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.legend, 0, Qt.AlignCenter if legend == "below" else Qt.AlignVCenter)
        self.setMinimumSize(220, 200)

    def message(self) -> str | None:
        """Why the chart is empty, or ``None`` when it has something to show."""
        return self.view.chart().property(EMPTY_MESSAGE)


class StatsView(QWidget):
    """Memories over time, by type, namespace and tier; queue, storage and API usage."""

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._namespace: str | None = None
        self._generation = 0
        self.summary = QLabel()
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.setAccessibleName("Refresh statistics")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        self.grid = QGridLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.grid, 1)
        self.cards: list[ChartCard] = []
        self.charts: list[QChartView] = []

    def set_namespace(self, namespace: str | None) -> None:
        self._namespace = namespace
        self.refresh()

    def refresh(self) -> None:
        namespace = self._namespace
        self._generation += 1
        generation = self._generation

        def load() -> tuple[Stats, list[UsageDay]]:
            return self._services.stats.stats(namespace), self._services.usage.usage(days=USAGE_DAYS)

        self._runner.run(load, lambda loaded: self._on_loaded(generation, loaded), owner=self)

    def _on_loaded(self, generation: int, loaded: tuple[Stats, list[UsageDay]]) -> None:
        if generation != self._generation:
            return  # an older refresh finished after a newer one started
        s, usage = loaded
        self.summary.setText(
            f"<b>{s.total:,}</b> memories · {s.permanent:,} permanent · {s.with_ttl:,} with TTL · "
            f"{s.expired:,} expired · {s.deleted:,} in trash · storage {size(s.storage_bytes)} · "
            f"embedding queue {s.queue_depth:,}" + (f" ({s.failed_embeddings} failed)" if s.failed_embeddings else ""))
        for card in self.cards:
            self.grid.removeWidget(card)
            card.deleteLater()
        self.cards = [
            ChartCard(timeline_chart(s.created_per_day), "Memories over time"),
            ChartCard(pie_chart("By type", s.by_type), "Memories by type", legend="right"),
            ChartCard(bar_chart("By namespace", s.by_namespace, horizontal=True), "Memories by namespace"),
            ChartCard(pie_chart("By tier", s.by_tier), "Memories by tier", legend="right"),
            ChartCard(usage_chart(usage), "API calls per key per day", legend="below"),
        ]
        self.charts = [card.view for card in self.cards]
        # Timeline across two columns; the rest in a 3-column grid with even stretch.
        places = [(0, 0, 1, 2), (0, 2, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]
        for card, place in zip(self.cards, places):
            self.grid.addWidget(card, *place)
        for column in range(3):
            self.grid.setColumnStretch(column, 1)
