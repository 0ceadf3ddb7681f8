"""Search as you type: mode, filters, score bars and highlighted snippets."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
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

from memvault.domain.enums import DEFAULT_SEARCH_MODE, MemoryType, SearchMode, Visibility
from memvault.domain.errors import MemvaultError
from memvault.domain.models import MemoryFilter, SearchHit, SearchQuery, SearchResult
from memvault.gui.fact_info import is_superseded
from memvault.gui.icons import icon
from memvault.gui.memory_list import secondary_line
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import parse_tags, tags_edit, type_combo
from memvault.gui.wording import in_scope, plural, sentence
from memvault.service.container import Services

ALL = "any type"
_BOLD = re.compile(r"\*\*(.+?)\*\*")


#: The search modes in a user's words (the API's names are in each item's tooltip).
MODE_WORDS = {SearchMode.HYBRID: "Meaning and words", SearchMode.SEMANTIC: "Meaning only",
              SearchMode.KEYWORD: "Exact words"}


#: A run of this many characters without a place to break gets one (a zero-width space) every so many: a label
#: wraps only at breaks, and a 300-character word ran off the row's edge, cut, with no "…".
_UNBROKEN = re.compile(r"[^\s*]{40}")  # never between the two stars of a match mark


def snippet_html(snippet: str) -> str:
    """Escape a snippet and turn the search's ``**match**`` marks into bold; long unbroken runs may wrap."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(_UNBROKEN.sub(lambda m: m.group(0) + "\u200b", snippet)))


