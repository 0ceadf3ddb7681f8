"""An S3-compatible target (AWS S3, Backblaze B2, MinIO, Cloudflare R2) through ``boto3`` (``memvault[s3]``).

Create-only writes are conditional puts (``If-None-Match: *``): the storage
refuses to overwrite, so two devices can never replace each other's files.
Credentials come from the target's stored settings (kept inside the vault) or,
failing that, boto3's usual chain (environment, profile).
"""

from __future__ import annotations

from typing import Any

from memvault.domain.errors import InvalidInput, MemvaultError, NotFound, SyncTargetError
from memvault.sync.targets import base
from memvault.sync.targets.base import Limit, read_limited, silent_server

#: Retries of a failed request (botocore's legacy mode: tries = 1 + retries).
RETRIES = 3


class S3Target:
    """Files under ``prefix`` in ``bucket``."""

    def __init__(self, client: Any, bucket: str, prefix: str, endpoint: str | None = None) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint = endpoint

    @classmethod
    def from_config(cls, config: Any) -> S3Target:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise SyncTargetError("S3 sync needs boto3: install memvault[s3]") from None
        rest = config.location.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise InvalidInput("an S3 target needs a bucket: s3://bucket/prefix")
        creds = config.credentials
        session = boto3.session.Session(
            aws_access_key_id=creds.get("AWS_ACCESS_KEY_ID"), aws_secret_access_key=creds.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=creds.get("AWS_SESSION_TOKEN"), profile_name=creds.get("AWS_PROFILE"),
            region_name=creds.get("AWS_DEFAULT_REGION") or "us-east-1")
        client = session.client("s3", endpoint_url=config.endpoint,
                                config=Config(retries={"max_attempts": RETRIES}, connect_timeout=10,
                                              read_timeout=base.ANSWER_SECONDS))
        return cls(client, bucket, prefix, config.endpoint)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (f" via {self.endpoint}" if self.endpoint else "")

    def _fail(self, exc: Exception, what: str) -> SyncTargetError:
        from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):  # nothing answered: nothing refused
            return SyncTargetError(f"cannot reach S3 at {self.describe()} to {what} (no connection: is the endpoint "
                                   "right, and is the network up?)")
        if isinstance(exc, ReadTimeoutError):
            config = getattr(getattr(self._client, "meta", None), "config", None)
            seconds = getattr(config, "read_timeout", None) or base.ANSWER_SECONDS
            tries = 1 + int((getattr(config, "retries", None) or {}).get("max_attempts", RETRIES))
            return SyncTargetError(silent_server(f"S3 at {self.describe()}", what, seconds, tries))
        code = _error_code(exc) or type(exc).__name__
        return SyncTargetError(f"S3 refused to {what} ({code}) at {self.describe()}")

    def list(self, prefix: str) -> list[str]:
        found = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                               Prefix=self.prefix + prefix):
                found += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
        except Exception as exc:  # noqa: BLE001 - botocore raises many kinds; all mean the target failed
            raise self._fail(exc, "list files") from None
        return sorted(found)

    def get(self, name: str, limit: Limit = None) -> bytes:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
            with body:  # closing it unread drops the connection rather than draining what was not asked for
                return read_limited(body, name, limit)
        except MemvaultError:
            raise  # the file refused by its size or its head
        except Exception as exc:  # noqa: BLE001
            if _error_code(exc) in ("NoSuchKey", "404"):
                raise NotFound(f"{name} is not on the target") from None
            raise self._fail(exc, f"read {name}") from None

    def put_new(self, name: str, data: bytes) -> bool:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data, IfNoneMatch="*")
            return True
        except Exception as exc:  # noqa: BLE001
            if _error_code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            raise self._fail(exc, f"write {name}") from None

    def put(self, name: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, f"write {name}") from None

    def delete(self, name: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, f"delete {name}") from None


def _error_code(exc: Exception) -> str | None:
    """The code of the storage's answer; ``None`` when there was no answer (a timeout's ``response`` is ``None``)."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
