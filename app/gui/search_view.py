"""Search as you type: mode, filters, score bars and highlighted snippets."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import DEFAULT_SEARCH_MODE, MemoryType, SearchMode
from app.domain.errors import MemvaultError
from app.domain.models import MemoryFilter, SearchHit, SearchQuery, SearchResult
from app.gui.icons import icon
from app.gui.tasks import TaskRunner
from app.gui.widgets import parse_tags, tags_edit, type_combo
from app.service.container import Services

ALL = "any type"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: Cosine similarity below which a hit is shown as "no good match" (all-MiniLM-L6-v2: unrelated
#: sentences score about 0.0-0.25, a paraphrase of the question 0.5 and up).
GOOD_MATCH_SIMILARITY = 0.35


def is_good_match(hit: SearchHit, mode: SearchMode) -> bool:
    """Whether a hit is worth showing as an answer, not only as the least bad candidate.

    Keyword hits contain the words asked for. Semantic and hybrid hits are judged
    by their similarity to the query (hybrid ranks say nothing about relevance).
    """
    if mode is SearchMode.KEYWORD:
        return True
    breakdown = hit.breakdown
    similarity = breakdown.semantic if breakdown is not None else (hit.score if mode is SearchMode.SEMANTIC else None)
    return similarity is not None and similarity >= GOOD_MATCH_SIMILARITY


def snippet_html(snippet: str) -> str:
    """Escape a snippet and turn the search's ``**match**`` marks into bold."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(snippet))


