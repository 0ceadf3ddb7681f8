"""Int8 matrix products for the BERT graph: which ones, how they are quantized, and the smoothing that makes it accurate.

ONNX Runtime runs ``MatMulIntegerToFloat`` (an integer GEMM) with uint8 activations and int8 weights on
the CPU's integer units (VNNI / AMX), several times faster than an fp32 GEMM.
Accuracy is the hard part: all-MiniLM-L6-v2 drifts far from the fp32 model
(cosine 0.98 on the bench texts) under ONNX Runtime's stock dynamic
quantization, because one scale per tensor is shared by every token of every
sequence in a batch and a few hidden channels carry values 10-15x the rest.
Three choices, each measured on 1,000 bench texts against the fp32 model, bring
the whole model back within cosine 0.999:

- one scale per token for activations (symmetric, uint8 with zero point 128)
  and one per output column for weights;
- SmoothQuant: per input channel, activations are divided by ``s`` and the
  weight rows multiplied by ``s`` (exact in real arithmetic), which moves the
  outlier channels' range into the weights (rounding ``s`` to a power of two
  cost too much: cosine 0.9989 instead of 0.9992);
- per-token scales only for the products that tolerate them: the packed Q/K/V
  projection (smoothed, alpha 0.8), the attention output projection and the
  feed-forward input (smoothed, alpha 0.5). The feed-forward output takes GELU
  outputs whose one huge channel no smoothing tames (cosine 0.9985 for that
  product alone with per-token scales), so it is computed blockwise instead
  (:data:`BLOCKWISE`): ONNX Runtime's ``MatMulNBits`` with 8-bit weights and
  ``accuracy_level`` 4 quantizes the activations itself, one scale per block of
  32 input channels, so the outlier costs only its own block's precision.

The vectors stay within cosine 0.999 of the fp32 graph's (at worst 0.99926 on
1,000 mixed bench texts, 0.99919 on SciFact-mini's corpus, 0.99936 on the bench
questions as queries), inside the noise the search already
tolerates, so the model id is unchanged and existing vaults keep their vectors:
an fp32 and an int8 vector of one text are interchangeable for ranking. That
holds on the CPU's integer kernel only where it sums exactly: the embedder checks
it at start on :data:`PROBE_TEXTS` and picks the weights' encoding that passes
(:data:`WEIGHT_SIGNS`), or fp32.

The blockwise feed-forward output replaced an fp32 ``MatMul`` (ONNX Runtime
1.32, the 2-core EPYC Zen 4, one thread, alternating): a 10-token query's run
1.07-1.26 ms against 1.78-2.29, 600 mixed bench texts 95-107 texts/s against
88-93; over 1,000 bench texts the mean cosine to fp32 went 0.99964 -> 0.99959, the
worst stayed 0.99926 (SciFact-mini's worst 0.99931 -> 0.99919). Every
product blockwise is more accurate still (0.9995) but slower than the
per-token chain (600 texts: 74-79 texts/s with the attention output and the
feed-forward input blockwise too): ``MatMulNBits`` is barely faster than an
fp32 ``MatMul`` on long batches (on a Xeon, ORT 1.31: 8.5 against 10.7 ms for
1024 x 1536 @ 1536 x 384) where ``MatMulInteger`` takes 2.4 ms; it wins on the
one product that would otherwise stay fp32. Blocks of 64 or 128 ran no faster
on a query and cost accuracy (0.99937, 0.99925). Shifting the feed-forward
output's GELU inputs by 0.17 (they are never below -0.17) and quantizing them
to uint8 with zero point 0 halves that product's step (cosine 0.9992 alone,
against 0.9984 symmetric), but with the other three it lands at 0.9982. Half
the error is the weights': per-column int8 weights alone, activations fp32,
give 0.9991 for all four products (per block of 32: 0.9998), and a per-column
clipped scale chosen for least error does not change that.

Also measured and dropped for the feed-forward output, before the blockwise
product (texts/s against the three-product graph, min cosine over all four
products): int8 with per-token scales runs 1.23x but at 0.9974; a
second int8 weight for each column's rounding residue (weights within ~15
bits) leaves the activations' error, 0.9991 for that product alone; its 16
largest GELU channels in fp32 beside int8 for the rest, with residue weights
everywhere, passes (0.9994) but runs at 0.80x, since every split and sum is
another pass over the activations. SmoothQuant on that product lowers the
worst text (alpha 0.5: 0.9986 alone). Static per-tensor activation scales,
which would drop the per-token passes, miss the gate (0.9940) and
``QuantizeLinear`` along the channel axis ran at a third of the speed.

Smoothing needs each channel's largest activation: :func:`channel_maxima`
takes them from the fp32 graph run on :data:`CALIBRATION_TEXTS`, fixed texts
unrelated to the bench's generated memories.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Which products are int8, by the name the graph gives each one's input.
#: "qkv" and "ao" are the attention's, "in" the feed-forward's first.
QUANTIZED = ("qkv", "ao", "in")
#: Products computed blockwise by ``MatMulNBits`` (8-bit weights and activations per block of
#: :data:`BLOCK` along the input channels): the feed-forward output, whose GELU outlier channel
#: spoils a per-token activation scale but only its own block's here (see the module docstring).
BLOCKWISE = ("out",)
BLOCK = 32
#: ``MatMulNBits``' "accuracy_level" 4: int8 activations (per block) on the integer units. Level 0 widens
#: the weights to fp32 on the fly (all four products that way: 13.4 against 2.1 ms a query); ONNX Runtime
#: also falls back to a lower level on a CPU without the integer kernel: slower there, never less exact.
BLOCKWISE_ACCURACY = 4
#: SmoothQuant's migration strength per product (absent: not smoothed).
SMOOTHING_ALPHA = {"qkv": 0.8, "in": 0.5}

#: Texts whose activations set the smoothing factors: varied domains, lengths and punctuation.
CALIBRATION_TEXTS = (
    "hello world",
    "The cat sits on the mat.",
    "Quarterly revenue grew by eight percent in the last year, the CFO said on Tuesday's call.",
    "Remind me to call the dentist at 3pm tomorrow about the appointment.",
    "I prefer concise answers with code examples in Python, not long explanations.",
    "The patient presented with fever, cough and shortness of breath for three days; chest X-ray showed "
    "bilateral infiltrates.",
    "Mitochondrial DNA mutations accumulate with age and are associated with neurodegenerative disease.",
    "def parse(path): return json.loads(open(path).read())  # handle errors later",
    "ERROR 2024-03-01T12:00:03Z connection refused (errno=111) while contacting db-primary:5432",
    "Our flight to Lisbon leaves Friday at 07:45 from gate B12; pack the charger.",
    "She said: \"Don't ship it until the tests pass!\" and everyone agreed.",
    "Kubernetes pods keep restarting because the liveness probe times out under load.",
    "The committee approved the budget of $1.2M for FY2025, pending legal review.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Ravi is allergic to peanuts and shellfish; avoid those when ordering lunch for the team.",
    "What are the side effects of long-term ibuprofen use?",
    "The quick brown fox jumps over the lazy dog while the band plays jazz in the park.",
    "Password rotation policy: every 90 days, minimum 14 characters, no reuse of the last 5.",
    "User feedback: the export button is hard to find and the dark theme has low contrast.",
    "In 1969, Apollo 11 landed on the Moon; Neil Armstrong and Buzz Aldrin walked on its surface.",
    "Tokyo, Paris, New York, São Paulo, Nairobi and Mumbai are among the largest cities.",
    "Gradient descent with momentum converges faster on ill-conditioned problems.",
    "Buy milk, eggs, bread, 2 avocados and coffee beans (decaf) on the way home.",
    "The contract terminates automatically if either party fails to cure a breach within 30 days of notice.",
    "lol that meeting could have been an email 😅",
    "Vitamin D supplementation did not reduce the incidence of cancer in the randomized trial.",
    "Step 1: unplug the router. Step 2: wait ten seconds. Step 3: plug it back in.",
    "The novel follows a young woman who inherits a crumbling house on the Cornish coast.",
    "SELECT id, name FROM users WHERE created_at > '2023-01-01' ORDER BY name LIMIT 10;",
    "Our team decided to migrate from REST to gRPC for internal services to cut latency.",
)
#: Each calibration text is also run repeated this many times, so long sequences are represented.
CALIBRATION_REPEATS = (1, 3)

#: How the int8 weights are stored, tried in this order at start until the probes pass the gate.
#: "signed" takes ONNX Runtime's uint8 x int8 kernel: VNNI's (and ARM's dot product) sums exactly, but
#: on an x86 CPU without VNNI (AVX2 only: ``vpmaddubsw``) two products are added into 16 bits and
#: saturate: the 2-core EPYC without AVX-512 at stop 85 ran the whole model at cosine 0.990 to fp32 (mean
#: 0.9965 on 600 bench texts). "unsigned" (the same values plus 128, zero point 128) takes the uint8 x uint8
#: kernel, which widens before it adds: 0.99912 there, slower on long batches (69 against 77 texts/s) but
#: still faster than fp32 on a query (4.8 against 6.1 ms). Weights in 7 bits would keep the fast kernel
#: unsaturated but miss the gate (0.9970).
WEIGHT_SIGNS = ("signed", "unsigned")
#: CPU flags (Linux's ``/proc/cpuinfo``) of an x86 integer kernel that sums uint8 x int8 products exactly.
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def weight_signs_to_try(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, ...]:
    """:data:`WEIGHT_SIGNS` in the order to try them: "unsigned" first on an x86 CPU that Linux says lacks
    VNNI, which spares building a graph that would fail its probes (0.6 s of start on the EPYC). The probes
    still decide; elsewhere (other systems, ARM) the order stays."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return WEIGHT_SIGNS
    try:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo.read_text("ascii", "replace").splitlines()
                      if line.startswith("flags")), None)
    except OSError:
        return WEIGHT_SIGNS
    if flags is None or VNNI_FLAGS & set(flags):
        return WEIGHT_SIGNS
    return tuple(reversed(WEIGHT_SIGNS))