class HitWidget(QWidget):
    """One result row: a score bar (none for ``score=None``), the snippet and where the memory lives."""

    def __init__(self, score: float | None, snippet: str, caption: str, parent: QWidget | None = None, *,
                 superseded: bool = False) -> None:
        super().__init__(parent)
        body = snippet_html(snippet)
        if superseded:
            # A fact a newer one contradicted: still found, struck through as in the browser.
            body, caption = f"<s>{body}</s>", caption + "  ·  superseded by a newer fact"
        # The theme's secondary colour (>= 4.5:1 in light and dark; plain gray was 3.9:1 on white), one line
        # under the snippet at the body size, as the memory list's second line.
        muted = QApplication.palette().color(QPalette.PlaceholderText).name()
        text = QLabel(f"{body}<br><span style='color:{muted}'>{html.escape(caption)}</span>")
        text.setWordWrap(True)
        text.setAccessibleName("Snippet")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        if score is not None:
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(round(score * 100))
            bar.setFormat(f"{score:.2f}")
            bar.setFixedWidth(90)
            bar.setAccessibleName("Score")
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
        self.query.setAccessibleName("Search query")
        self.query.addAction(icon("search"), QLineEdit.LeadingPosition)
        self.query.setClearButtonEnabled(True)
        self.mode = QComboBox()
        # The first item is what the combo starts on: the default mode shared by every surface.
        for m in (DEFAULT_SEARCH_MODE, *(m for m in SearchMode if m is not DEFAULT_SEARCH_MODE)):
            self.mode.addItem(MODE_WORDS[m], m.value)
            self.mode.setItemData(self.mode.count() - 1, f"{m.value} in the API and the CLI", Qt.ToolTipRole)
        self.mode.setAccessibleName("Search mode")
        self.type_filter = type_combo(ALL)
        self.tags = tags_edit("tags")
        self.tags.setAccessibleName("Filter by tags")
        # Confidential memories stay out of search unless asked for, as in the CLI and the API; a search that
        # left them out without a word read as "nothing stored".
        self.confidential = QCheckBox("Confidential")
        self.confidential.setAccessibleName("Include confidential memories")
        self.confidential.setToolTip("Search confidential memories too (they are left out unless this is ticked)")
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # Enter or a double click opens a hit (Qt reports both as activated).
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.results.currentItemChanged.connect(self._on_results_current_item_changed)
        # It selects the memory in this window's own list ("browser" read as a web browser).
        self.open_button = QPushButton(icon("open"), "Show in Memories")
        self.open_button.setAccessibleName("Show in Memories")
        self.open_button.setToolTip("Select this memory in the Memories list (Enter)")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.open_button.setEnabled(False)
        self.results.currentItemChanged.connect(lambda current, _p: self.open_button.setEnabled(current is not None))
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        # The namespace chosen on the left narrows the search too: said here, or an answer stored in another
        # namespace read as "nothing stored".
        self.scope = QLabel()
        self.scope.setAccessibleName("Search scope")
        self.scope.setProperty("secondary", True)
        self.empty = QLabel()
        self.empty.setAccessibleName("No results")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 110%; padding: 24px;")
        self.show_weak = QPushButton()
        self.show_weak.setAccessibleName("Show weak matches")
        self.show_weak.setFlat(True)
        self.show_weak.hide()
        self.show_weak.clicked.connect(self._on_show_weak_clicked)
        # One key both ways, whatever the label says (a mnemonic follows the label's letter: "&Hide" took Alt+H, and
        # Alt+S typed an "s" into the query, which searched again).
        self.show_weak.setToolTip("Alt+S")
        weak_key = QShortcut(QKeySequence("Alt+S"), self, context=Qt.WidgetWithChildrenShortcut)
        weak_key.activated.connect(self._on_weak_shortcut_activated)
        self.result_stack = QStackedWidget()
        self.result_stack.addWidget(self.results)
        self.result_stack.addWidget(self.empty)
        #: Hits below the good-match threshold, shown only when asked for.
        self._weak: tuple[SearchHit, ...] = ()
        self._weak_shown = False
        self._namespace_counts: dict[str, int] = {}
        #: The latest search's mode, which decides whether hits show a score.
        self._mode = DEFAULT_SEARCH_MODE
        #: " · hybrid · 12 ms": how the latest search ran, kept in the status whatever it counts.
        self._how = ""
        #: What the status adds when a confidential memory left out matches better than what is shown.
        self._better = ""
        top = QHBoxLayout()
        top.addWidget(self.query, 3)
        top.addWidget(self.mode)
        top.addWidget(self.type_filter)
        top.addWidget(self.tags, 1)
        top.addWidget(self.confidential)
        top.addWidget(self.scope)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.show_weak)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.result_stack, 1)
        layout.addLayout(bottom)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._debounce.start())
        self.query.installEventFilter(self)  # Down goes from the query into its hits, as in a launcher
        self.tags.textChanged.connect(lambda _t: self._debounce.start())
        self.mode.currentIndexChanged.connect(lambda _i: self.run_search())
        self.type_filter.currentIndexChanged.connect(lambda _i: self.run_search())
        self.confidential.toggled.connect(lambda _on: self.run_search())
        self.set_namespace(self._namespace)

    def set_namespace_counts(self, counts: dict[str, int]) -> None:
        """How many live memories each namespace holds (the sidebar's counts): whether others may have an answer."""
        self._namespace_counts = counts

    def _elsewhere(self) -> bool:
        """Whether memories outside the namespace in view exist (the hint to search all namespaces sent a vault
        of one namespace nowhere)."""
        return bool(self._namespace) and sum(self._namespace_counts.values()) > self._namespace_counts.get(
            self._namespace or "", 0)

    def set_namespace(self, namespace: str | None) -> None:
        """Search ``namespace`` (``None``: all of them), as the sidebar chose."""
        self._namespace = namespace
        self.scope.setText(self._where())
        self.scope.setToolTip(namespace or "")
        self.query.setPlaceholderText(f"Search {namespace or 'all namespaces'} by meaning or keywords…")
        self.run_search()

    def _where(self) -> str:
        # A 64-character namespace in full widened the filter row past the window.
        return in_scope(self._namespace)

    def run_search(self) -> None:
        text = self.query.text().strip()
        self._generation += 1
        if not text:
            self.results.clear()
            # Before typing, what to type: a blank white box said nothing.
            self.empty.setText(f"Ask about what is stored {self._where()}, in your own words: “where does my "
                               "sister live”, “which editor do I use”.\n"
                               f"{MODE_WORDS[SearchMode.HYBRID]} finds by both together; "
                               f"{MODE_WORDS[SearchMode.KEYWORD].lower()} finds only what is written as you "
                               "typed it.")
            self.result_stack.setCurrentWidget(self.empty)
            self.status.setText("")
            self.show_weak.hide()
            return
        kind = self.type_filter.currentText()
        f = MemoryFilter(namespace=self._namespace, include_confidential=self.confidential.isChecked(),
                         memory_types=() if kind == ALL else (MemoryType(kind),),
                         tags=tuple(parse_tags(self.tags.text())))
        query = SearchQuery(text, mode=SearchMode(self.mode.currentData()), limit=25, filter=f)
        generation = self._generation
        self.status.setText("Searching…")
        services = self._services

        def search() -> tuple[SearchResult, int, bool]:
            result = services.search.search(query)
            if f.include_confidential:
                return result, 0, False
            left_out = services.memories.count(replace(f, include_confidential=True)) - services.memories.count(f)
            if not left_out:
                return result, 0, False
            # Only a confidential memory that would rank above what came is worth a word (a 0.71 match stayed
            # unsaid beside a 0.13 one; with nothing good, "nothing stored seems to be about this" stood beside a
            # 0.98 one). One more search, only where confidential memories are in scope.
            good = any(h.good_match for h in result.hits)
            best = services.search.search(replace(query, limit=1, filter=replace(f, include_confidential=True))).hits
            better = bool(best) and best[0].memory.visibility is Visibility.CONFIDENTIAL and (
                best[0].score > result.hits[0].score if good else best[0].good_match)
            return result, 0 if good or better else left_out, better

        self._runner.run(search, lambda found: self._on_search_done(generation, *found),
                         lambda exc: self._on_search_failed(generation, exc), owner=self)

    def _on_search_done(self, generation: int, result: SearchResult, confidential_left_out: int = 0,
                        confidential_better: bool = False) -> None:
        if generation != self._generation:
            return  # the user typed on; a newer search is coming
        self._mode, self._how = result.mode, f" · {MODE_WORDS[result.mode].lower()} · {result.took_ms:.0f} ms"
        good = tuple(h for h in result.hits if h.good_match)
        self._weak = tuple(h for h in result.hits if not h.good_match)
        self.result_stack.setCurrentWidget(self.results if good else self.empty)
        self._show_hits(good)
        query = self.query.text().strip()
        elsewhere = "\nOther namespaces may have it: choose All namespaces on the left to search them too."
        one = confidential_left_out == 1
        hidden = "" if not confidential_left_out else \
            (f"\n{plural(confidential_left_out, 'confidential memory')} {'is' if one else 'are'}"
             f" left out: tick Confidential to search {'it' if one else 'them'} too.")
        if not good and confidential_better:
            self.empty.setText(f"No good match for “{query}” {self._where()} outside confidential memories.\n"
                               "A confidential memory matches: tick Confidential to see it.")
        elif not result.hits and not result.total_evaluated and result.mode is not SearchMode.KEYWORD:
            # Meaning weighs every memory in scope: none weighed, none there (an empty vault said "nothing matches").
            filtered = self.type_filter.currentText() != ALL or bool(parse_tags(self.tags.text()))
            self.empty.setText((f"No memory {self._where()} has the type or tags chosen." if filtered
                                else f"Nothing is stored {self._where()} yet.")
                               + (elsewhere if self._elsewhere() else "") + hidden)
        elif not result.hits:
            self.empty.setText(f"Nothing {self._where()} matches “{query}”."
                               + (elsewhere if self._elsewhere() else "") + hidden)
        elif not good:
            self.empty.setText(f"No good match for “{query}” {self._where()}."
                               + (elsewhere if self._elsewhere() else "\nNothing stored seems to be about this.")
                               + hidden)
        # Alt+S from the keyboard: a cross-language match is often weak (a German question, English memories).
        self._weak_shown = False
        self.show_weak.setText(self._weak_label())
        self.show_weak.setVisible(bool(self._weak))
        self._better = " · a confidential memory matches better: tick Confidential to see it" if confidential_better \
            else ""
        self.status.setText(plural(len(good), "result") + self._how + self._better)
        self.results_shown.emit(len(good))

    def _on_show_weak_clicked(self) -> None:
        weak = len(self._weak)
        good = self.results.count() - (weak if self._weak_shown else 0)
        self._weak_shown = not self._weak_shown
        if self._weak_shown:
            self.result_stack.setCurrentWidget(self.results)
            self._append_hits(self._weak)
            self.status.setText(f"{plural(good, 'good result')} and {plural(weak, 'weaker one')}" + self._how)
        else:
            for _ in range(weak):
                self.results.takeItem(self.results.count() - 1)
            self.result_stack.setCurrentWidget(self.results if good else self.empty)
            self.status.setText(plural(good, "result") + self._how + self._better)  # as before they were shown
        # The button stays, to hide them again: with it gone, Alt+S went to the query and typed an "s" into it.
        self.show_weak.setText(self._weak_label())

    def _weak_label(self) -> str:
        n = len(self._weak)
        return f"{'Hide' if self._weak_shown else 'Show'} {n} weaker match{'' if n == 1 else 'es'}"

    def _on_weak_shortcut_activated(self) -> None:
        if self.show_weak.isVisible():
            self.show_weak.animateClick()

    def _show_hits(self, hits: tuple[SearchHit, ...]) -> None:
        self.results.clear()
        self._append_hits(hits)

    def _append_hits(self, hits: tuple[SearchHit, ...]) -> None:
        for hit in hits:
            m = hit.memory
            # The Memories list's line: one wording, and each tag a unit of its own direction (an Arabic tag
            # otherwise pulled the namespace and type into its right-to-left run).
            caption = secondary_line(m, with_namespace=True)
            item = QListWidgetItem()
            item.setData(256, m.id)
            self.results.addItem(item)
            # A keyword hit's BM25 score says little on its own (about 0 in a small vault): it is a match, unscored.
            score = None if self._mode is SearchMode.KEYWORD else hit.score
            self.results.setItemWidget(item, HitWidget(score, hit.snippet, caption,
                                                       superseded=is_superseded(m)))
        self._fit_rows()

    def _fit_rows(self) -> None:
        # A wrapped label's own size hint assumes a narrow column: size each row to the list's width.
        # Leave room for the scroll bar even before it appears (rows are sized before layout).
        results = self.results
        # The style sheet pads items (4 px above and below, 8 px at the sides): room for it, or lines are cut.
        width = results.width() - 2 * results.frameWidth() - results.verticalScrollBar().sizeHint().width() - 2
        for row in range(self.results.count()):
            item = self.results.item(row)
            widget = self.results.itemWidget(item)
            item.setSizeHint(QSize(width, widget.layout().totalHeightForWidth(width - 16) + 8))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _on_search_failed(self, generation: int, exc: MemvaultError) -> None:
        if generation == self._generation:
            self.results.clear()
            self.result_stack.setCurrentWidget(self.results)
            self.status.setText(sentence(exc.message))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (watched is self.query and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Down
                and self.result_stack.currentWidget() is self.results and self.results.count()):
            self.results.setFocus(Qt.TabFocusReason)
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            return True
        if (watched is self.query and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape
                and self.query.text()):
            self.query.clear()  # Esc clears the question, as in a browser's or launcher's search field
            return True
        return super().eventFilter(watched, event)

    def _on_results_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        # The result "Show in Memories" acts on is marked as chosen: Tab into the list made the first current with
        # only a focus frame, which went when the keyboard left the list, while the button still acted on it.
        if current is not None and not current.isSelected():
            current.setSelected(True)

    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(256))

    def _on_open_clicked(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.open_requested.emit(item.data(256))
