"""The tokenizer library's thread pool keeps the priority of whoever starts it: an embedder starts it first."""

import json
import subprocess
import sys

from memvault import priority
from tests.helpers import ROOT, lowerable_threads

# A fresh process (the pool is one per process): optionally start the pool on the main thread, then tokenize a
# batch from a lowered thread (the embedding loop), and print the nice value of every thread that is not Python's.
_SCRIPT = """
import json, os, sys, threading
from tokenizers import Tokenizer, models
from memvault import priority
from memvault.embedding import tokenizer_threads
priority.lower_background()  # MEMVAULT_LOWER_BACKGROUND
if sys.argv[1] == "started":
    assert tokenizer_threads.start()
loop_ids = []
def loop():
    loop_ids.append(threading.get_native_id())  # its task may outlive join() a moment: left out by id
    priority.lower_this_thread()
    assert not tokenizer_threads.start(), "a lowered thread does not start the pool"
    Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]")).encode_batch(["x"] * 64)
thread = threading.Thread(target=loop)
thread.start()
thread.join()
python = {t.native_id for t in threading.enumerate()} | set(loop_ids)
nice = []
for tid in os.listdir("/proc/self/task"):
    if int(tid) not in python:
        with open(f"/proc/self/task/{tid}/stat") as stat:
            nice.append(int(stat.read().rsplit(")", 1)[1].split()[16]))
print(json.dumps({"process": os.getpriority(os.PRIO_PROCESS, os.getpid()), "pool": sorted(set(nice))}))
"""


def _pool_priorities(how: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _SCRIPT, how], capture_output=True, text=True, timeout=60,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT / "app"), "PATH": ""})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@lowerable_threads
def test_a_pool_started_by_the_embedder_keeps_the_process_priority_when_a_lowered_loop_tokenizes():
    seen = _pool_priorities("started")
    assert seen["pool"] == [seen["process"]]


@lowerable_threads
def test_a_pool_a_lowered_loop_starts_is_lowered_for_good():
    # What the embedder's start prevents (and what shows this test can tell the two apart).
    assert _pool_priorities("not started")["pool"] == [priority.BACKGROUND_NICE]
