"""Charts of what the vault holds and how agents use it."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.models import Stats, UsageDay
from app.gui.tasks import TaskRunner
from app.service.container import Services


def _new_chart(title: str) -> QChart:
    """A chart drawn in the light or dark theme that matches the application palette."""
    chart = QChart()
    dark = QGuiApplication.palette().color(QPalette.Window).lightness() < 128
    # A theme resets colours and fonts, so it comes first.
    chart.setTheme(QChart.ChartThemeDark if dark else QChart.ChartThemeLight)
    chart.setBackgroundBrush(QGuiApplication.palette().window())
    chart.setTitle(title)
    return chart


def _view(chart: QChart, name: str) -> QChartView:
    chart.setAnimationOptions(QChart.NoAnimation)
    view = QChartView(chart)
    view.setRenderHint(QPainter.Antialiasing)
    view.setAccessibleName(name)
    view.setMinimumSize(260, 240)
    return view


def bar_chart(title: str, counts: dict[str, int]) -> QChart:
    chart = _new_chart(title)
    bars = QBarSet("memories")
    bars.append([float(v) for v in counts.values()])
    series = QBarSeries()
    series.append(bars)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(list(counts) or ["—"])
    y = QValueAxis()
    y.setLabelFormat("%d")
    y.setRange(0, max([1, *counts.values()]))
    chart.addAxis(x, Qt.AlignBottom)
    chart.addAxis(y, Qt.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    chart.legend().setVisible(False)
    return chart


def pie_chart(title: str, counts: dict[str, int]) -> QChart:
    chart = _new_chart(title)
    series = QPieSeries()
    for name, value in counts.items():
        series.append(f"{name} ({value})", value)
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignRight)
    return chart


def timeline_chart(title: str, per_day: dict[str, int]) -> QChart:
    """New memories per day (bars work for a single day too, unlike a line)."""
    chart = bar_chart(title, per_day)
    chart.series()[0].barSets()[0].setLabel("new memories")
    return chart


def usage_chart(rows: list[UsageDay]) -> QChart:
    chart = _new_chart("API calls per key per day")
    days = sorted({r.day for r in rows})
    series = QBarSeries()
    for key in sorted({r.key_name for r in rows}):
        bars = QBarSet(key)
        by_day = {r.day: r.calls for r in rows if r.key_name == key}
        bars.append([float(by_day.get(d, 0)) for d in days])
        series.append(bars)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(days or ["—"])
    y = QValueAxis()
    y.setLabelFormat("%d")
    y.setRange(0, max([1, *(r.calls for r in rows)]))
    chart.addAxis(x, Qt.AlignBottom)
    chart.addAxis(y, Qt.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    return chart


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
        self.charts: list[QChartView] = []

    def set_namespace(self, namespace: str | None) -> None:
        self._namespace = namespace
        self.refresh()

    def refresh(self) -> None:
        namespace = self._namespace
        self._generation += 1
        generation = self._generation

        def load() -> tuple[Stats, list[UsageDay]]:
            return self._services.stats.stats(namespace), self._services.usage.usage(days=14)

        self._runner.run(load, lambda loaded: self._on_loaded(generation, loaded), owner=self)

    def _on_loaded(self, generation: int, loaded: tuple[Stats, list[UsageDay]]) -> None:
        if generation != self._generation:
            return  # an older refresh finished after a newer one started
        s, usage = loaded
        self.summary.setText(
            f"<b>{s.total:,}</b> memories · {s.permanent:,} permanent · {s.with_ttl:,} with TTL · "
            f"{s.expired:,} expired · {s.deleted:,} in trash · storage {s.storage_bytes / 1e6:.1f} MB · "
            f"embedding queue {s.queue_depth:,}" + (f" ({s.failed_embeddings} failed)" if s.failed_embeddings else ""))
        for view in self.charts:
            self.grid.removeWidget(view)
            view.deleteLater()
        self.charts = [
            _view(timeline_chart("New memories per day", s.created_per_day), "Memories over time"),
            _view(pie_chart("By type", s.by_type), "Memories by type"),
            _view(bar_chart("By namespace", s.by_namespace), "Memories by namespace"),
            _view(pie_chart("By tier", s.by_tier), "Memories by tier"),
            _view(usage_chart(usage), "API calls per key per day"),
        ]
        # Timeline across two columns; the rest in a 3-column grid with even stretch.
        places = [(0, 0, 1, 2), (0, 2, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]
        for view, place in zip(self.charts, places):
            self.grid.addWidget(view, *place)
        for column in range(3):
            self.grid.setColumnStretch(column, 1)
