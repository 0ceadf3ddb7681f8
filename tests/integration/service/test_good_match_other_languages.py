"""Good match outside English: in a vault written in another language, a question nothing stored answers is not
flagged a good match, and a right first answer still is (the multilingual model, as such a vault uses).

Before hybrid took a query's background into account, with the answer in the trash the best remaining German or
Spanish note was flagged a good match for nearly every question (23 of 24 on the tuning set). Before hybrid's
keyword side left out Russian's function words and Japanese's kana, 5 of the 14 Russian and 8 of the 14 Japanese
questions below were (a shared "когда" or "ています" counted as evidence)."""

import pytest

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import create_vault

pytestmark = pytest.mark.slow  # depends on meaning: the real multilingual model

PASSPHRASE = "correct horse battery staple"

# Written for this test (not from any evaluation set): one person's notes and a question about each.
NOTES = {
    "de": [
        ("Meine Schwester Jana arbeitet als Tierärztin in Leipzig.", "Was ist Jana von Beruf?"),
        ("Der Klempner kommt am Dienstag um neun, um die Spüle zu reparieren.", "Wann kommt der Klempner?"),
        ("Ich trinke morgens immer einen Pfefferminztee statt Kaffee.", "Was trinke ich am Morgen?"),
        ("Unser Hund Fips hat Angst vor Staubsaugern.", "Wovor fürchtet sich unser Hund?"),
        ("Das Auto muss im Mai zur Hauptuntersuchung.", "Wann muss das Auto in die Werkstatt zur Prüfung?"),
        ("Meine Lieblingsband ist eine kleine Jazzgruppe aus Hamburg.", "Welche Musik höre ich am liebsten?"),
        ("Im Sommer fahren wir mit dem Zelt an die Ostsee.", "Wo verbringen wir den Sommerurlaub?"),
        ("Mein Fahrradschloss hat die Zahlenkombination vier-sieben-zwei.", "Wie lautet der Code vom Fahrradschloss?"),
        ("Ich bin allergisch gegen Katzenhaare.", "Wogegen bin ich allergisch?"),
        ("Der Geburtstag meines Vaters ist am elften Februar.", "Wann hat mein Vater Geburtstag?"),
        ("Ich lerne seit Januar Portugiesisch mit einer App.", "Welche Sprache lerne ich gerade?"),
        ("Die Steuererklärung muss bis Ende Juli abgegeben werden.", "Bis wann ist die Steuererklärung fällig?"),
        ("Meine Nachbarin Frau Ott gießt die Blumen, wenn wir verreisen.", "Wer kümmert sich um die Pflanzen?"),
        ("Ich spiele mittwochs Badminton im Verein.", "Welchen Sport treibe ich?"),
    ],
    "es": [
        ("Mi hermano Diego trabaja de cocinero en un restaurante de Sevilla.", "¿En qué trabaja Diego?"),
        ("El fontanero viene el martes a las nueve para arreglar el fregadero.", "¿Cuándo viene el fontanero?"),
        ("Por las mañanas siempre tomo una infusión de menta en vez de café.", "¿Qué bebo por la mañana?"),
        ("Nuestro perro Toby tiene miedo de la aspiradora.", "¿A qué le tiene miedo nuestro perro?"),
        ("El coche tiene que pasar la inspección técnica en mayo.", "¿Cuándo tiene que pasar el coche la revisión?"),
        ("Mi grupo favorito es una pequeña banda de jazz de Valencia.", "¿Qué música me gusta más?"),
        ("En verano vamos de acampada a la costa de Asturias.", "¿Dónde pasamos las vacaciones de verano?"),
        ("El candado de la bici tiene la combinación cuatro-siete-dos.", "¿Cuál es el código del candado?"),
        ("Soy alérgica al pelo de gato.", "¿A qué soy alérgica?"),
        ("El cumpleaños de mi padre es el once de febrero.", "¿Cuándo es el cumpleaños de mi padre?"),
        ("Desde enero estudio portugués con una aplicación.", "¿Qué idioma estoy aprendiendo?"),
        ("La declaración de la renta hay que presentarla antes de finales de junio.",
         "¿Hasta cuándo hay plazo para la renta?"),
        ("Mi vecina Carmen riega las plantas cuando nos vamos de viaje.", "¿Quién cuida las plantas?"),
        ("Los miércoles juego al bádminton en un club.", "¿Qué deporte practico?"),
    ],
    "ru": [
        ("Моя сестра Ольга работает ветеринаром в Казани.", "Кем работает Ольга?"),
        ("Сантехник придёт во вторник в девять, чтобы починить раковину.", "Когда придёт сантехник?"),
        ("По утрам я всегда пью мятный чай вместо кофе.", "Что я пью по утрам?"),
        ("Наша собака Жучка боится пылесоса.", "Чего боится наша собака?"),
        ("В мае машину нужно везти на техосмотр.", "Когда машине нужен техосмотр?"),
        ("Моя любимая группа — небольшой джазовый ансамбль из Самары.", "Какую музыку я люблю больше всего?"),
        ("Летом мы ездим с палаткой на Байкал.", "Где мы проводим летний отпуск?"),
        ("Код от велосипедного замка — четыре, семь, два.", "Какой код у замка от велосипеда?"),
        ("У меня аллергия на кошачью шерсть.", "На что у меня аллергия?"),
        ("День рождения моего отца — одиннадцатого февраля.", "Когда у моего отца день рождения?"),
        ("С января я учу португальский по приложению.", "Какой язык я сейчас учу?"),
        ("Налоговую декларацию нужно подать до конца апреля.", "До какого числа надо подать декларацию?"),
        ("Соседка Нина поливает цветы, когда мы уезжаем.", "Кто ухаживает за растениями?"),
        ("По средам я играю в бадминтон в клубе.", "Каким спортом я занимаюсь?"),
    ],
    "ja": [
        ("姉の由美は札幌で獣医として働いています。", "由美の仕事は何ですか？"),
        ("配管工は火曜日の九時に流し台を直しに来ます。", "配管工はいつ来ますか？"),
        ("朝はいつもコーヒーの代わりにミントティーを飲みます。", "朝は何を飲んでいますか？"),
        ("うちの犬のポチは掃除機を怖がります。", "うちの犬は何を怖がっていますか？"),
        ("車は五月に車検を受けなければなりません。", "車の点検はいつですか？"),
        ("好きなバンドは福岡の小さなジャズグループです。", "一番好きな音楽は何ですか？"),
        ("夏はテントを持って北海道へキャンプに行きます。", "夏休みはどこで過ごしますか？"),
        ("自転車の鍵の番号は四七二です。", "自転車の鍵の暗証番号は？"),
        ("猫の毛にアレルギーがあります。", "何のアレルギーがありますか？"),
        ("父の誕生日は二月十一日です。", "父の誕生日はいつですか？"),
        ("一月からアプリでポルトガル語を勉強しています。", "今何語を勉強していますか？"),
        ("確定申告は三月中旬までに出さなければなりません。", "確定申告の締め切りはいつですか？"),
        ("旅行中は隣の佐藤さんが花に水をやってくれます。", "植物の世話は誰がしてくれますか？"),
        ("毎週水曜日にクラブでバドミントンをしています。", "どんなスポーツをしていますか？"),
    ],
}


