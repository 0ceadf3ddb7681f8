"""Counts and sizes read as a person would write them."""

import logging

import keyring
import keyring.backends.fail
import pytest

from memvault.gui.wording import plural, sentence, short, size
from memvault.service import keychain


@pytest.mark.parametrize(("count", "noun", "text"), [
    (1, "memory", "1 memory"), (0, "memory", "0 memories"), (1200, "memory", "1,200 memories"),
    (1, "entity", "1 entity"), (2, "namespace", "2 namespaces")])
def test_plural(count, noun, text):
    assert plural(count, noun) == text


@pytest.mark.parametrize(("num_bytes", "text"), [
    (812, "812 bytes"), (1, "1 byte"), (28_000, "28 KB"), (1_500, "2 KB"), (3_400_000, "3.4 MB"),
    (12_300_000, "12 MB"), (999_700, "1.0 MB"), (1_200_000_000, "1.2 GB")])
def test_size_never_says_zero_megabytes_for_a_small_file(num_bytes, text):
    assert size(num_bytes) == text


@pytest.mark.parametrize(("message", "text"), [
    ("namespace must be 1-64 letters", "Namespace must be 1-64 letters."),
    ("not a Memvault bundle (a bundle starts with MVBUNDLE)",
     "Not a Memvault bundle (a bundle starts with MVBUNDLE)."),
    ("Already a sentence.", "Already a sentence."), ("why?", "Why?"), ("  padded  ", "Padded."), ("", "")])
def test_a_service_message_is_shown_as_a_sentence(message, text):
    assert sentence(message) == text


def test_a_lead_keeps_the_message_after_its_colon_as_written():
    assert sentence("no file at /tmp/x", "This file cannot be imported") == \
        "This file cannot be imported: no file at /tmp/x."
    assert sentence("", "The bundle cannot be imported") == "The bundle cannot be imported."


def test_no_keychain_is_not_reported_as_a_problem(tmp_path, caplog):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with caplog.at_level(logging.WARNING):
            assert keychain.load(tmp_path) is None
    finally:
        keyring.set_keyring(previous)
    assert "NoKeyringError" not in caplog.text
    assert not caplog.records


def test_plural_counts_the_last_word_of_a_phrase():
    # "Purged 0 expired memorys" (an outside QA pass): only the lone word "memory" was known.
    from memvault.domain.words import plural

    assert plural(0, "expired memory") == "0 expired memories"
    assert plural(1, "expired memory") == "1 expired memory"
    assert plural(2, "entry") == "2 entries" and plural(2, "key") == "2 keys"
    assert plural(3, "weaker one") == "3 weaker ones" and plural(1_200, "memory") == "1,200 memories"


def test_a_long_name_is_shortened_in_its_middle_to_the_length_asked():
    name = "team-" + "x" * 50 + "-archive"
    assert short(name) == "team-xxxxxxxxxxx…xxxxxxx-archive" and len(short(name)) == 32
    assert len(short(name, 24)) == 24 and short(name, 24).startswith("team-") and short(name, 24).endswith("archive")
    assert short("default") == "default" and short("x" * 32) == "x" * 32
    assert plural(2, "good match") == "2 good matches" and plural(3, "box") == "3 boxes"  # "good matchs" was said
