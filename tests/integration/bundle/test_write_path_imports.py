"""The write-path state machine of ``tests/integration/vault`` with bundles as its most frequent step.

Hypothesis picks rules uniformly, so the one bundle step of the general machine
runs rarely; here it is several rules (exports of one namespace, a change to one
of its memories, an import under any policy and destination), so that every
import decision (new, skipped, replaced, copied, refused across namespaces)
meets creates, edits, deletes, wipes and purges, and the row, tags, FTS,
history, vec0 flags and oplog must still agree after each step.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers.budget import examples
from tests.integration.vault.test_write_path import WritePath


class ImportHeavyWritePath(WritePath):
    export_change_and_import_again = WritePath.export_change_and_import
    export_change_and_import_once_more = WritePath.export_change_and_import


ImportHeavyWritePath.TestCase.settings = settings(max_examples=examples(40), stateful_step_count=25, deadline=None,
                                                   suppress_health_check=[HealthCheck.too_slow])
TestImportHeavyWritePath = ImportHeavyWritePath.TestCase
TestImportHeavyWritePath.pytestmark = [pytest.mark.seconds]  # ~3 s of steps: the whole suite runs it
