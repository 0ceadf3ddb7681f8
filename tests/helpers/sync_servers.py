"""Real sync target servers on loopback for tests: moto's S3 and wsgidav's WebDAV (served by cheroot)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """An in-process S3 server; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def make_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=bucket)


@contextlib.contextmanager
def webdav_server(root: Path, users: dict[str, str] | None = None) -> Iterator[str]:
    """A WebDAV server over ``root``, without authentication or with HTTP basic for ``users`` (name: password);
    yields its URL."""
    # cheroot, not wsgiref: wsgiref's HTTP/1.0 handler leaves wsgidav waiting on a PUT body.
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    mapping = {"*": {name: {"password": password} for name, password in users.items()}} if users else {"*": True}
    authenticator = {"accept_basic": True, "accept_digest": False, "default_to_digest": False} if users else {}
    app = WsgiDAVApp({"provider_mapping": {"/": str(root)}, "simple_dc": {"user_mapping": mapping},
                      "verbose": 0, "logging": {"enable": False}, "http_authenticator": authenticator})
    server = wsgi.Server(("127.0.0.1", free_port()), app)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.bind_addr[1]}"
    finally:
        server.stop()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A server on loopback that takes every connection and never answers (a hung WebDAV or S3 server); yields
    its URL and how many connections it took so far (``calls()``)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []

    def take() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed at the end of the test
                return

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", lambda: len(held)
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread (a close alone does not)
        listener.close()
        for connection in held:
            connection.close()
        thread.join(5)