@pytest.mark.parametrize("size", [14, 6])
@pytest.mark.parametrize("language", sorted(NOTES))
def test_a_question_nothing_answers_is_no_good_match_and_a_right_first_answer_is(settings, multilingual_embedder,
                                                                                 language, size):
    """``size``: the vault holds that many of the language's notes (a new vault starts small: before a small
    namespace had a background of its own, 6 notes gave no background at all)."""
    services = create_vault(settings, PASSPHRASE, multilingual_embedder, background=False)
    try:
        notes = NOTES[language][:size]
        ids = [services.memories.create(MemoryCreate(content=note)).memory.id for note, _ in notes]
        services.worker.drain()

        def best(question):
            return services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                      filter=MemoryFilter(namespace="default")))

        right_first = flagged_right = 0
        for memory_id, (_note, question) in zip(ids, notes, strict=True):
            result = best(question)
            if result.hits[0].memory.id == memory_id:
                right_first += 1
                flagged_right += bool(result.good_match)
        flagged_absent = 0
        for memory_id, (_note, question) in zip(ids, notes, strict=True):
            services.lifecycle.delete(memory_id)
            flagged_absent += bool(best(question).good_match)
            services.lifecycle.restore(memory_id)
        assert right_first >= len(notes) - 2
        assert flagged_right >= 0.9 * right_first
        assert flagged_absent <= len(notes) // 3, f"{flagged_absent} of {len(notes)} flagged with no answer stored"
    finally:
        services.close()


