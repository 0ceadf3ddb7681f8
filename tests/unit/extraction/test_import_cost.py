"""Starting Memvault does not import spaCy (seconds): only extraction's first use loads it."""

import subprocess
import sys


def test_the_service_container_does_not_import_spacy():
    code = "import sys, app.service.container, app.api.app, app.cli.parser; print('spacy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
