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