#: Texts the int8 graph embeds at start, compared with the fp32 graph's vectors of them shipped in the
#: calibration file: a kernel that loses precision on this CPU shows on every one of them.
PROBE_TEXTS = CALIBRATION_TEXTS[::3]
#: The least cosine to fp32 each probe must keep. Below the 0.999 the module promises on bench texts, since
#: ten probes are a small sample, and far above a saturating kernel's 0.993 on these texts.
PROBE_GATE = 0.998


@dataclass(frozen=True)
class BlockWeight:
    """An int8 weight matrix [in, out] in ``MatMulNBits``' layout: ``values`` ``[out, blocks, BLOCK]`` stored
    as uint8 with zero point 128, ``scales`` one per output column and block (``[out * blocks]``)."""

    values: np.ndarray
    scales: np.ndarray


def quantize_blocks(weight: np.ndarray, block: int = BLOCK) -> BlockWeight:
    """Symmetric int8 per output column and block of ``block`` input rows (the last block padded with zeros)."""
    rows, columns = weight.shape
    padded = np.zeros((-(-rows // block) * block, columns), dtype=np.float64)
    padded[:rows] = weight
    blocks = padded.T.reshape(columns, -1, block)
    scales = np.abs(blocks).max(axis=2) / 127.0
    scales = np.where(scales == 0, 1.0, scales)
    values = (np.clip(np.rint(blocks / scales[..., None]), -127, 127) + 128).astype(np.uint8)
    return BlockWeight(np.ascontiguousarray(values), scales.astype(np.float32).reshape(-1))


@dataclass(frozen=True)
class QuantizedWeight:
    """An int8 weight matrix [in, out] with one scale per output column."""

    values: np.ndarray
    scales: np.ndarray


def quantize_columns(weight: np.ndarray, *, unsigned: bool = False) -> QuantizedWeight:
    """Symmetric int8 per output column: ``weight ≈ values * scales``; ``unsigned``: the same values stored
    as uint8 with zero point 128 (see :data:`WEIGHT_SIGNS`)."""
    scales = np.abs(weight).max(axis=0) / 127.0
    scales = np.where(scales == 0, 1.0, scales).astype(np.float32)
    values = np.clip(np.rint(weight / scales), -127, 127)
    return QuantizedWeight((values + 128).astype(np.uint8) if unsigned else values.astype(np.int8), scales)


def smoothing_factors(activation_max: np.ndarray, weight: np.ndarray, alpha: float) -> np.ndarray:
    """SmoothQuant's per-input-channel ``s`` for ``x @ weight``.

    ``s = max|x_c|^alpha / max|W_c,:|^(1-alpha)``: the larger alpha, the more
    of the activations' range moves into the weights.
    """
    a = np.maximum(activation_max.astype(np.float64), 1e-5)
    w = np.maximum(np.abs(weight.astype(np.float64)).max(axis=1), 1e-5)
    return (a**alpha / w ** (1 - alpha)).astype(np.float32)


def calibration_texts() -> list[str]:
    """The calibration texts, each at every length in :data:`CALIBRATION_REPEATS`."""
    return [" ".join([t] * r) for t in CALIBRATION_TEXTS for r in CALIBRATION_REPEATS]
