
import pytest

from memvault.config import env_name, load_settings, setting_fields
from memvault.domain.errors import InvalidInput
from tests.helpers import ROOT

README = ROOT / "README.md"


def test_every_setting_has_help_and_is_documented_in_the_readme():
    readme = README.read_text("utf-8")
    for f in setting_fields():
        assert f.metadata.get("help"), f"{f.name} has no help text"
        assert env_name(f.name) in readme, f"{env_name(f.name)} is not documented in README.md"


def test_environment_overrides_defaults_and_explicit_overrides_win():
    s = load_settings(environ={"MEMVAULT_EMBED_BATCH_SIZE": "8", "MEMVAULT_WORKER": "false"}, home="/x")
    assert s.embed_batch_size == 8 and s.worker is False and s.home == "/x"


@pytest.mark.parametrize("name,value", [("MEMVAULT_EMBED_BATCH_SIZE", "many"), ("MEMVAULT_WORKER", "perhaps"),
                                        ("MEMVAULT_SYNC_INTERVAL_SECONDS", "nan"),
                                        ("MEMVAULT_SYNC_INTERVAL_SECONDS", "-inf")])
def test_bad_environment_values_are_invalid_input(name, value):
    with pytest.raises(InvalidInput, match=name):
        load_settings(environ={name: value})


def test_default_home_comes_from_platformdirs():
    import platformdirs

    assert load_settings(environ={}).home.startswith(platformdirs.user_data_dir("memvault", appauthor=False))


@pytest.mark.parametrize("name,value,problem", [
    ("MEMVAULT_SYNC_INTERVAL_SECONDS", "0", "between 1 and"),  # 0 made the sync loop spin on a core
    ("MEMVAULT_PURGE_INTERVAL_SECONDS", "0", "between 1 and"),
    ("MEMVAULT_BACKUP_INTERVAL_HOURS", "0", "between 1 and"),
    ("MEMVAULT_API_PORT", "70000", "between 0 and 65535"),
    ("MEMVAULT_KDF_ITERATIONS", "65", "between 1 and 64"),
    ("MEMVAULT_BACKUP_FOLDER", "relative/backups", "absolute folder"),
    ("MEMVAULT_EXTRACTION_LLM_URL", "not a url", "http(s) URL")])
def test_values_outside_a_settings_declared_range_or_form_are_invalid_input(name, value, problem):
    with pytest.raises(InvalidInput, match=name) as refused:
        load_settings(environ={name: value})
    assert problem in str(refused.value)


def test_every_numeric_setting_declares_a_range_its_default_lies_in():
    from memvault.config import Settings, problem_with

    defaults = Settings(home="/x")
    for f in setting_fields():
        value = getattr(defaults, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert f.metadata.get("range"), f"{f.name} declares no range"
        assert problem_with(f.name, value) is None, f.name
    assert problem_with("sync_interval_seconds", 0.5) is not None and problem_with("idle_lock_minutes", 0) is None
    assert problem_with("backup_folder", "") is None and problem_with("backup_folder", "/srv/backups") is None


@pytest.mark.parametrize(("name", "value", "choices"), [
    ("MEMVAULT_IDLE_LOCK_AGENTS", "stay-unlocked", "answer_locked, stay_unlocked"),
    ("MEMVAULT_EMBED_PRECISION", "fp16", "int8, fp32")])
def test_a_word_setting_outside_its_choices_is_refused_at_start(name, value, choices):
    """A typo ("stay-unlocked") silently meant the default; a precision was refused only once the model loaded."""
    with pytest.raises(InvalidInput, match=f"{name}='{value}': must be one of {choices}"):
        load_settings(environ={name: value})
    assert load_settings(environ={name: choices.split(", ")[1]})
