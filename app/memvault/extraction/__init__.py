"""On-device understanding: sentences, entities and facts from text, offline.

Same shape as :mod:`memvault.embedding`: a pinned pipeline shipped in a wheel
(``models/en_core_web_sm/manifest.json``), checked before first use, and
loaded once per process.
"""
