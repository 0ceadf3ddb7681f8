
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
