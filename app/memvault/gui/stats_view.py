"""Charts of what the vault holds and how agents use it."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.models import Stats, UsageDay
from memvault.gui.chart_scale import timeline_buckets, whole_percents
from memvault.gui.chart_view import BARS, HORIZONTAL_BARS, PIE, ChartData, ChartView, Series, series_colors
from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services
from memvault.gui.wording import in_scope, size

USAGE_DAYS = 14


def bar_chart(title: str, counts: dict[str, int], empty: str = "Nothing yet", *, horizontal: bool = False,
              series_name: str = "memories") -> ChartData:
    """Bars of counts; ``horizontal`` for long category names (namespaces), which then read in full."""
    kind = HORIZONTAL_BARS if horizontal else BARS
    if not counts:
        return ChartData(title, kind, empty_message=empty)
    return ChartData(title, kind, tuple(counts), (Series(series_name, tuple(float(v) for v in counts.values())),))


def pie_chart(title: str, counts: dict[str, int], empty: str = "Nothing yet") -> ChartData:
    shown = {name: value for name, value in counts.items() if value > 0}
    if not shown:
        return ChartData(title, PIE, empty_message=empty)
    return ChartData(title, PIE, tuple(shown), (Series(title, tuple(float(v) for v in shown.values())),))


def timeline_chart(per_day: dict[str, int], today: dt.date | None = None) -> ChartData:
    """New memories per day, week or month, whichever fits (bars work for a single day too)."""
    unit, buckets = timeline_buckets(per_day, today or dt.date.today())
    return bar_chart(f"New memories per {unit}", buckets, "No memories yet", series_name="new memories")


def usage_chart(rows: list[UsageDay]) -> ChartData:
    title = "API calls per key per day"
    if not rows:
        return ChartData(title, BARS, empty_message=f"No API calls in the last {USAGE_DAYS} days")
    days = sorted({r.day for r in rows})
    series = []
    for key in sorted({r.key_name for r in rows}):
        by_day = {r.day: r.calls for r in rows if r.key_name == key}
        series.append(Series(key, tuple(float(by_day.get(d, 0)) for d in days)))
    return ChartData(title, BARS, tuple(d[5:] for d in days), tuple(series))


def share(value: float, percent: int) -> str:
    """A share in whole percent (:func:`whole_percents`) that never reads 0% for something that is there."""
    return "<1%" if value > 0 and percent == 0 else f"{percent}%"


def legend_entries(chart: ChartData, colors: tuple[QColor, ...]) -> list[tuple[QColor, str]]:
    """What each colour means: pie slices with their count and share, or bar series by name."""
    if not chart.series:
        return []
    if chart.kind == PIE:
        values = chart.series[0].values
        return [(colors[i % len(colors)], f"{name} · {int(v):,} ({share(v, p)})")
                for i, (name, v, p) in enumerate(zip(chart.categories, values, whole_percents(values)))]
    return [(colors[j % len(colors)], s.name) for j, s in enumerate(chart.series)]


def legend_html(entries: list[tuple[QColor, str]]) -> str:
    return "<br>".join(f"<span style='color:{c.name()}'>■</span>&nbsp;{html.escape(text)}" for c, text in entries)


class ChartCard(QWidget):
    """A chart with its legend as a label beside it (``"right"``) or under it (``"below"``), never cut short.

    An empty chart shows its title and why it is empty in the middle of the card instead.
    """

    def __init__(self, chart: ChartData, name: str, legend: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ChartView(chart, name)
        self.legend = QLabel()
        self.legend.setAccessibleName(f"{name} legend")
        self.legend.setTextFormat(Qt.RichText)
        entries = legend_entries(chart, series_colors(self.palette())) if legend else []
        if legend == "below":
            # Bar legends are short names; run them on one line that wraps.
            self.legend.setText(" &nbsp; ".join(legend_html([e]) for e in entries))
            self.legend.setWordWrap(True)
            self.legend.setAlignment(Qt.AlignCenter)
        else:
            self.legend.setText(legend_html(entries))
        self.legend.setVisible(bool(entries))
        self.empty = QLabel()
        self.empty.setAccessibleName(f"{name}: empty")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        message = chart.empty_message
        self.empty.setText(f"<b>{html.escape(chart.title)}</b><br>{html.escape(message or '')}")
        self.empty.setVisible(bool(message))
        self.view.setVisible(not message)
        self._beside = legend == "right"
        layout = (QVBoxLayout if legend == "below" else QHBoxLayout)(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty, 1)
        # Below, the label takes the card's width so it wraps there (centred in it) rather than at its own guess.
        layout.addWidget(self.legend, 0, Qt.Alignment() if legend == "below" else Qt.AlignVCenter)
        self.setMinimumSize(220, 200)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """A legend beside its chart moves under it while the card is too narrow for both: squeezed beside it,
        the label was cut ("observation · 8 (6" in a window under ~1,100 pixels wide)."""
        super().resizeEvent(event)
        if not self._beside or not self.legend.isVisible():
            return
        layout = self.layout()
        assert isinstance(layout, QBoxLayout)
        fits = event.size().width() >= self.view.minimumWidth() + layout.spacing() + self.legend.sizeHint().width()
        direction = QBoxLayout.LeftToRight if fits else QBoxLayout.TopToBottom
        if layout.direction() != direction:
            layout.setDirection(direction)
            layout.setAlignment(self.legend, Qt.AlignVCenter if fits else Qt.AlignHCenter)

    def message(self) -> str | None:
        """Why the chart is empty, or ``None`` when it has something to show."""
        return self.view.chart().empty_message


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
        self.charts: list[ChartView] = []

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
        # The file's size is the whole vault's (every namespace, with its write-ahead log): said so, apart from
        # the counts of the namespace on show.
        self.summary.setText(
            f"<b>{s.total:,}</b> memories {html.escape(in_scope(self._namespace))} · {s.permanent:,} kept until deleted · {s.with_ttl:,} with a time to live · "
            f"{s.expired:,} expired · {s.deleted:,} in the trash · {s.queue_depth:,} waiting to be indexed for "
            "search" + (f" ({s.failed_embeddings:,} failed)" if s.failed_embeddings else "")
            + f"<br>The whole vault takes {size(s.storage_bytes)} on disk.")
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
