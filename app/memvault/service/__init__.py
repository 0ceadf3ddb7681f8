"""Use cases over the vault and the embedder. No Qt, no HTTP, no SQL text."""
