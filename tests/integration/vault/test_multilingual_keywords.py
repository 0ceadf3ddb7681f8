"""Keyword search in every script: the segmented index beside the stemmed English one (issue 42)."""

from __future__ import annotations

import time
import unicodedata

import pytest
from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryFilter, SearchMode, SearchQuery
from memvault.vault import fts, migrations, search

MEMORIES = {
    "zh": "我上周在北京买了一台新电脑，用来写论文。",
    "ja": "昨日は東京で友達と寿司を食べました。",
    "th": "ฉันชอบกินข้าวผัดกับแม่ทุกวันอาทิตย์",
    "ar": "ذهبتُ إلى المَدْرَسَة مع أختي صباح اليوم",
    "ru": "Моя сестра работает врачом в больнице",
    "es": "Mi canción favorita es de Rosalía y la escucho en el coche",
    "de": "Unser Hund schläft gern neben dem Kühlschrank in der Küche",
    "hi": "मेरी बहन दिल्ली में डॉक्टर है",
    "en": "The gardener planted tomatoes along the fence",
}
#: A query per memory that only its language's words can answer: a two-character word for Chinese and
#: Japanese (no trigram index matches these), a Thai word inside an unspaced run, an Arabic word written
#: without the vowel marks the memory has, Russian in another case, accents left off in Spanish and German.
QUERIES = {
    "zh": ("电脑", "zh"), "zh-one-char": ("论", "zh"), "ja": ("寿司", "ja"), "ja-place": ("東京", "ja"),
    "th": ("ข้าวผัด", "th"), "ar": ("المدرسة", "ar"), "ru": ("БОЛЬНИЦЕ", "ru"), "es": ("cancion rosalia", "es"),
    "de": ("kuhlschrank", "de"), "de-accented": ("Kühlschrank", "de"), "hi": ("दिल्ली", "hi"),
    "en-stemmed": ("planting tomato", "en"),
}


@pytest.fixture
def stored(services):
    return {lang: services.memories.create(MemoryCreate(content=content)).memory for lang, content in MEMORIES.items()}


@pytest.mark.parametrize("case", sorted(QUERIES))
def test_keyword_search_finds_each_language_by_its_own_words(services, stored, case):
    query, lang = QUERIES[case]
    result = services.search.search(SearchQuery(query=query, mode=SearchMode.KEYWORD, limit=5))
    assert [h.memory.id for h in result.hits] == [stored[lang].id]


def test_two_character_words_are_found_where_the_stemmed_index_finds_nothing(services, stored):
    with services.vault.db.read() as conn:
        english_only = search._keyword_english(conn, "电脑", MemoryFilter(), 5, time.time())
        hits = search.keyword(conn, "电脑", MemoryFilter(), 5, time.time())
    assert english_only == []
    assert [h.memory_id for h in hits] == [stored["zh"].rowid]
    assert "**电脑**" in hits[0].snippet and hits[0].snippet.replace("**", "") in MEMORIES["zh"]


def test_a_two_character_query_does_not_match_the_characters_apart(services):
    """Bigrams are terms: 东京 must not match a text with 东 and 京 in different places."""
    apart = services.memories.create(MemoryCreate(content="京都在东边")).memory
    together = services.memories.create(MemoryCreate(content="我住在东京")).memory
    result = services.search.search(SearchQuery(query="东京", mode=SearchMode.KEYWORD, limit=5))
    assert [h.memory.id for h in result.hits] == [together.id]
    assert apart.id not in {h.memory.id for h in result.hits}


def test_english_queries_read_the_stemmed_index_alone():
    assert fts.indexes_for("what did the gardener plant") == fts.IndexChoice(english=True, segmented=False)
    assert fts.indexes_for("电脑") == fts.IndexChoice(english=False, segmented=True)
    assert fts.indexes_for("el coche de mi canción") == fts.IndexChoice(english=True, segmented=True)
    assert fts.indexes_for("Python 的 bug") == fts.IndexChoice(english=True, segmented=True)
    assert fts.indexes_for("Neutrophils produce IL-1β in response") == fts.IndexChoice(english=True, segmented=False)


