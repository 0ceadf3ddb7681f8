"""Which script and (roughly) which language a text is in, and how to cut it into words for a keyword index.

Pure text rules, no model: the keyword index and the extraction gate need only "is this English?" and
"which characters form words?", and both must answer in microseconds per memory.

Chinese, Japanese, Thai and the other scripts written without spaces have no word boundaries an index
tokenizer can see, so their runs are indexed as overlapping pairs of characters (bigrams, as CJK search
engines do): a two-character word is then one index term, and a longer one a phrase of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Scripts written without spaces between words, by code point range: (first, last, family).
_UNSPACED: tuple[tuple[int, int, str], ...] = (
    (0x0E00, 0x0E7F, "thai"), (0x0E80, 0x0EFF, "lao"), (0x1000, 0x109F, "myanmar"), (0x1780, 0x17FF, "khmer"),
    (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7AF, "hangul"),
    (0x3040, 0x309F, "cjk"), (0x30A0, 0x30FF, "cjk"), (0x31F0, 0x31FF, "cjk"), (0x3400, 0x4DBF, "cjk"),
    (0x4E00, 0x9FFF, "cjk"), (0xF900, 0xFAFF, "cjk"), (0xFF66, 0xFF9F, "cjk"), (0x20000, 0x2FFFF, "cjk"),
)
#: Arabic short vowels, shadda, sukun, superscript alef and the tatweel, and Hebrew's vowel points and cantillation
#: marks: most Arabic and Hebrew is written without them, so a word typed bare must find it written vowelled.
_ARABIC_MARKS = re.compile("[\u0640\u064B-\u065F\u0670\u06D6-\u06ED\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4"
                           "\u05C5\u05C7]")
#: Greek letters with their accents (tonos, dialytika, the polytonic marks), which people often leave out: the
#: index tokenizer folds accents of Latin letters only.
_GREEK = re.compile("[\u0370-\u03FF\u1F00-\u1FFF]+")
#: Russian writes "ё" as "е" more often than not.
_YO = str.maketrans("ёЁ", "еЕ")

ENGLISH_STOPWORDS = frozenset(
    "the a an and or of to in is are was were be been it that this with for on at by from as i you he she we "
    "they my your his her our their me him us them not do does did have has had will would can could am "
    "just about what when where no yes".split())
#: The commonest function words of the Latin-script languages users most often write in besides English, and
#: the first-person forms people tell facts in ("soy", "ich bin", "j'habite"): a short sentence has few of the
#: first kind. Words these share with English ("a", "in", "me") count for both, so they decide nothing alone.
FOREIGN_STOPWORDS: dict[str, frozenset[str]] = {
    "es": frozenset("sí este esta esto ese esa hay fue ser era tiene hace han ha le les sin sobre entre hasta desde donde mucho otro todo todos nuestro ella ellos usted el la los las de del que y en un una por con para es está son mi mis su se lo al como pero "
                    "más me te nos yo soy estoy tengo trabajo vivo muy ayer hoy mañana hola también porque cuando "
                    "qué cuándo dónde cómo quién cuál a".split()),
    "de": frozenset("seit zur zum warum weil dass wenn noch schon immer nur kein keine mir mich dir uns euch ihr ihm ihn sind sein haben wird werden kann muss aus über unter vor durch gegen ohne vom beim ins jetzt dort der die das und ist nicht ein eine einen ich du er sie wir mit auf für von zu den dem des im "
                    "hallo mein meine bin habe hat heiße heißt wohne arbeite bei nach gestern heute morgen auch aber oder sehr war "
                    "wie was wo wann wer welche welcher welchen welches unser unsere einer mag in".split()),
    "fr": frozenset("ne ni se sa son ses leur leurs ont avons avez sont était été être avoir fait faire bien aussi comme où quand pourquoi comment en rien tout tous toute nos vos votre notre moi toi lui eux le la les et est un une des du je j tu il elle nous vous avec pour dans pas que qui sur mon "
                    "ma mes suis ai au aux hier demain ce cette très mais ou chez depuis habite travaille à "
                    "aujourd".split()),
    "pt": frozenset("ele ela eles nós você vocês isso isto este esta esse essa foi ser era tem há fazer muito também quando onde como porque já ainda sempre tudo nosso nossa ao à pelo pela dos das nos nas o a os as de do da e é um uma em que não com para por eu meu minha se mais na sou estou "
                    "tenho moro trabalho ontem hoje".split()),
    "it": frozenset("sì ci si ne mi ti lui lei noi voi loro questo questa quello quella sei siamo hanno ha abbiamo era stato fare fatto più perché quando dove come già ancora sempre tutto tutti nella dello degli delle al alla dal dalla il lo la gli le di e è un una che non per con sono io mio mia del della nel ho ieri oggi "
                    "domani anche ma molto abito lavoro a in".split()),
    "nl": frozenset("de het een en is van ik je niet dat met op voor zijn mijn we te in woon ben heb werk "
                    "gisteren".split()),
    "sv": frozenset("jag du han hon vi det är och en ett att i på med för inte min mitt bor har var till av "
                    "jobbar igår".split()),
    "pl": frozenset("w z na do nie jest to się że jak mój moja mam jestem od po ale mieszkam pracuję "
                    "wczoraj".split()),
    "id": frozenset("saya aku di dan yang ini itu tidak dengan untuk ke dari tinggal bekerja kemarin".split()),
}
#: Words of :data:`FOREIGN_STOPWORDS` that carry a fact's meaning, kept as search terms: the lists name a language
#: by the forms people state facts in ("vivo", "ich wohne", "j'habite", "gestern"), and "¿Dónde vivo?" or "Was mag
#: ich?" are found by exactly those words.
_CONTENT_FORMS = frozenset(
    "trabajo vivo ayer hoy mañana hola wohne arbeite heiße heißt gestern heute morgen hallo mag habite travaille "
    "hier demain aujourd moro trabalho ontem hoje abito lavoro ieri oggi domani woon werk gisteren bor jobbar igår "
    "mieszkam pracuję wczoraj tinggal bekerja kemarin".split())
#: Inflected and question forms of the same function words, which the lists above (made to name a language) leave
#: out: possessives, articles and demonstratives by case and gender, and the question words.
_INFLECTED = {
    "de": "meiner meinem meinen meines deine deiner deinem deinen seine seiner seinem seinen ihre ihrer ihrem "
          "ihren unserer unserem unseren eurer einem einer eines dieser diese dieses diesem diesen welchem wieso "
          "weshalb wohin woher man sich am um an als so da denn doch ja nein nichts etwas alle viel viele",
    "es": "cuáles quién quiénes cuánto cuánta cuántos cuántas mí tú él nuestra nuestros nuestras sus tus mío mía "
          "aquí allí",
    "fr": "de quel quelle quels quelles quoi lequel laquelle mes tes ses ton ta cet ces ça",
    "pt": "qual quais quem quanto quanta meus minhas seu sua seus suas teu tua",
    "it": "quale quali chi cosa quanto quanta miei mie tuo tua suo sua nostro nostra",
}
#: Each language's function words as search terms see them (lower-cased and case-folded): a German question
#: shares "der", "ist" and "meiner" with most German memories, and counted as words those made unrelated
#: memories look like answers.
_FUNCTION_WORDS = {code: frozenset(w for word in (words - _CONTENT_FORMS) | frozenset(_INFLECTED.get(code, "").split())
                              for w in (word.lower(), word.casefold()))
                   for code, words in FOREIGN_STOPWORDS.items()}
#: The languages :func:`guess_language` names, in English, for messages to people.
LANGUAGE_NAMES = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French", "id": "Indonesian", "it": "Italian",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "sv": "Swedish", "ru": "Russian", "el": "Greek",
    "he": "Hebrew", "ar": "Arabic", "hi": "Hindi", "bn": "Bengali", "ta": "Tamil", "th": "Thai", "ko": "Korean",
    "zh": "Chinese", "ja": "Japanese",
}
#: Letters by script for the language guess of non-Latin text: (first, last, language).
_SCRIPT_LANGUAGE: tuple[tuple[int, int, str], ...] = (
    (0x0400, 0x04FF, "ru"), (0x0370, 0x03FF, "el"), (0x0590, 0x05FF, "he"), (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"), (0x0900, 0x097F, "hi"), (0x0980, 0x09FF, "bn"), (0x0B80, 0x0BFF, "ta"),
    (0x0E00, 0x0E7F, "th"), (0xAC00, 0xD7AF, "ko"), (0x1100, 0x11FF, "ko"),
)
_WORD = re.compile(r"[^\W\d_]+")
#: Letters of the scripts written without spaces (:data:`_UNSPACED`), in runs.
_UNSPACED_LETTERS = re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last, _ in _UNSPACED) + "]+")


def unspaced_family(ch: str) -> str | None:
    """The family of scripts written without spaces ``ch`` belongs to (``"cjk"``, ``"thai"``…), or None."""
    code = ord(ch)
    if code < 0x0E00:
        return None
    for first, last, family in _UNSPACED:
        if first <= code <= last:
            return family
    return None


def is_fragment(word: str) -> bool:
    """A one-letter word of a spaced script: what the keyword index keeps of a possessive or a contraction
    ("Priya's" is "priya" and "s", "don't" "don" and "t", "s’appelle" "s" and "appelle"), or an initial. It is
    in nearly every memory and asks for nothing: "what is Priya's surname" ranked every note with an "'s"
    above the notes about Priya."""
    return len(word) == 1 and word.isalpha() and unspaced_family(word) is None


def _is_word_char(ch: str) -> bool:
    # What FTS5's unicode61 tokenizer keeps with categories 'L* N* Co M*': letters, digits, private use and
    # the combining marks Devanagari, Thai and Arabic words are written with.
    cat = unicodedata.category(ch)
    return cat[0] in "LNM" or cat == "Co"


def _bare_greek(match: re.Match) -> str:
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", match.group())
                                                 if unicodedata.category(ch) != "Mn"))


def fold(text: str) -> str:
    """``text`` as both the index and the query see it: compatibility forms unified (full-width Latin, ligatures),
    Arabic and Hebrew vowel marks and Greek accents dropped, "ё" read as "е". Case and Latin accents are folded by
    the index tokenizer itself."""
    folded = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_YO)
    return _GREEK.sub(_bare_greek, folded)


def _clusters(run: str) -> list[str]:
    """``run`` cut into base characters each with the combining marks that follow it (a Thai vowel sign is
    part of its consonant, never a unit of its own)."""
    out: list[str] = []
    for ch in run:
        if out and unicodedata.category(ch)[0] == "M":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _runs(text: str) -> list[tuple[str, str | None]]:
    """``text`` split into pieces, each either a run of one unspaced family (with its marks) or other text.

    Found by one regular-expression scan for unspaced letters, so text without any (most of it) costs one scan:
    indexing a long note went character by character, building each piece a character at a time (a 48,000
    character runbook took 44 ms and a 480,000 character one 9 s: quadratic in its length)."""
    pieces: list[list] = []  # [start, end, family]
    at = 0
    for match in _UNSPACED_LETTERS.finditer(text):
        i, end = match.span()
        while i < end:
            family, j = unspaced_family(text[i]), i + 1
            while j < end and unspaced_family(text[j]) == family:
                j += 1
            if j == end:  # a combining mark stays with the run it follows
                while j < len(text) and unspaced_family(text[j]) is None and unicodedata.category(text[j])[0] == "M":
                    j += 1
            if i > at:
                pieces.append([at, i, None])
            if pieces and pieces[-1][2] == family and pieces[-1][1] == i:
                pieces[-1][1] = j
            else:
                pieces.append([i, j, family])
            at = i = j
    if at < len(text):
        pieces.append([at, len(text), None])
    return [(text[start:end], family) for start, end, family in pieces]


def _bigrams(run: str) -> list[str]:
    units = _clusters(run)
    return [units[i] + units[i + 1] for i in range(len(units) - 1)]


def segment(text: str) -> str:
    """``text`` as the multilingual keyword index stores it: folded, each unspaced run as its overlapping
    bigrams followed by its last character alone (so every character starts some term, and a one-character
    query finds it as a prefix), other text unchanged."""
    out: list[str] = []
    for piece, family in _runs(fold(text)):
        if family is None:
            out.append(piece)
        else:
            out.append(" " + " ".join(_bigrams(piece) + [_clusters(piece)[-1]]) + " ")
    return "".join(out)


@dataclass(frozen=True)
class QueryTerm:
    """One term of a query to the multilingual index: a word or bigram, or (``prefix``) a lone character."""

    text: str
    prefix: bool = False


def query_terms(query: str, limit: int = 64) -> list[QueryTerm]:
    """The terms a query asks the multilingual index for, in order, each once: words of spaced scripts, the
    bigrams of unspaced runs (a lone character as a prefix term)."""
    terms: list[QueryTerm] = []
    for piece, family in _runs(fold(query)):
        if family is None:
            word = ""
            for ch in piece + " ":
                if _is_word_char(ch):
                    word += ch
                elif word:
                    terms.append(QueryTerm(word.lower()))
                    word = ""
        else:
            grams = _bigrams(piece)
            terms += [QueryTerm(g) for g in grams] if grams else [QueryTerm(piece, prefix=True)]
    return list(dict.fromkeys(terms))[:limit]


@dataclass(frozen=True)
class ScriptProfile:
    """What letters a text is written in: ``latin`` ASCII or accented Latin letters, ``other`` every other letter."""

    ascii_letters: int
    latin_letters: int
    other_letters: int
    unspaced: bool

    @property
    def letters(self) -> int:
        return self.latin_letters + self.other_letters

    @property
    def latin_only(self) -> bool:
        return self.other_letters == 0


def profile(text: str) -> ScriptProfile:
    ascii_letters = latin = other = 0
    unspaced = False
    for ch in text:
        if not ch.isalpha():
            continue
        if ch.isascii():
            ascii_letters += 1
            latin += 1
        elif "LATIN" in unicodedata.name(ch, ""):
            latin += 1
        else:
            other += 1
            unspaced = unspaced or unspaced_family(ch) is not None
    return ScriptProfile(ascii_letters, latin, other, unspaced)


#: English words spelled like another language's function words ("die", "war", "bin"): each counts for both.
_ENGLISH_HOMOGRAPHS = frozenset("met die war hat bin mag also ma ce son fin man will um over era".split())
_FOREIGN_WORDS = frozenset().union(*FOREIGN_STOPWORDS.values())
#: The lists as text is compared with them: casefolded ("heißt" is "heisst").
_FOLDED_STOPWORDS = {code: frozenset(w.casefold() for w in words) for code, words in FOREIGN_STOPWORDS.items()}
#: How much more function-word evidence another language needs than English (and twice English's at least):
#: English is what the pipeline reads, and an English turn misread as foreign loses its facts, so short text
#: and English text quoting another language stay English.
FOREIGN_MARGIN = 1.0


def _latin_language(words: list[str], lenient: bool = False) -> tuple[str, int]:
    """The language ``words`` are in by their function words, and how many English function words they have.

    A word that is a function word of English and of another language ("a", "in", "me") counts half for
    each; another language needs two of its words and wins only by :data:`FOREIGN_MARGIN` over English and
    with twice its evidence (``lenient``: one word, and more evidence than English).
    """
    english_words = [w for w in words if w in ENGLISH_STOPWORDS]
    english = sum(0.5 if w in _FOREIGN_WORDS else 1.0 for w in english_words)
    best, best_score = "en", 0.0
    for code, stopwords in _FOLDED_STOPWORDS.items():
        found = [w for w in words if w in stopwords]
        # Two words at least; a lone letter ("e", "w") may as well be an initial or a label.
        score = sum(0.5 if len(w) == 1 or w in ENGLISH_STOPWORDS or w in _ENGLISH_HOMOGRAPHS else 1.0
                    for w in found) if len(found) >= (1 if lenient else 2) else 0.0
        if score > best_score:
            best, best_score = code, score
    if lenient:
        foreign = best_score > english
    else:
        foreign = best_score >= english + FOREIGN_MARGIN and best_score >= 2 * english
    return (best if foreign else "en"), len(english_words)


def guess_language(text: str, lenient: bool = False) -> str:
    """A cheap guess at ``text``'s language: an ISO 639-1 code, ``"en"`` when nothing speaks against English,
    ``"und"`` for text in a script this does not name. Scripts decide first (kana means Japanese, Han alone
    Chinese), then the function words of Latin-script languages; short or ambiguous text counts as English.
    ``lenient``: another Latin-script language wins with one function word, or with more evidence than English
    at all (for a short question, where the strict margin leaves most of them English)."""
    p = profile(text)
    if p.letters == 0:
        return "en"
    if p.other_letters > p.latin_letters:
        counts: dict[str, int] = {}
        kana = False
        for ch in text:
            code = ord(ch)
            if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
                kana = True
            if unspaced_family(ch) == "cjk":
                counts["zh"] = counts.get("zh", 0) + 1
                continue
            for first, last, lang in _SCRIPT_LANGUAGE:
                if first <= code <= last:
                    counts[lang] = counts.get(lang, 0) + 1
                    break
        if not counts:
            return "und"
        best = max(counts, key=counts.__getitem__)
        return "ja" if best == "zh" and kana else best
    # Acronyms ("IL-1β", "DE") are no function words.
    words = [w.casefold() for w in _WORD.findall(text) if len(w) == 1 or not w.isupper()]
    language, english = _latin_language(words, lenient)
    if language == "en" and english < 2 and p.latin_letters - p.ascii_letters > max(2, p.latin_letters // 20):
        # Many accented letters and hardly an English function word: a Latin language, not English (names
        # such as José or Zürich in an English sentence leave it English).
        return "und"
    return language


def is_english(text: str) -> bool:
    """Whether the English pipeline and stemmer fit ``text`` (see :func:`guess_language`)."""
    return guess_language(text) == "en"


def function_words(text: str) -> frozenset[str]:
    """The function words of the language ``text`` is guessed to be in, besides English's (which the keyword
    paths hold themselves), lower-cased and case-folded; empty for English and for languages without a list."""
    return _FUNCTION_WORDS.get(guess_language(text), frozenset())