# The same notes in English, in the order of each language's list above: each question there asks about one.
ENGLISH_NOTES = [
    "My sister works as a vet in Leipzig.",
    "The plumber comes on Tuesday at nine to fix the kitchen sink.",
    "In the morning I always drink peppermint tea instead of coffee.",
    "Our dog is scared of the vacuum cleaner.",
    "The car has to go in for its roadworthiness inspection in May.",
    "My favourite band is a small jazz group from Hamburg.",
    "In summer we go camping with the tent on the coast.",
    "The combination of my bike lock is four-seven-two.",
    "I am allergic to cat hair.",
    "My father's birthday is on the eleventh of February.",
    "Since January I have been learning Portuguese with an app.",
    "The tax return has to be filed by the end of July.",
    "Our neighbour waters the flowers when we are away.",
    "On Wednesdays I play badminton at a club.",
]


def test_a_right_first_answer_in_another_language_than_the_question_is_a_good_match(settings, multilingual_embedder):
    """A question in one language about notes in another shares no words with them, and the model puts a
    translation farther from its original than a paraphrase in one language: the query's whole background sits
    below the fit's. Before that gap counted for a question in another language than its nearest note, 28 of
    the 55 right first answers below were flagged; now 48, and at least 85% is asked (on the tuning set, 82% to
    95% of 1,202), while with the answer in the trash no more best hits are flagged than within one
    language above. The ones left are the model's weakest matches ("¿Cuál es el código del candado?" for the
    bike lock's combination: similarity 0.04)."""
    services = create_vault(settings, PASSPHRASE, multilingual_embedder, background=False)
    try:
        ids = [services.memories.create(MemoryCreate(content=note)).memory.id for note in ENGLISH_NOTES]
        services.worker.drain()

        def best(question):
            return services.search.search(SearchQuery(question, mode=SearchMode.HYBRID, limit=5,
                                                      filter=MemoryFilter(namespace="default")))

        right_first = flagged_right = 0
        for language in sorted(NOTES):
            questions = [question for _note, question in NOTES[language]]
            for memory_id, question in zip(ids, questions, strict=True):
                result = best(question)
                if result.hits[0].memory.id == memory_id:
                    right_first += 1
                    flagged_right += bool(result.good_match)
            flagged_absent = 0
            for memory_id, question in zip(ids, questions, strict=True):
                services.lifecycle.delete(memory_id)
                flagged_absent += bool(best(question).good_match)
                services.lifecycle.restore(memory_id)
            assert flagged_absent <= len(ids) // 3, f"{language}: {flagged_absent} flagged with no answer stored"
        assert right_first >= len(NOTES) * (len(ids) - 1)
        assert flagged_right >= 0.85 * right_first, f"{flagged_right} of {right_first} right first answers flagged"
    finally:
        services.close()
