"""The distribution ships every package and the model files."""

import tomllib

from tests.helpers import ROOT


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "app").parts) for p in (ROOT / "app" / "memvault").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"
    assert config["package-dir"]["memvault._models"] == "models"
    assert config["package-dir"]["memvault._resources"] == "resources"
    assert (ROOT / "resources" / "icons" / "memvault.svg").is_file()


def test_model_folder_has_manifest_tokenizer_and_licence():
    folder = ROOT / "models" / "all-MiniLM-L6-v2"
    for name in ("manifest.json", "tokenizer.json", "LICENSE", "PROVENANCE.md"):
        assert (folder / name).is_file(), name
