"""Categories come from the fixed set only, most cues first."""

from memvault.extraction.categories import CATEGORIES, MAX_CATEGORIES, categorize


def test_the_set_is_the_documented_fourteen():
    assert len(CATEGORIES) == 14 and "hobbies and interests" in CATEGORIES


def test_cues_rank_categories():
    assert categorize(["the", "user", "work", "at", "a", "startup", "as", "an", "engineer"])[0] == "career"
    assert categorize(["the", "user", "be", "allergic", "to", "peanut"])[:2] == ["health", "food"]
    assert categorize(["the", "user", "save", "money"], ["MONEY"])[0] == "finance"


def test_language_names_are_skills_only_next_to_speaking():
    assert "skills" in categorize(["the", "user", "speak", "spanish"])
    assert "skills" not in categorize(["the", "user's", "wife", "like", "italian", "food"])


def test_no_cue_no_category_and_never_more_than_the_cap():
    assert categorize(["the", "user", "is", "34"]) == []
    many = categorize(["work", "school", "mom", "partner", "doctor", "guitar", "pizza", "flight", "apartment", "money", "love", "every", "car", "speak"])
    assert len(many) == MAX_CATEGORIES and set(many) <= set(CATEGORIES)


def test_a_cue_used_only_as_a_verb_with_another_meaning_cues_nothing():
    # "I'm training to be a carpenter": no journey; "I watch films": no watch owned.
    assert "travel" not in categorize(["the", "user", "be", "train", "to", "be", "a", "carpenter"], verbs=["train"])
    assert "possessions" not in categorize(["the", "user", "watch", "film"], verbs=["watch"])
    # "The user's electrician is booked for Thursday": no book read.
    assert "hobbies and interests" not in categorize(["electrician", "be", "book", "for", "thursday"], verbs=["book"])
    assert "hobbies and interests" in categorize(["the", "user", "read", "a", "book"], verbs=["read"])
    # As nouns they still do, and a verb of the list that is no cue changes nothing.
    assert categorize(["the", "user", "take", "the", "train", "to", "paris"], verbs=["take"])[0] == "travel"
    assert "possessions" in categorize(["the", "user", "buy", "a", "watch"], verbs=["buy"])


def test_an_injury_is_health_and_a_dog_said_by_breed_is_family():
    # "Maeve sprained Maeve's wrist bouldering" had no category at all
    assert categorize(["maeve", "sprain", "maeve", "'s", "wrist", "bouldering"])[0] == "health"
    assert "family" in categorize(["maeve", "'s", "lurcher", "howl", "when", "maeve", "leave", "for", "work"])
