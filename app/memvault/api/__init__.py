"""The local HTTP port: native REST under /v1, compatibility profiles, MCP."""
