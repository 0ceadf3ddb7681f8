"""People who share a namespace: one vault each (a fake embedder, no background loops), a real moto S3 server."""

from __future__ import annotations

import itertools

import pytest

from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.sync_servers import S3_CREDENTIALS, make_bucket, s3_server

_buckets = itertools.count()


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_target(s3_endpoint):
    bucket = f"team-{next(_buckets)}"
    make_bucket(s3_endpoint, bucket)
    return TargetConfig("s3", f"s3://{bucket}/shared", s3_endpoint, dict(S3_CREDENTIALS))


@pytest.fixture
def make_person(tmp_path):
    opened = []

    def make(name: str):
        services = create_vault(fast_settings(tmp_path / name, worker=False), f"vault passphrase {name}",
                                FakeEmbedder(), background=False)
        opened.append(services)
        return services

    yield make
    for services in opened:
        services.close()
