"""What the agent API answers while the desktop app has the vault locked.

The port stays open so that agents learn why they are refused: every REST
route answers ``423 Locked`` in its profile's JSON envelope, and MCP answers a
tool call with a tool error telling the user to unlock Memvault (a client that
only saw a closed port would report "fetch failed"). Nothing here reads the
vault: it is closed.
"""

from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from memvault import __version__
from memvault.api import errors

MESSAGE = "Memvault is locked: unlock Memvault on this computer, then try again"
# A JSON-RPC request is small; a locked server reads no more than this of a body.
_MAX_BODY = 64 * 1024
_SERVER_ERROR = -32000


async def _read_body(receive: Receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > _MAX_BODY:
            return None
        if not message.get("more_body"):
            return body


def mcp_answer(request: object) -> dict | None:
    """The JSON-RPC answer to one MCP message while locked; ``None`` for a notification."""
    if not isinstance(request, dict) or "method" not in request:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
    if "id" not in request:
        return None
    method, ident = request["method"], request["id"]
    if method == "initialize":
        params = request.get("params") if isinstance(request.get("params"), dict) else {}
        result = {"protocolVersion": params.get("protocolVersion", "2025-03-26"),
                  "capabilities": {"tools": {}}, "serverInfo": {"name": "memvault", "version": __version__},
                  "instructions": MESSAGE}
    elif method == "ping":
        result = {}
    elif method == "tools/call":
        # A tool error, not a protocol error: the model sees it and can tell the user what to do.
        result = {"content": [{"type": "text", "text": MESSAGE}], "isError": True}
    else:
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": _SERVER_ERROR, "message": MESSAGE}}
    return {"jsonrpc": "2.0", "id": ident, "result": result}


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def locked_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The whole HTTP surface while the vault is locked."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"].rstrip("/") == "/mcp" and scope["method"] == "POST":
        body = await _read_body(receive)
        try:
            request = json.loads(body) if body is not None else None
        except (ValueError, UnicodeDecodeError):
            request = None
        if request is None:
            answer: object = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
        elif isinstance(request, list):
            answer = [a for a in (mcp_answer(r) for r in request) if a is not None]
        else:
            answer = mcp_answer(request)
        if answer is None or answer == []:
            await send({"type": "http.response.start", "status": 202, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_json(send, 200, json.dumps(answer).encode())
        return
    response = errors.render(scope["path"], 423, "vault_locked", MESSAGE)
    await response(scope, receive, send)
