"""Pie (donut) and bar charts painted with QPainter.

Qt's own charts live in PySide6-Addons, 161 MB installed for the Stats page alone;
these few charts need a title, rings or bars, counts at round numbers and labels.
The geometry is computed apart from painting (``ring``, ``slice_angles``,
``bar_rects``), so tests check what is drawn where against the widget's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from memvault.gui.chart_scale import nice_ticks, whole_percents
from memvault.gui.theme import is_dark

# Okabe–Ito: told apart with the common colour-vision deficiencies; the dark set is lighter for contrast.
# One colour for each memory type at least (the "By type" chart): with eight, two pairs of types shared one.
LIGHT_COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c7a00", "#7f7f7f",
                "#332288", "#882255")
DARK_COLORS = ("#4fa3e0", "#f2b33d", "#2ec99a", "#e39bc4", "#8fd0f5", "#ff8a4c", "#e0d04a", "#b0b0b0",
               "#9d8cf0", "#e06c75")

PIE, BARS, HORIZONTAL_BARS = "pie", "bars", "horizontal bars"
_GAP_DEGREES = 1.5  # the background shows between slices, so no border (and no seam on a whole disc) is drawn


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class ChartData:
    """What a chart shows: one series of slices (pie) or series of bars over ``categories``.

    ``empty_message`` says why there is nothing to show; a chart with it has no series.
    """

    title: str
    kind: str
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    empty_message: str | None = None

    def ticks(self) -> list[float]:
        """Count axis ticks at 0 and 1, 2 or 5 times a power of ten (bars only)."""
        return nice_ticks(max((v for s in self.series for v in s.values), default=0))

    def tick_labels(self) -> list[str]:
        return [f"{t:,.0f}" for t in self.ticks()] if self.kind != PIE and self.series else []

    def describe(self) -> str:
        """The data in words, for screen readers (the accessible description)."""
        if self.empty_message:
            return f"{self.title}: {self.empty_message}"
        if self.kind == PIE:
            values = self.series[0].values
            parts = [f"{c} {v:,.0f} ({p}%)" for c, v, p in zip(self.categories, values, whole_percents(values))]
        else:
            parts = [f"{c}: " + ", ".join(f"{s.name} {s.values[i]:,.0f}" for s in self.series)
                     if len(self.series) > 1 else f"{c} {self.series[0].values[i]:,.0f}"
                     for i, c in enumerate(self.categories)]
        return f"{self.title}: " + "; ".join(parts)


def series_colors(palette: QPalette) -> tuple[QColor, ...]:
    return tuple(QColor(c) for c in (DARK_COLORS if is_dark(palette) else LIGHT_COLORS))


def slice_angles(values: tuple[float, ...]) -> list[tuple[float, float]]:
    """(start, sweep) in degrees per slice, Qt's convention (0 at 3 o'clock, counter-clockwise positive);
    the first slice starts at 12 o'clock and they run clockwise."""
    total = sum(values)
    out, start = [], 90.0
    for v in values:
        sweep = -360.0 * v / total if total else 0.0
        out.append((start, sweep))
        start += sweep
    return out


