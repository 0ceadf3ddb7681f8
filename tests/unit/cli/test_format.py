"""Search output for people: match markers rendered, score breakdowns in words."""

from memvault.cli import format as fmt
from memvault.domain.models import ScoreBreakdown


def test_match_markers_are_bold_on_a_terminal_and_plain_elsewhere():
    snippet = "The user prefers **dark** mode in **all** applications"
    assert fmt.highlight(snippet, None) == "The user prefers dark mode in all applications"
    assert fmt.highlight(snippet, ("<b>", "</b>")) == "The user prefers <b>dark</b> mode in <b>all</b> applications"


def test_a_breakdown_reads_as_one_line():
    text = fmt.breakdown_text(ScoreBreakdown(semantic=0.81234, semantic_rank=1, keyword_bm25=-2.5, keyword_rank=3,
                                             coverage=0.5, relevance=0.9125, best_chunk=0))
    assert text == ("semantic similarity 0.8123 · semantic rank 1 · BM25 -2.5000 · keyword rank 3 · "
                    "query words found 0.5000 · relevance 0.9125")  # the chunk's row id is for --json only
    assert fmt.breakdown_text(ScoreBreakdown(keyword_bm25=-1.0, keyword_rank=1)) == "BM25 -1.0000 · keyword rank 1"
    assert fmt.breakdown_text(ScoreBreakdown(keyword_bm25=-0.000004, keyword_rank=1)) == "BM25 0.0000 · keyword rank 1"
    assert fmt.breakdown_text(ScoreBreakdown(semantic=0.5, relevance=0.1, background=0.16)) == (
        "semantic similarity 0.5000 · query's background taken off 0.1600 · relevance 0.1000")
    assert fmt.breakdown_text(ScoreBreakdown(semantic=0.5, relevance=0.1, peers=0.42)) == (
        "semantic similarity 0.5000 · similarity of the others naming that person 0.4200 · relevance 0.1000")


def test_a_hybrid_result_without_a_good_match_says_so():
    from types import SimpleNamespace

    from memvault.domain.enums import SearchMode

    nothing = SimpleNamespace(hits=(), mode=SearchMode.HYBRID, took_ms=1.0, good_match=False)
    assert "no good match" in fmt.hits_table(nothing)
    semantic = SimpleNamespace(hits=(), mode=SearchMode.SEMANTIC, took_ms=1.0, good_match=None)
    assert "no good match" not in fmt.hits_table(semantic)


def test_no_good_match_says_the_rule_that_applied():
    """ "no hit reaches a relevance of 0.025" was printed beside two notes at 0.119 and 0.088."""
    from types import SimpleNamespace

    from memvault.domain.enums import MemoryType, SearchMode

    def hit(score: float) -> SimpleNamespace:
        memory = SimpleNamespace(id=f"m{score}", memory_type=MemoryType.FACT, metadata={})
        return SimpleNamespace(score=score, memory=memory, snippet="a note", breakdown=None, good_match=False)

    def said(mode: SearchMode, *scores: float) -> str:
        return fmt.hits_table(SimpleNamespace(hits=tuple(hit(s) for s in scores), mode=mode, took_ms=1.0,
                                              good_match=False)).splitlines()[-1]

    assert said(SearchMode.HYBRID, 0.119, 0.088) == (
        "no good match: the best hit is a note below 0.2 that does not stand out from the hit after it")
    assert said(SearchMode.HYBRID, 0.01) == "no good match: no hit reaches a relevance of 0.025"
    assert said(SearchMode.SEMANTIC, 0.31) == "no good match: no hit reaches a similarity of 0.455"


def test_a_superseded_fact_says_what_replaced_it():
    from types import SimpleNamespace

    from memvault.domain.enums import MemoryType, SearchMode

    def hit(mid: str, metadata: dict) -> SimpleNamespace:
        memory = SimpleNamespace(id=mid, memory_type=MemoryType.FACT, metadata=metadata)
        return SimpleNamespace(score=0.5, memory=memory, snippet="The user lives in Lisbon", breakdown=None,
                               good_match=True)

    result = SimpleNamespace(hits=(hit("old-1", {"superseded_by": "new-2"}), hit("new-2", {})),
                             mode=SearchMode.HYBRID, took_ms=1.0, good_match=True)
    first, _, second, _, count = fmt.hits_table(result).splitlines()
    assert first.endswith("old-1  (fact, superseded by new-2)  good match") and second.endswith("new-2  (fact)  good match")
    assert count.startswith("2 hits (2 good matches), mode hybrid")
    one = SimpleNamespace(hits=(hit("new-2", {}),), mode=SearchMode.HYBRID, took_ms=1.0, good_match=True)
    assert fmt.hits_table(one).splitlines()[-1].startswith("1 hit (1 good match), mode hybrid")


def test_each_hit_a_good_match_is_marked_and_counted_and_keyword_hits_are_not_judged():
    """Only "no good match" was said: with hits at 0.144 and 0.007 nothing told which one was about the question."""
    from types import SimpleNamespace

    from memvault.domain.enums import MemoryType, SearchMode

    def hit(mid: str, score: float, good: bool) -> SimpleNamespace:
        memory = SimpleNamespace(id=mid, memory_type=MemoryType.PREFERENCE, metadata={})
        return SimpleNamespace(score=score, memory=memory, snippet="The user prefers dark mode", breakdown=None,
                               good_match=good)

    # The mark is the service's flag on each hit (memvault.ranking.good_match.flags), not a threshold here.
    hybrid = SimpleNamespace(hits=(hit("a", 0.144, True), hit("b", 0.007, False)), mode=SearchMode.HYBRID,
                             took_ms=1.0, good_match=True)
    first, _, second, _, count = fmt.hits_table(hybrid).splitlines()
    assert first.endswith("a  (preference)  good match") and second.endswith("b  (preference)")
    assert count.startswith("2 hits (1 good match), mode hybrid")
    semantic = SimpleNamespace(hits=(hit("a", 0.6, True), hit("b", 0.3, False)), mode=SearchMode.SEMANTIC,
                               took_ms=1.0, good_match=True)
    assert fmt.hits_table(semantic).splitlines()[-1].startswith("2 hits (1 good match), mode semantic")
    keyword = SimpleNamespace(hits=(hit("a", 3.2, True),), mode=SearchMode.KEYWORD, took_ms=1.0, good_match=None)
    first, _, count = fmt.hits_table(keyword).splitlines()
    assert first.endswith("a  (preference)") and count.startswith("1 hit, mode keyword")


def test_a_memory_in_the_trash_is_marked_in_a_list():
    """An outside check: `list --include-deleted` showed a trashed memory exactly like a live one."""
    import dataclasses

    from tests.unit.gui.test_detail_facts import NOW, _memory

    live = _memory(content="Project Falcon kicks off in May")
    trashed = dataclasses.replace(live, id="m2", deleted_at=NOW)
    lines = fmt.memory_table([live, trashed]).splitlines()
    assert lines[1].endswith("  Project Falcon kicks off in May")
    assert lines[2].endswith("  [in trash] Project Falcon kicks off in May")
