"""The words that say who someone is to a speaker: kin, other people, pets, and the pronouns' genders."""

from __future__ import annotations

#: People who serve the speaker in a role: "the surgeon", "the plumber" said by someone are theirs, as "my …" is
#: (:func:`memvault.extraction.mention_tokens.speakers_role`), and a person, never an "it".
SERVICE_ROLES = frozenset(["surgeon", "nurse", "midwife", "vet", "plumber", "electrician", "mechanic", "engineer", "lawyer", "solicitor", "accountant", "optician", "gp", "pharmacist", "tutor", "nanny", "babysitter", "cleaner", "gardener", "builder", "trainer", "hairdresser", "barber", "supervisor", "adviser", "advisor", "counsellor", "counselor", "psychiatrist", "psychologist", "paediatrician", "pediatrician", "dermatologist", "specialist", "consultant", "technician", "caretaker", "carer", "instructor", "osteopath", "chiropractor", "landlord", "landlady", "therapist", "doctor", "physio", "physiotherapist", "dentist", "boss", "manager", "buyer", "conveyancer", "broker"])
#: Whose word about the speaker is advice to keep, not an opinion ("my German teacher says I'm ready for B1").
ADVISERS = SERVICE_ROLES | {"teacher", "coach"}
FEMALE = frozenset(["mom", "mum", "mother", "sister", "daughter", "wife", "girlfriend", "grandma", "grandmother", "aunt", "niece", "fiancée", "mother-in-law", "sister-in-law", "daughter-in-law", "stepmother", "stepdaughter", "granddaughter",
                    # ... as families call them ("Gran turns 90 on Boxing Day")
                    "gran", "granny", "nan", "nana", "nanna", "mummy", "mommy", "mam", "auntie", "aunty", "stepmum",
                    "stepmom", "stepsister", "half-sister"])
MALE = frozenset(["dad", "father", "brother", "son", "husband", "boyfriend", "grandpa", "grandfather", "uncle", "nephew", "fiancé", "fiance", "father-in-law", "brother-in-law", "son-in-law", "stepfather", "stepson", "grandson",
                  "grandad", "granddad", "daddy", "stepdad", "stepbrother", "half-brother"])
#: Family words a person is called by, as a name is: said bare, the speaker's own ("what's happening with dad").
CALLED = frozenset({"mum", "mom", "mam", "mummy", "mommy", "dad", "daddy", "gran", "granny", "nan", "nana", "nanna",
                    "grandma", "grandpa", "grandad", "granddad"})
NEUTRAL = frozenset(["partner", "friend", "mate", "bestie", "pal", "buddy", "colleague", "coworker", "co-worker", "neighbor", "neighbour", "roommate", "flatmate", "cousin", "kid", "child", "baby", "teacher", "coach", "spouse", "mentor", "client", *SERVICE_ROLES])
PLURAL = frozenset(["parents", "grandparents", "in-laws", "kids", "children", "friends", "siblings", "cousins", "twins", "neighbors", "neighbours", "colleagues", "coworkers", "roommates", "family"])
PETS = frozenset(["cat", "dog", "puppy", "kitten", "rabbit", "hamster", "parrot", "horse", "bird", "pet", "fish",
                  # the dogs people keep, said by breed ("a three year old lurcher called Juniper"), and small pets
                  "lurcher", "greyhound", "whippet", "labrador", "spaniel", "terrier", "collie", "retriever", "poodle",
                  "beagle", "dachshund", "pug", "husky", "cockapoo", "labradoodle", "tortoise", "budgie", "goldfish",
                  "ferret", "gerbil", "pony"])
#: What only an animal does: its "she" or "he" is the pet's (:meth:`memvault.extraction.coref.Antecedents.resolve`).
ANIMAL_VERBS = frozenset(["bark", "howl", "wag", "purr", "meow", "miaow", "growl", "hiss", "moult"])
POSSESSIVES = frozenset({"my", "our"})
GENDERED = {"he": "male", "him": "male", "his": "male", "she": "female", "her": "female", "hers": "female"}
PEOPLE_WORDS = FEMALE | MALE | NEUTRAL | PETS
OCCUPATIONS = frozenset(["nurse", "doctor", "engineer", "developer", "analyst", "designer", "lawyer", "accountant", "consultant", "teacher", "programmer", "architect", "researcher", "scientist", "professor", "chef", "waiter", "waitress", "cashier", "pilot", "mechanic", "electrician", "plumber", "farmer", "journalist", "writer", "editor", "student", "manager", "lead", "director", "founder", "freelancer", "physician", "surgeon", "pharmacist", "dentist", "therapist", "psychologist", "officer", "clerk", "librarian", "photographer", "artist", "musician", "carpenter", "salesperson", "secretary", "assistant", "intern", "administrator", "technician", "economist", "banker", "translator", "interpreter", "planner", "lecturer", "tutor", "paramedic", "firefighter", "midwife", "solicitor", "barrister", "paralegal", "surveyor", "receptionist", "hairdresser", "barista", "bartender", "baker", "butcher", "builder", "gardener", "florist", "tailor", "welder", "caretaker", "cleaner", "courier", "carer", "vet", "veterinarian", "optician", "biologist", "chemist", "physicist", "mathematician", "statistician", "historian", "copywriter", "illustrator", "animator", "actor", "actress", "dancer", "singer", "composer", "producer", "recruiter", "coordinator", "supervisor", "inspector", "auditor", "broker", "trader", "postdoc", "psychiatrist", "radiographer", "physiotherapist", "counsellor", "counselor"])
