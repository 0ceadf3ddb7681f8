"""English verbs whose past no rule of endings gives: "buy", "bought"; "meet", "met"; "go", "went", "gone".

Read in two places, declared once here. Extraction puts a sentence into the past (:mod:`memvault.extraction.rewrite`,
:mod:`memvault.extraction.answers`) with each verb's simple past; search reads each past form as its verb
(:mod:`memvault.ranking.keyword`): Snowball strips regular endings only, so "When did Ada get engaged?" shared no
word with "my sister got engaged", nor "What car did they buy?" with "we bought a Tiguan".
"""

from __future__ import annotations

# Each entry: the base, its simple past, then its other past forms (participles, other spellings).
_TABLE = """
be was were been; become became; begin began begun; blow blew blown; break broke broken; bring brought
build built; burn burned burnt; buy bought; catch caught; choose chose chosen; come came; deal dealt; dig dug
do did done; draw drew drawn; dream dreamed dreamt; drink drank; drive drove driven; eat ate eaten; fall fell fallen
feed fed; feel felt; fight fought; find found; flee fled; fly flew flown; forget forgot forgotten
freeze froze frozen; get got gotten; give gave given; go went gone; grow grew grown; hang hung; have had
hear heard; hide hid hidden; hold held; keep kept; know knew known; lead led; learn learned learnt; leave left
lend lent; lose lost; make made; mean meant; meet met; pay paid; ride rode ridden; ring rang rung; rise rose risen
run ran; say said; see saw seen; seek sought; sell sold; send sent; shake shook shaken; shoot shot; sing sang sung
sit sat; sleep slept; speak spoke spoken; spend spent; stand stood; steal stole stolen; stick stuck; swim swam swum
take took taken; teach taught; tear tore torn; tell told; think thought; throw threw thrown
understand understood; wake woke woken; wear wore worn; win won; write wrote written
"""

_ENTRIES = [entry.split() for entry in _TABLE.replace("\n", ";").split(";") if entry.strip()]

#: Each verb's simple past, by its base form ("buy" → "bought").
SIMPLE_PAST: dict[str, str] = {base: past for base, past, *_ in _ENTRIES}
#: Each past form (simple past, participle), by the base it is the past of ("bought" → "buy", "gone" → "go").
BASE_OF_PAST: dict[str, str] = {form: base for base, *forms in _ENTRIES for form in forms}
