"""Fusion, keyword evidence, turn inputs and the good-match thresholds (no model needed).

Expected relevances are worked out by hand from the shipped weights (written out below, not read from the
module), so a changed weight or a wrong term in the formula fails here; a refit updates these numbers.
"""

import math

import pytest

from memvault.domain.enums import SearchMode
from memvault.ranking import fusion, good_match, keyword, turn_context
from memvault.ranking.graph import GraphList

# The shipped fit, copied: similarity, coverage, BM25 (over BM25 + 20), bias; assistant, previous, next.
SIMILARITY, COVERAGE, BM25, BIAS = 8.792, 2.441, 3.131, -5.920
ASSISTANT, PREVIOUS, NEXT = -3.36, 2.31, 3.88


def test_relevance_is_the_logistic_of_the_weighted_evidence():
    # z = 8.792*0.5 + 2.441*0.25 + 3.131*10/30 - 5.920 = 0.129917
    assert fusion.relevance(0.5, 0.25, -10.0) == pytest.approx(0.532434, abs=1e-6)
    assert fusion.relevance(None, 0.0, None) == pytest.approx(0.002678, abs=1e-6)  # 1 / (1 + e^5.92)
    z = SIMILARITY * 0.5 + COVERAGE * 0.25 + BM25 * 10 / (10 + 20) + BIAS
    assert fusion.relevance(0.5, 0.25, -10.0) == pytest.approx(1 / (1 + math.exp(-z)))
    # Each kind of evidence raises the score; nothing at all is far below a good match.
    assert fusion.relevance(0.6, 0.0, None) > fusion.relevance(0.3, 0.0, None)
    assert fusion.relevance(0.3, 1.0, None) > fusion.relevance(0.3, 0.0, None)
    assert fusion.relevance(0.3, 0.5, -12.0) > fusion.relevance(0.3, 0.5, None)
    assert fusion.relevance(0.1, 0.0, None) < good_match.GOOD_MATCH < fusion.relevance(0.6, 1.0, -5.0)


def test_bm25_evidence_and_keyword_score_are_halved_at_their_constants():
    assert keyword.bm25_evidence(None) == 0.0
    assert keyword.bm25_evidence(-20.0) == 0.5 and keyword.bm25_evidence(-60.0) == 0.75
    assert keyword.keyword_score(-1.0) == 0.5 and keyword.keyword_score(-3.0) == 0.75


def test_the_function_words_of_the_querys_language_are_no_evidence():
    # Counted as words, "der", "ist" and "meiner" made a German memory about a birthday cover three fifths of a
    # question about a job.
    query = keyword.content_stems("Was ist der Beruf meiner Schwester?")
    assert query == {"beruf", "schwe"}
    assert keyword.coverage(query, "Der Geburtstag meiner Tochter ist am vierzehnten Juli.") == 0.0
    assert keyword.coverage(query, "Meine Schwester arbeitet als Krankenschwester.") == pytest.approx(1 / 2)
    assert keyword.content_stems("Wo wohne ich?") == {"wohn"}


def test_coverage_counts_the_query_words_found_in_the_text():
    query = keyword.content_stems("Which car does the user drive?")
    assert query == {"car", "user", "drive"}
    assert keyword.coverage(query, "The user drives an electric car") == 1.0
    assert keyword.coverage(query, "Lunch with Ravi on Friday") == 0.0
    assert keyword.coverage(query, "My car is red") == pytest.approx(1 / 3)
    assert keyword.coverage(frozenset(), "anything") == 0.0


def test_coverage_joins_a_words_inflections_that_share_no_five_letter_prefix():
    # Cut to five letters, "work" was a whole word: "Where does Priya work?" did not count "Priya works …".
    assert keyword.coverage(keyword.content_stems("Where does Priya work?"), "Priya works as a designer") == 1.0
    assert keyword.coverage(keyword.content_stems("Where does Hannah live?"), "Hannah lives in Porto") == 1.0
    assert keyword.coverage(keyword.content_stems("Is she happy there?"), "Her happiness at work") == 1.0
    assert keyword.coverage(keyword.content_stems("Who is running the 10k?"), "Ada runs it") == pytest.approx(1 / 2)
    # Words that only begin alike stay apart.
    assert keyword.coverage(keyword.content_stems("Which pet?"), "Peter's workshop") == 0.0
    assert keyword.coverage(keyword.content_stems("my car"), "cards and carpets") == 0.0


