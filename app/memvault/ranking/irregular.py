"""English verbs whose past forms no stemmer joins to their base: "bought" is "buy", "met" is "meet".

Snowball strips regular endings only, so "When did Ada get engaged?" shared nothing with "my sister got engaged"
and "What car did they buy?" nothing with "we bought a Tiguan": the question asks in the base form, chat reports in
the past. Coverage (:mod:`memvault.ranking.keyword`) reads each form below as its base before stemming. A form
that is as often another word is left out ("rose", "ground", "wound", "bore", "lay"). Measured on tuning data only:
``docs/benchmarks.md``, "Stop 104".
"""

from __future__ import annotations

# Each line: the base, then its past forms that Snowball leaves apart from it.
_TABLE = """
buy bought; bring brought; catch caught; teach taught; think thought; fight fought; seek sought
sell sold; tell told; pay paid; send sent; spend spent; lend lent; build built; mean meant; keep kept
sleep slept; feel felt; deal dealt; go went gone; take took taken; give gave given; come came; make made
run ran; win won; write wrote written; drive drove driven; fly flew flown; eat ate eaten; drink drank
swim swam swum; sing sang sung; begin began begun; break broke broken; choose chose chosen
forget forgot forgotten; get got gotten; grow grew grown; know knew known; meet met; hear heard; hold held
stand stood; understand understood; sit sat; lose lost; leave left; find found; hide hid hidden
ride rode ridden; speak spoke spoken; steal stole stolen; throw threw thrown; wear wore worn; wake woke woken
tear tore torn; freeze froze frozen; shake shook shaken; fall fell fallen; hang hung; lead led; feed fed
flee fled; stick stuck; dig dug; ring rang rung; see saw seen; become became; shoot shot; draw drew drawn
blow blew blown; learn learnt; burn burnt; dream dreamt
"""

#: Each past form, by the base it is read as.
BASE_OF: dict[str, str] = {form: base for entry in _TABLE.replace("\n", ";").split(";") if entry.strip()
                           for base, *forms in [entry.split()] for form in forms}
