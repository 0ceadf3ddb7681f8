"""Hybrid's keyword side reads a query without the words that are no evidence in its language."""

from memvault.ranking.query import plan
from memvault.ranking.weak_words import evidence_text, stop_list


def test_russian_question_words_and_pronouns_are_left_out():
    assert evidence_text("Когда мне идти к зубному врачу?") == "идти зубному врачу?"


def test_words_are_matched_whatever_their_case():
    assert evidence_text("КОГДА придёт сантехник?") == "придёт сантехник?"


def test_japanese_keeps_its_kanji_and_katakana_words():
    assert evidence_text("誰とチェスをしていますか？") == "誰 チェス ？"


def test_a_query_of_weak_words_only_is_kept_whole():
    assert evidence_text("Где мы?") == "Где мы?"
    assert evidence_text("どこですか") == "どこですか"


def test_english_and_latin_languages_are_left_to_keyword_search_s_own_lists():
    for query in ("When do I see the dentist?", "Wann kommt der Klempner?", "我的丈夫做什么工作？"):
        assert evidence_text(query) == query


def test_stop_lists_come_from_the_installed_spacy():
    assert {"когда", "мне", "где"} <= stop_list("ru")
    assert "और" in stop_list("hi")
    assert stop_list("xx-none") == frozenset()


def test_keyword_search_still_reads_every_word():
    planned = plan("Когда я принимаю лекарства?")
    assert planned.keyword == "Когда я принимаю лекарства?"
    assert planned.evidence == "принимаю лекарства?"