def test_coverage_meets_a_person_named_by_ist_with_a_short_root():
    # "guitarist" met "guitar" by its first five letters; "bassist" (Snowball leaves "-ist") never met "bass".
    query = keyword.content_stems("Which band does Maeve play bass in?")
    assert keyword.coverage(query, "a three piece that lost their bassist") == pytest.approx(1 / len(query))
    assert keyword.coverage(keyword.content_stems("who went cycling"), "two cyclists passed") == pytest.approx(1 / 2)
    assert keyword.coverage(keyword.content_stems("the guitar"), "their guitarist") == 1.0
    # A shorter root is no word of its own.
    assert keyword.content_stems("assist") == {"assis"}


def test_coverage_reads_an_irregular_past_as_its_verb():
    # Questions ask in the base form, chat reports in the past: no stemmer joins "got" to "get".
    assert keyword.coverage(keyword.content_stems("When did Ada get engaged?"), "my sister got engaged") \
        == pytest.approx(2 / 3)
    assert keyword.coverage(keyword.content_stems("What car did they buy?"), "we bought a Tiguan") \
        == pytest.approx(1 / 2)
    assert keyword.coverage(keyword.content_stems("who brought the cat"), "he brought the cat") == 1.0
    # A form that is as often another word is no verb's.
    assert keyword.coverage(keyword.content_stems("when will the sun rise"), "a red rose") == 0.0


@pytest.mark.parametrize("query", ["Which car does the user drive?", "deploying Kubernetes clusters in staging",
                                   "Straße und Café in München", "東京で寿司を食べた car",
                                   "Where does Priya work? Is she happy, running?",
                                   "When did the bassist buy it, and who did he meet?"])
def test_coverage_is_the_share_of_query_stems_among_the_texts_own_stems(query):
    # The regular-expression scan (and its one-group fast path for spaced words) against the plain definition.
    texts = ["The user drives an electric car", "Deployed the Kubernetes cluster to staging yesterday",
             "Priya works happily; her happiness runs in the family", "Workshops, happy hours and a rerun",
             "Ein Café in der Straße, München", "東京で寿司を食べた。My car was parked", "nothing shared here",
             "",
             "Our bass player bought it after we met; buying and meeting", "Bassists buy, boughtful meetings"]
    stems = keyword.content_stems(query)
    for text in texts:
        expected = len(stems & keyword.content_stems(text)) / len(stems)
        assert keyword.coverage(stems, text) == pytest.approx(expected), text


@pytest.mark.parametrize("mode, good", [(SearchMode.SEMANTIC, 0.455), (SearchMode.HYBRID, 0.025)])
@pytest.mark.parametrize("default", [0.3, 0.7])
def test_provider_thresholds_map_their_default_to_a_good_match_and_keep_their_order(default, mode, good):
    assert good_match.provider_threshold(default, default, mode) == pytest.approx(good)
    assert good_match.provider_threshold(0.0, default, mode) == 0.0
    assert good_match.provider_threshold(1.0, default, mode) == pytest.approx(1.0)
    # Half way from the default to 1 lands half way from the good-match point to 1.
    assert good_match.provider_threshold((default + 1) / 2, default, mode) == pytest.approx((good + 1) / 2)
    points = [i / 20 for i in range(21)]
    mapped = [good_match.provider_threshold(t, default, mode) for t in points]
    assert mapped == sorted(mapped)
    for t in points:
        assert good_match.provider_score(good_match.provider_threshold(t, default, mode), default, mode) == \
            pytest.approx(t)
    # A score is shown at or above the client's threshold exactly when the search kept it.
    assert good_match.provider_score(good, default, mode) == pytest.approx(default)
    assert good_match.provider_score(-0.5, default, mode) == 0.0 and good_match.provider_score(2, default, mode) == 1.0


def test_keyword_scores_have_no_good_match_point_to_map_onto():
    with pytest.raises(ValueError, match="keyword"):
        good_match.provider_threshold(0.7, 0.7, SearchMode.KEYWORD)


def test_graph_evidence_does_not_move_the_shipped_score(monkeypatch):
    assert fusion.relevance(0.5, 0.25, -10.0, 0.6) == fusion.relevance(0.5, 0.25, -10.0)
    monkeypatch.setattr(fusion, "W_GRAPH", 1.5)
    # With a weight it adds weight x evidence to the logit: 0.129917 + 0.9.
    assert fusion.relevance(0.5, 0.25, -10.0, 0.6) == pytest.approx(1 / (1 + math.exp(-1.029917)), abs=1e-6)


