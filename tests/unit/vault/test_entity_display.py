"""An entity's display name is its value as a memory writes it (app/memvault/vault/entities.py)."""

from memvault.vault.entities import display_name


def test_the_name_as_written_when_it_has_capitals():
    assert display_name("alice chen", "Alice Chen") == "Alice Chen"
    assert display_name("openai", "OpenAI") == "OpenAI"


def test_nothing_when_the_text_adds_nothing_or_is_another_word():
    assert display_name("alice chen", "alice chen") is None  # written in lower case: the value is all there is
    assert display_name("alice chen", None) is None  # not found in the text (an alias, or non-ASCII folding)
    assert display_name("ann", "Anx") is None