class HitWidget(QWidget):
    """One result row: a score bar, the snippet and where the memory lives."""

    def __init__(self, score: float, snippet: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(round(score * 100))
        bar.setFormat(f"{score:.2f}")
        bar.setFixedWidth(90)
        bar.setAccessibleName("Score")
        text = QLabel(f"{snippet_html(snippet)}<br><small style='color:gray'>{html.escape(caption)}</small>")
        text.setWordWrap(True)
        text.setAccessibleName("Snippet")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(bar)
        layout.addWidget(text, 1)


class SearchView(QWidget):
    """The search page.

    Signals:
        open_requested(str): the id of a hit the user wants to see in the browser.
        results_shown(int): the hits of the latest search are on screen (their number).
    """

    open_requested = Signal(str)
    results_shown = Signal(int)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._namespace: str | None = "default"
        self._generation = 0
        self.query = QLineEdit()
        self.query.setPlaceholderText("Search by meaning or keywords…")
        self.query.setAccessibleName("Search query")
        self.query.addAction(icon("search"), QLineEdit.LeadingPosition)
        self.query.setClearButtonEnabled(True)
        self.mode = QComboBox()
        # The first item is what the combo starts on: the default mode shared by every surface.
        self.mode.addItems([DEFAULT_SEARCH_MODE.value] + [m.value for m in SearchMode if m is not DEFAULT_SEARCH_MODE])
        self.mode.setAccessibleName("Search mode")
        self.type_filter = type_combo(ALL)
        self.tags = tags_edit("tags")
        self.tags.setAccessibleName("Filter by tags")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.results.itemDoubleClicked.connect(self._on_results_item_double_clicked)
        self.open_button = QPushButton(icon("open"), "Open in browser")
        self.open_button.setAccessibleName("Open in browser")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.open_button.setEnabled(False)
        self.results.currentItemChanged.connect(lambda current, _p: self.open_button.setEnabled(current is not None))
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        self.empty = QLabel()
        self.empty.setAccessibleName("No results")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 110%; padding: 24px;")
        self.show_weak = QPushButton()
        self.show_weak.setAccessibleName("Show weak matches")
        self.show_weak.clicked.connect(self._on_show_weak_clicked)
        empty_page = QWidget()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty)
        empty_layout.addWidget(self.show_weak, 0, Qt.AlignCenter)
        empty_layout.addStretch(2)
        self.result_stack = QStackedWidget()
        self.result_stack.addWidget(self.results)
        self.result_stack.addWidget(empty_page)
        self._weak: tuple[SearchHit, ...] = ()
        top = QHBoxLayout()
        top.addWidget(self.query, 3)
        top.addWidget(self.mode)
        top.addWidget(self.type_filter)
        top.addWidget(self.tags, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.result_stack, 1)
        layout.addLayout(bottom)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.tags.textChanged.connect(lambda _t: self._debounce.start())
        self.mode.currentIndexChanged.connect(lambda _i: self.run_search())
        self.type_filter.currentIndexChanged.connect(lambda _i: self.run_search())

    def set_namespace(self, namespace: str | None) -> None:
        self._namespace = namespace
        self.run_search()

    def run_search(self) -> None:
        text = self.query.text().strip()
        self._generation += 1
        if not text:
            self.results.clear()
            self.result_stack.setCurrentWidget(self.results)
            self.status.setText("")
            return
        kind = self.type_filter.currentText()
        f = MemoryFilter(namespace=self._namespace, include_confidential=False,
                         memory_types=() if kind == ALL else (MemoryType(kind),),
                         tags=tuple(parse_tags(self.tags.text())))
        # The breakdown carries the similarity that says whether a hybrid hit is any good.
        query = SearchQuery(text, mode=SearchMode(self.mode.currentText()), limit=25, filter=f, debug=True)
        generation = self._generation
        self.status.setText("Searching…")
        self._runner.run(lambda: self._services.search.search(query),
                         lambda result: self._on_search_done(generation, result),
                         lambda exc: self._on_search_failed(generation, exc), owner=self)

    def _on_search_done(self, generation: int, result: SearchResult) -> None:
        if generation != self._generation:
            return  # the user typed on; a newer search is coming
        good = tuple(h for h in result.hits if is_good_match(h, result.mode))
        self._weak = result.hits if not good else ()
        self.result_stack.setCurrentIndex(0 if good else 1)
        self._show_hits(good)
        query = self.query.text().strip()
        if not result.hits:
            self.empty.setText(f"Nothing matches “{query}”.")
            self.show_weak.hide()
        elif not good:
            self.empty.setText(f"No good match for “{query}”.\nNothing stored is about this, as far as "
                               "Memvault can tell.")
            self.show_weak.setText(f"Show the {len(result.hits)} closest anyway")
            self.show_weak.show()
        self.status.setText(f"{len(good)} result{'' if len(good) == 1 else 's'} · {result.mode.value} · "
                            f"{result.took_ms:.0f} ms")
        self.results_shown.emit(len(good))

    def _on_show_weak_clicked(self) -> None:
        self.result_stack.setCurrentWidget(self.results)
        self._show_hits(self._weak)
        self.status.setText(f"{len(self._weak)} weak matches (none is a good match)")

    def _show_hits(self, hits: tuple[SearchHit, ...]) -> None:
        self.results.clear()
        for hit in hits:
            m = hit.memory
            caption = f"{m.namespace} · {m.memory_type.value}" + (f" · {', '.join(m.tags)}" if m.tags else "")
            item = QListWidgetItem()
            item.setData(256, m.id)
            self.results.addItem(item)
            self.results.setItemWidget(item, HitWidget(hit.score, hit.snippet, caption))
        self._fit_rows()

    def _fit_rows(self) -> None:
        # A wrapped label's own size hint assumes a narrow column: size each row to the list's width.
        # Leave room for the scroll bar even before it appears (rows are sized before layout).
        results = self.results
        width = results.width() - 2 * results.frameWidth() - results.verticalScrollBar().sizeHint().width() - 2
        for row in range(self.results.count()):
            item = self.results.item(row)
            widget = self.results.itemWidget(item)
            item.setSizeHint(QSize(width, widget.layout().totalHeightForWidth(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _on_search_failed(self, generation: int, exc: MemvaultError) -> None:
        if generation == self._generation:
            self.results.clear()
            self.result_stack.setCurrentWidget(self.results)
            self.status.setText(exc.message)

    def _on_results_item_double_clicked(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(256))

    def _on_open_clicked(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.open_requested.emit(item.data(256))