def test_edits_and_deletes_keep_the_segmented_index_in_step(services):
    from memvault.domain.models import MemoryUpdate

    memory = services.memories.create(MemoryCreate(content="我喜欢喝咖啡")).memory
    keyword = SearchQuery(query="咖啡", mode=SearchMode.KEYWORD)
    assert [h.memory.id for h in services.search.search(keyword).hits] == [memory.id]
    services.memories.update(memory.id, MemoryUpdate(content="我喜欢喝绿茶"))
    assert services.search.search(keyword).hits == ()
    assert [h.memory.id for h in services.search.search(SearchQuery(query="绿茶", mode=SearchMode.KEYWORD)).hits] \
        == [memory.id]
    services.lifecycle.hard_delete(memory.id)
    with services.vault.db.read() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {fts.TABLE}")).scalar_one() == 0


def test_an_existing_vault_gets_the_segmented_index_from_the_migration(services, stored):
    """The migration fills the new index from every memory (a vault from before it had none)."""
    with services.vault.db.write() as conn:
        conn.execute(text(f"DROP TABLE {fts.TABLE}"))
        conn.execute(text("PRAGMA user_version = 15"))  # the schema before the segmented index (16)
        assert migrations.upgrade(conn, 384) == 15
        assert conn.execute(text(f"SELECT count(*) FROM {fts.TABLE}")).scalar_one() == len(MEMORIES)
    result = services.search.search(SearchQuery(query="寿司", mode=SearchMode.KEYWORD))
    assert [h.memory.id for h in result.hits] == [stored["ja"].id]


def test_decomposed_accents_fold_like_composed_ones(services):
    memory = services.memories.create(MemoryCreate(content=unicodedata.normalize("NFD", "Reunión en Málaga"))).memory
    for query in ("reunion malaga", "Reunión", unicodedata.normalize("NFD", "MÁLAGA")):
        assert [h.memory.id for h in services.search.search(
            SearchQuery(query=query, mode=SearchMode.KEYWORD)).hits] == [memory.id], query


@pytest.mark.parametrize("lang", ["ar", "th", "ja", "hi"])
def test_snippets_show_the_memory_as_written_with_the_match_marked(services, stored, lang):
    query = next(q for q, language in QUERIES.values() if language == lang)
    with services.vault.db.read() as conn:
        (hit,) = search.keyword(conn, query, MemoryFilter(), 5, time.time())
    assert hit.snippet.count("**") == 2 and hit.snippet.replace("**", "").strip("…") in MEMORIES[lang]


def test_check_finds_a_memory_missing_from_the_segmented_index_and_repair_restores_it(services, stored):
    with services.vault.db.write() as conn:
        conn.execute(text(f"DELETE FROM {fts.TABLE} WHERE rowid = :r"), {"r": stored["zh"].rowid})
    keyword = SearchQuery(query="电脑", mode=SearchMode.KEYWORD)
    assert services.search.search(keyword).hits == ()
    report = services.integrity.check()
    assert [p.check for p in report.problems] == ["fts"]
    services.integrity.repair()
    assert [h.memory.id for h in services.search.search(keyword).hits] == [stored["zh"].id]


#: Accents people leave out when they type: Greek tonos, Hebrew vowel points, Russian "ё" written "е".
UNMARKED = {"Ελπίζω να πάω στην Αθήνα το καλοκαίρι.": ("Αθηνα", "καλοκαιρι"),
            "בְּרֵאשִׁית בָּרָא אֱלֹהִים — שָׁלוֹם לְכֻלָּם": ("שלום", "בראשית"),
            "Моя сестра Ёлка живёт в Новосибирске.": ("елка", "живет")}


def test_greek_accents_hebrew_points_and_yo_are_found_typed_without_them(services):
    for content, queries in UNMARKED.items():
        memory = services.memories.create(MemoryCreate(content=content)).memory
        for query in queries:
            hits = services.search.search(SearchQuery(query=query, mode=SearchMode.KEYWORD)).hits
            assert [h.memory.id for h in hits] == [memory.id], query


def test_the_migration_refolds_rows_indexed_before_accents_were_folded(services):
    """Schema 23 rebuilds the segmented index: a row indexed with its Greek accents (as before) is found bare."""
    memory = services.memories.create(MemoryCreate(content="Ελπίζω να πάω στην Αθήνα")).memory
    with services.vault.db.write() as conn:
        conn.execute(text(f"UPDATE {fts.TABLE} SET words = :w WHERE rowid = :r"),
                     {"w": memory.content, "r": memory.rowid})
    bare = SearchQuery(query="Αθηνα", mode=SearchMode.KEYWORD)
    assert services.search.search(bare).hits == ()
    with services.vault.db.write() as conn:
        conn.execute(text("PRAGMA user_version = 22"))
        migrations.upgrade(conn, 384)
    assert [h.memory.id for h in services.search.search(bare).hits] == [memory.id]
