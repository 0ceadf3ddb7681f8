"""Script and language rules behind the multilingual keyword index and the extraction gate."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.domain import language
from memvault.domain.language import QueryTerm, guess_language, is_english, query_terms, segment
from tests.helpers.budget import examples


def test_unspaced_runs_become_bigrams_and_the_last_character():
    assert segment("我喜欢咖啡").split() == ["我喜", "喜欢", "欢咖", "咖啡", "啡"]
    assert segment("iPhone手机 ok").split() == ["iPhone", "手机", "机", "ok"]


def test_thai_vowel_and_tone_marks_stay_with_their_consonant():
    assert segment("แม่").split() == ["แม่", "ม่"]
    assert all(not t.startswith("\u0e48") for t in segment("กินข้าว").split())


def test_arabic_vowel_marks_and_full_width_forms_fold():
    assert segment("مَدْرَسَة") == "مدرسة"
    assert segment("ＡＢＣ") == "ABC"


def test_query_terms_keep_combining_marks_in_words_and_lone_characters_as_prefixes():
    assert query_terms("हिंदी भाषा") == [QueryTerm("हिंदी"), QueryTerm("भाषा")]
    assert query_terms("猫") == [QueryTerm("猫", prefix=True)]
    assert query_terms("東京 東京") == [QueryTerm("東京")]
    assert query_terms("Straße") == [QueryTerm("straße")]


@pytest.mark.parametrize(("text", "language"), [
    ("I went to the market with my sister yesterday.", "en"),
    ("ok", "en"),
    ("我上周在北京买了一台新电脑", "zh"),
    ("昨日は東京で友達と寿司を食べました", "ja"),
    ("오늘 친구와 점심을 먹었어요", "ko"),
    ("ذهبت إلى المدرسة مع أختي", "ar"),
    ("Моя сестра работает врачом", "ru"),
    ("मेरी बहन दिल्ली में डॉक्टर है", "hi"),
    ("ฉันชอบกินข้าวผัด", "th"),
    ("Mi canción favorita es de Rosalía y la escucho en el coche", "es"),
    ("Unser Hund schläft gern neben dem Kühlschrank in der Küche", "de"),
    ("Je vais au marché avec ma sœur pour acheter des légumes", "fr"),
    # Short first-person sentences, where English's "me", "a" and "in" used to tie and win.
    ("El lunes pasado me mudé a Sevilla.", "es"),
    ("Soy alérgica a los cacahuetes.", "es"),
    ("Ich wohne in Berlin.", "de"),
    ("Meine Tochter heißt Lena.", "de"),
    ("J'habite à Lyon depuis 2019.", "fr"),
    ("Hier, j'ai commencé un nouveau travail chez Renault.", "fr"),
    ("Abito a Milano.", "it"),
    ("Ik woon in Amsterdam.", "nl"),
    ("Jag bor i Stockholm.", "sv"),
    ("Mieszkam w Warszawie od maja.", "pl"),
    ("Saya tinggal di Jakarta.", "id"),
    # English with accented names stays English; so do the short replies other languages share words with.
    ("I had dinner with José and Zoë at the café in Zürich.", "en"),
    ("My name is Björn Ångström and I work at Ericsson in Göteborg.", "en"),
    ("Me too", "en"),
    ("no", "en"),
    ("A secret after E removal", "en"),
    ("Ben's team note", "en"),
    ("w2 flipped", "en"),
])
def test_language_guess(text, language):
    assert guess_language(text) == language
    assert is_english(text) == (language == "en")


@pytest.mark.parametrize(("question", "strict", "lenient"), [
    # Short questions: one function word more than English's, or a single one, is all they have.
    ("Was trinke ich am Morgen?", "en", "de"),
    ("Wovor fürchtet sich unser Hund?", "en", "de"),
    ("¿Qué deporte practico?", "en", "es"),
    ("Wo ist mein Reisepass?", "de", "de"),
    # English questions stay English either way, also with a word another language has ("die", "me").
    ("What did I drink in the morning?", "en", "en"),
    ("When did the plant die?", "en", "en"),
    ("Can you remind me about the dentist?", "en", "en"),
    ("Моя сестра работает врачом?", "ru", "ru"),
])
def test_a_lenient_guess_reads_a_short_question_by_any_function_word_it_has(question, strict, lenient):
    assert guess_language(question) == strict
    assert guess_language(question, lenient=True) == lenient


def _runs_one_character_at_a_time(text: str) -> list[tuple[str, str | None]]:
    """What :func:`language._runs` means, read one character at a time (its former body, quadratic in a long
    text's length: a 48,000-character note took 90 ms to index)."""
    import unicodedata

    pieces: list[tuple[str, str | None]] = []
    for ch in text:
        family = language.unspaced_family(ch)
        if family is None and pieces and pieces[-1][1] is not None and unicodedata.category(ch)[0] == "M":
            family = pieces[-1][1]
        if pieces and pieces[-1][1] == family:
            pieces[-1] = (pieces[-1][0] + ch, family)
        else:
            pieces.append((ch, family))
    return pieces


# Latin, a stray combining accent, Thai with its marks, Lao, Myanmar, Khmer, Hangul, kana, CJK (with the kana
# voicing mark, a compatibility ideograph, half-width katakana and an ideograph beyond the BMP), Devanagari, Hebrew.
_MIXED = "ab c1.,\u0301\u0e01\u0e31\u0e32\u0e81\u1000\u1780\u1100\uac00\u3042\u30a2\u4e00\u4e01\uf900\U00020000" \
         "\u0915\u093f\u05d0 \u3099\uff66"


@settings(max_examples=examples(400), deadline=None)
@given(st.text(alphabet=_MIXED, max_size=16))
def test_runs_are_found_as_reading_one_character_at_a_time_would(text):
    assert language._runs(text) == _runs_one_character_at_a_time(text)


@pytest.mark.parametrize("text, words, kept", [
    ("Was ist der Beruf meiner Schwester?", {"der", "ist", "meiner", "was"}, {"beruf", "schwester"}),
    ("¿Cuál es el trabajo de mi hermana?", {"cuál", "el", "de", "mi"}, {"hermana"}),
    ("Quel est le métier de ma sœur ?", {"quel", "est", "le", "de"}, {"métier", "sœur"}),
])
def test_function_words_are_those_of_the_texts_language(text, words, kept):
    found = language.function_words(text)
    assert words <= found
    assert not kept & found


def test_function_words_keep_the_forms_facts_are_stated_in_and_leave_english_alone():
    # "wohne", "trabajo" and "gestern" name a language to the guess, but a question is found by them.
    assert not {"wohne", "gestern", "mag"} & language.function_words("Wo wohne ich seit gestern, und was mag ich?")
    assert "trabajo" not in language.function_words("¿Dónde está mi trabajo?")
    assert language.function_words("Which war did he die in?") == frozenset()
    assert language.function_words("東京の天気") == frozenset()
