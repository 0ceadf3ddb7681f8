"""The tokenizer library's threads, started by a thread at the process's priority.

``Tokenizer.encode_batch`` runs on one pool of threads per process (Rayon's
global pool), which the first call starts and whose threads keep the priority
of the thread that made that call. The embedding loop tokenizes every claim,
and it runs lowered (:mod:`memvault.priority`): had it been first, every
caller's tokenizing (a store that deduplicates, a store of a long text) would
have waited for nice-19 threads while searches kept the cores. So an embedder,
made when a surface starts, starts the pool first (a fraction of a
millisecond).
"""

from __future__ import annotations

import threading

from memvault import priority

_started = False
_lock = threading.Lock()


def start() -> bool:
    """Start the pool from the calling thread unless it runs lowered or the pool was started here already;
    returns whether it is started from a thread at the process's priority by now."""
    global _started
    with _lock:
        if not _started and not priority.lowered():
            from tokenizers import Tokenizer, models

            # A vocabulary of one word: enough for the library to run a batch on its pool, and so start it.
            Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]")).encode_batch(["a", "b", "c", "d"])
            _started = True
        return _started