class ChartView(QWidget):
    """Paints one ``ChartData`` in the colours of its palette (light or dark), title on top."""

    def __init__(self, chart: ChartData, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chart = chart
        self.setAccessibleName(name)
        self.setAccessibleDescription(chart.describe())
        self.setToolTip(chart.describe().replace("; ", "\n"))
        # Small enough that a card's legend beside it always fits: the ring and the bars scale down.
        self.setMinimumSize(120, 150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def chart(self) -> ChartData:
        return self._chart

    def colors(self) -> tuple[QColor, ...]:
        return series_colors(self.palette())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.PaletteChange:
            self.update()
        super().changeEvent(event)

    # -- geometry -----------------------------------------------------------------

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _body(self) -> QRectF:
        """Below the title, inset a little."""
        title_height = QFontMetrics(self._title_font()).height() + 8
        return QRectF(self.rect()).adjusted(6, title_height, -6, -6)

    def ring(self) -> tuple[QPointF, float, float]:
        """The donut's centre, outer and inner radius."""
        body = self._body()
        outer = max(4.0, min(body.width(), body.height()) / 2 - 2)
        return body.center(), outer, outer * 0.55

    def _plot(self) -> QRectF:
        """Where the bars go: the body less the tick labels and the category labels."""
        metrics = QFontMetrics(self.font())
        body = self._body()
        if self._chart.kind == HORIZONTAL_BARS:
            widest = max((metrics.horizontalAdvance(c) for c in self._chart.categories), default=0)
            left = min(widest + 8, body.width() * 0.45)
            # Room on the right for the longest bar's count (it reaches the last tick; its label was left out).
            right = max(metrics.horizontalAdvance(self._chart.tick_labels()[-1]) / 2, self._value_room(metrics))
            return body.adjusted(left, 0, -right, -(metrics.height() + 4))
        left = max(metrics.horizontalAdvance(t) for t in self._chart.tick_labels()) + 6
        return body.adjusted(left, metrics.height() / 2, 0, -(metrics.height() + 4))

    def _value_room(self, metrics: QFontMetrics) -> float:
        """Width past a bar's end its count takes (namespaces: one series of horizontal bars), else 0."""
        if self._chart.kind != HORIZONTAL_BARS or len(self._chart.series) != 1:
            return 0.0
        return max(metrics.horizontalAdvance(f"{v:,.0f}") for v in self._chart.series[0].values) + 8

    def value_labels(self) -> list[tuple[QRectF, str]]:
        """Namespaces: where each bar's count is written, just past its end (bars too thin to read are skipped)."""
        metrics = QFontMetrics(self.font())
        if not self._value_room(metrics):
            return []
        return [(QRectF(rect.right() + 4, rect.top(), metrics.horizontalAdvance(label) + 2, rect.height()), label)
                for rect, label in zip(self.bar_rects()[0], (f"{v:,.0f}" for v in self._chart.series[0].values))
                if rect.height() >= metrics.height() * 0.8]

    def _scale(self, value: float, length: float) -> float:
        return length * value / (self._chart.ticks()[-1] or 1)

    def bar_rects(self) -> list[list[QRectF]]:
        """Per series, the rectangle of each category's bar (zero-length for a zero count)."""
        chart = self._chart
        if chart.kind == PIE or not chart.series:
            return []
        plot, n, m = self._plot(), len(chart.categories), len(chart.series)
        horizontal = chart.kind == HORIZONTAL_BARS
        band = (plot.height() if horizontal else plot.width()) / n
        thick = min(band * 0.7 / m, 48.0)
        rects: list[list[QRectF]] = []
        for j, series in enumerate(chart.series):
            row = []
            for i, value in enumerate(series.values):
                offset = i * band + (band - thick * m) / 2 + j * thick
                if horizontal:
                    row.append(QRectF(plot.left(), plot.top() + offset, self._scale(value, plot.width()), thick))
                else:
                    h = self._scale(value, plot.height())
                    row.append(QRectF(plot.left() + offset, plot.bottom() - h, thick, h))
            rects.append(row)
        return rects

    # -- painting -----------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        text = self.palette().color(QPalette.WindowText)
        painter.setPen(text)
        painter.setFont(self._title_font())
        painter.drawText(QRectF(self.rect()).adjusted(6, 2, -6, 0), Qt.AlignHCenter | Qt.AlignTop, self._chart.title)
        painter.setFont(self.font())
        if self._chart.empty_message or not self._chart.series:
            painter.drawText(self._body(), Qt.AlignCenter | Qt.TextWordWrap, self._chart.empty_message or "")
        elif self._chart.kind == PIE:
            self._paint_pie(painter, text)
        else:
            self._paint_axis(painter, text)
            self._paint_bars(painter, text)
        painter.end()

    def _paint_pie(self, painter: QPainter, text: QColor) -> None:
        centre, outer, inner = self.ring()
        colors = self.colors()
        values = self._chart.series[0].values
        out_box = QRectF(centre.x() - outer, centre.y() - outer, 2 * outer, 2 * outer)
        in_box = QRectF(centre.x() - inner, centre.y() - inner, 2 * inner, 2 * inner)
        shown = [(i, a) for i, a in enumerate(slice_angles(values)) if a[1] != 0]
        painter.setPen(Qt.NoPen)
        for i, (start, sweep) in shown:
            path = QPainterPath()
            if len(shown) == 1:
                # A whole ring: two circles, so no edge runs from the hole to the rim.
                path.setFillRule(Qt.OddEvenFill)
                path.addEllipse(out_box)
                path.addEllipse(in_box)
            else:
                gap = min(_GAP_DEGREES, abs(sweep) / 4) / 2
                start, sweep = start - gap, sweep + 2 * gap
                path.arcMoveTo(out_box, start)
                path.arcTo(out_box, start, sweep)
                path.arcTo(in_box, start + sweep, -sweep)
                path.closeSubpath()
            painter.setBrush(colors[i % len(colors)])
            painter.drawPath(path)
        total = sum(values)
        painter.setPen(text)
        bold = self._title_font()
        painter.setFont(bold)
        box = QRectF(centre.x() - inner, centre.y() - inner, 2 * inner, 2 * inner)
        painter.drawText(box, Qt.AlignCenter, f"{total:,.0f}")
        # Shares on slices wide enough to hold them, in white or black, whichever reads on the colour.
        painter.setFont(self.font())
        metrics = QFontMetrics(self.font())
        percents = whole_percents(values)
        for i, (start, sweep) in shown:
            label = f"{percents[i]}%"
            mid = math.radians(start + sweep / 2)
            r = (outer + inner) / 2
            arc = abs(math.radians(sweep)) * r
            if arc < metrics.horizontalAdvance(label) + 6 or outer - inner < metrics.height():
                continue
            spot = QPointF(centre.x() + r * math.cos(mid), centre.y() - r * math.sin(mid))
            fill = colors[i % len(colors)]
            painter.setPen(QColor("#000000") if fill.lightness() > 140 else QColor("#ffffff"))
            painter.drawText(QRectF(spot.x() - 30, spot.y() - 10, 60, 20), Qt.AlignCenter, label)

    def _paint_axis(self, painter: QPainter, text: QColor) -> None:
        chart, plot = self._chart, self._plot()
        metrics = QFontMetrics(self.font())
        grid = QColor(text)
        grid.setAlpha(50)
        horizontal = chart.kind == HORIZONTAL_BARS
        for tick, label in zip(chart.ticks(), chart.tick_labels()):
            painter.setPen(QPen(grid, 1))
            if horizontal:
                x = plot.left() + self._scale(tick, plot.width())
                painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
                painter.setPen(text)
                painter.drawText(QRectF(x - 40, plot.bottom() + 2, 80, metrics.height()), Qt.AlignHCenter, label)
            else:
                y = plot.bottom() - self._scale(tick, plot.height())
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                painter.setPen(text)
                painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 4, metrics.height()),
                                 Qt.AlignRight | Qt.AlignVCenter, label)
        painter.setPen(text)
        n = len(chart.categories)
        if horizontal:
            band = plot.height() / n
            if band < metrics.height() * 0.8:
                return  # too many names to read; the tooltip and the description list them
            for i, name in enumerate(chart.categories):
                shown = metrics.elidedText(name, Qt.ElideMiddle, int(plot.left() - 10))
                painter.drawText(QRectF(6, plot.top() + i * band, plot.left() - 12, band),
                                 Qt.AlignRight | Qt.AlignVCenter, shown)
        else:
            band = plot.width() / n
            widest = max(metrics.horizontalAdvance(c) for c in chart.categories) + 6
            every = max(1, math.ceil(widest / band))  # label every k-th bar when they would overlap
            for i, name in enumerate(chart.categories):
                if i % every == 0:
                    painter.drawText(QRectF(plot.left() + i * band + band / 2 - widest / 2, plot.bottom() + 2,
                                            widest, metrics.height()), Qt.AlignHCenter, name)

    def _paint_bars(self, painter: QPainter, text: QColor) -> None:
        colors = self.colors()
        painter.setPen(Qt.NoPen)
        for j, row in enumerate(self.bar_rects()):
            painter.setBrush(colors[j % len(colors)])
            for rect in row:
                painter.drawRect(rect)
        # Namespaces: the count at the end of each bar.
        painter.setPen(text)
        for rect, label in self.value_labels():
            painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, label)
