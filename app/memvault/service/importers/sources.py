"""The kinds of input an import reads, and the reader of each."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Any

from memvault.service.importers import chats, own, tools
from memvault.service.importers.streams import Input


class Source(enum.StrEnum):
    JSONL = "jsonl"  # a Memvault readable export, JSON Lines
    MARKDOWN = "markdown"  # a Memvault readable export, a folder of notes
    CHATGPT = "chatgpt"  # conversations.json (or the export's zip)
    CLAUDE = "claude"  # conversations.json (or the export's zip)
    MEM0 = "mem0"  # its JSON export, or its history database
    MCP_MEMORY_SERVICE = "mcp-memory-service"  # its SQLite file
    BASIC_MEMORY = "basic-memory"  # its folder of notes
    OBSIDIAN = "obsidian"  # any folder of Markdown notes


#: Memvault's own formats: every field is in the file, the namespace included.
OWN_FORMATS = frozenset({Source.JSONL, Source.MARKDOWN})
#: Sources that are folders rather than files.
FOLDERS = frozenset({Source.MARKDOWN, Source.BASIC_MEMORY, Source.OBSIDIAN})

_READERS: dict[Source, Callable[[Input], Iterator[tuple[str, Any]]]] = {
    Source.JSONL: own.read_jsonl,
    Source.MARKDOWN: own.read_markdown,
    Source.CHATGPT: chats.read_chatgpt,
    Source.CLAUDE: chats.read_claude,
    Source.MEM0: tools.read_mem0,
    Source.MCP_MEMORY_SERVICE: tools.read_mcp_memory_service,
    Source.BASIC_MEMORY: tools.read_basic_memory,
    Source.OBSIDIAN: tools.read_obsidian,
}


def reader_for(source: Source) -> Callable[[Input], Iterator[tuple[str, Any]]]:
    return _READERS[source]
