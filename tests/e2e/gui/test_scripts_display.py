"""Every script shows unchanged in the desktop app (issue 42): the list's first line and the note text hold exactly
what was stored, right-to-left text, combining marks, emoji and mixed scripts alike, and showing them edits nothing."""

import unicodedata

from memvault.domain.models import MemoryCreate, MemoryFilter

TEXTS = (
    "\u200fשלום עולם — مَرْحَبًا بالعالم (2026)",
    unicodedata.normalize("NFD", "Zoë café") + " क्षत्रिय กินข้าว",
    "👩🏽‍💻 shipped it 🇯🇵 ❤️ 🙂",
    "Meeting 会议 with Анна in 東京 at 10:00 🙂 مع سارة",
)


def test_every_script_shows_unchanged_and_is_not_resaved(qtbot, desktop):
    for text in TEXTS:
        desktop.services.memories.create(MemoryCreate(content=text))
    browser = desktop.window.browser
    model = browser.model
    qtbot.waitUntil(lambda: model.total == len(TEXTS) and model.rowCount() == len(TEXTS) and not model.is_loading(),
                    timeout=20_000)
    shown = {model.data(model.index(row, 0)) for row in range(model.rowCount())}
    assert all(any(text in line for line in shown) for text in TEXTS), shown
    for row in range(model.rowCount()):
        browser.table.selectRow(row)
        memory = browser.selected()
        qtbot.waitUntil(lambda m=memory: browser.detail.content.toPlainText() == m.content, timeout=10_000)
    # Moving from row to row saves an edited note: showing one must not have edited (normalised) it.
    browser.table.selectRow(0)
    qtbot.waitUntil(lambda: browser.detail.content.toPlainText() == browser.selected().content, timeout=10_000)
    stored = {m.content: m.version for m in desktop.services.memories.list(MemoryFilter()).items}
    assert stored == dict.fromkeys(TEXTS, 1)