def test_ties_fall_by_text_then_id_and_graph_evidence_orders_nothing():
    tied = sorted([(0.7, 3, "b"), (0.7, 1, "c"), (0.7, 2, "a"), (0.7, 0, "a")], key=lambda t: fusion.rank_key(*t))
    assert [t[1] for t in tied] == [0, 2, 3, 1]
    apart = sorted([(0.70, 1, "a"), (0.72, 2, "z")], key=lambda t: fusion.rank_key(*t))
    assert [t[1] for t in apart] == [2, 1]


def test_turn_inputs_move_the_relevance_by_their_weights():
    z = fusion.W_SIMILARITY * 0.4 + fusion.W_COVERAGE * 0.5 + fusion.W_BM25 * 8 / 28 + fusion.BIAS

    def sigmoid(x):
        return 1 / (1 + math.exp(-x))

    assert fusion.relevance(0.4, 0.5, -8.0) == pytest.approx(sigmoid(z), abs=1e-9)
    assert fusion.relevance(0.4, 0.5, -8.0, question=True) == pytest.approx(sigmoid(z + fusion.W_QUESTION), abs=1e-9)
    assert fusion.relevance(0.4, 0.5, -8.0, previous_gain=0.2, next_gain=-0.1) == pytest.approx(
        sigmoid(z + 0.2 * fusion.W_PREVIOUS_GAIN - 0.1 * fusion.W_NEXT_GAIN), abs=1e-9)
    base = fusion.relevance(0.4, 0.5, -8.0)
    # A question weighs less; a turn whose neighbours are closer to the query weighs more.
    assert fusion.relevance(0.4, 0.5, -8.0, question=True) < base < fusion.relevance(0.4, 0.5, -8.0, next_gain=0.1) \
        < fusion.relevance(0.4, 0.5, -8.0, next_gain=0.2)


def test_a_question_is_read_from_the_text_alone():
    asks = turn_context.asks
    assert asks("where exactly does the knee hurt?") and asks('She asked "is it far?"  ')
    assert not asks("outside, after about 12k") and not asks("Is it? No, it is fine.") and not asks("")


def test_the_relevance_has_no_speaker_input():
    import inspect
    assert "assistant" not in inspect.signature(fusion.relevance).parameters


def test_coverage_cuts_chinese_and_japanese_into_the_keyword_indexs_bigrams():
    # Split on \w+, the whole query was one "word": any text but the query itself covered nothing of it.
    query = keyword.content_stems("我喜欢喝咖啡")
    assert query == {"我喜", "喜欢", "欢喝", "喝咖", "咖啡"}
    assert keyword.coverage(query, "他每天早上喝咖啡") == pytest.approx(2 / 5)
    japanese = keyword.content_stems("東京の天気")
    assert keyword.coverage(japanese, "明日の東京は晴れ") == pytest.approx(1 / 4)
    mixed = keyword.content_stems("Which café sells 咖啡?")
    assert mixed == {"café", "sell", "咖啡"}
    assert keyword.coverage(mixed, "The café sells tea and good咖啡") == 1.0
    assert keyword.coverage(mixed, "The café sells tea") == pytest.approx(2 / 3)


def test_the_querys_background_is_taken_off_each_hits_similarity_and_shown():
    def z(sim, background=0.0):
        return SIMILARITY * (sim - background) + BIAS

    assert fusion.relevance(0.5, 0.0, None, background=0.2) == pytest.approx(1 / (1 + math.exp(-z(0.5, 0.2))))
    assert fusion.relevance(0.5, 0.0, None, background=0.2) == pytest.approx(fusion.relevance(0.3, 0.0, None))
    texts = {1: ("a note", None), 2: ("another note", None)}
    page = fusion.rank(SearchMode.HYBRID, "note", [(1, 10, 0.6), (2, 20, 0.4)], None, [], texts,
                       GraphList(), [], {}, 5, 0.0, background=0.15)
    assert [mid for _, mid, _ in page] == [1, 2]
    assert [b.background for _, _, b in page] == [0.15, 0.15]
    assert page[0][0] == pytest.approx(fusion.relevance(0.6, page[0][2].coverage, None, background=0.15))
    assert page[0][2].semantic == 0.6  # the similarity shown is the model's, on its scale
