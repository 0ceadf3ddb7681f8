"""An MCP tool call's arguments held to the tool's schema, as REST holds a body to its model.

The SDK binds the arguments a tool declares and drops the rest, so a misspelt
filter (``tag`` for ``tags``) answered with unfiltered results, and a mistyped
value came back as a pydantic dump with a URL in it. Here an argument the tool
does not declare is refused by name, and a value that fails the tool's schema is
one line per argument, in the ``invalid_input: ...`` form the tools' own checks use; and a tool's own failure
reads as the tool worded it ("not_found: ..."), without the prefix the SDK puts before it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

#: Old names still taken for an argument (``id`` for ``memory_id``): declared in the tools as aliases, which the
#: published schema does not list.
ALIASES = {"memory_id": "id"}


def hold_to_schema(server: MCPServer) -> None:
    """Refuse undeclared arguments and word schema failures for every tool ``server`` has (wraps its call_tool)."""
    plain = server.call_tool
    declared: dict[str, frozenset[str]] = {}

    async def call_tool(name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        if not declared:
            for tool in await server.list_tools():
                names = set(tool.input_schema.get("properties", {}))
                declared[tool.name] = frozenset(names | {ALIASES[n] for n in names if n in ALIASES})
        allowed = declared.get(name)
        unknown = sorted(set(arguments) - allowed) if allowed is not None else []
        if unknown:
            raise ToolError(f"invalid_input: {name} has no argument {', '.join(map(repr, unknown))} (it takes "
                            f"{', '.join(sorted(a for a in allowed if a not in ALIASES.values()))})")
        try:
            return await plain(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError("invalid_input: " + worded(exc.__cause__)) from None
            if type(exc.__cause__) is ToolError:
                # A tool's own "not_found: ..." as it worded it, without the SDK's "Error executing tool get_memory:"
                # before it: every failure a model reads is one line of one form. A crash keeps the SDK's wording.
                raise ToolError(str(exc.__cause__)) from None
            raise

    server.call_tool = call_tool  # type: ignore[method-assign]


def worded(exc: ValidationError) -> str:
    """``limit: Input should be greater than or equal to 1``, one clause per failing argument (no input echoed)."""
    said = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        where = ".".join(str(part) for part in error["loc"])
        said.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "; ".join(said)
