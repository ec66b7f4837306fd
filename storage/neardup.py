"""Near-duplicate text detection: MinHash signatures over word shingles, with
LSH banding so candidates are found by index lookups, not by scanning.

Signatures are computed where the CPU work belongs (the extraction worker
processes), vectorised with numpy, and stored with their band keys, so
detection works across runs and stays a few indexed lookups per article.
"""

from __future__ import annotations

import hashlib
import random
import re
import struct
from functools import lru_cache
from typing import Any

SHINGLE = 5  # words per shingle
PERMUTATIONS = 128
BANDS = 32  # 32 bands x 4 rows: pairs from ~0.5 Jaccard on are candidates
ROWS = PERMUTATIONS // BANDS
_MASK64 = (1 << 64) - 1
_rng = random.Random(20251126)  # fixed: signatures must be comparable across runs
_A = [_rng.getrandbits(64) | 1 for _ in range(PERMUTATIONS)]
_B = [_rng.getrandbits(64) for _ in range(PERMUTATIONS)]
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _np() -> tuple[Any, Any, Any]:
    # imported on first use: only the worker processes compute signatures, and
    # the crawl's main process (which only compares them) stays lighter
    import numpy as np

    return np, np.array(_A, dtype=np.uint64)[:, None], np.array(_B, dtype=np.uint64)[:, None]


def shingle_hashes(text: str, size: int = SHINGLE) -> set[int]:
    words = _WORD.findall(text.casefold())
    if len(words) < size:
        words = words + [""] * (size - len(words)) if words else []
    out = set()
    for i in range(max(0, len(words) - size + 1)):
        digest = hashlib.blake2b(" ".join(words[i : i + size]).encode(), digest_size=8).digest()
        out.add(int.from_bytes(digest, "little"))
    return out


def minhash(hashes: set[int]) -> list[int]:
    """128 minima of multiply-shift hashes (upper 32 bits of a*x+b mod 2^64)."""
    if not hashes:
        return [0xFFFFFFFF] * PERMUTATIONS
    np, a, b = _np()
    h = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))[None, :]
    # uint64 arithmetic wraps modulo 2^64, as the definition wants
    values = (a * h + b) >> np.uint64(32)
    return [int(v) for v in values.min(axis=1)]


def pack(signature: list[int]) -> bytes:
    return struct.pack(f"<{PERMUTATIONS}I", *signature)


def unpack(blob: bytes) -> list[int]:
    return list(struct.unpack(f"<{PERMUTATIONS}I", blob))


def band_keys(signature: list[int]) -> list[int]:
    """One 63-bit key per band (SQLite integers are signed 64-bit)."""
    keys = []
    for band in range(BANDS):
        chunk = struct.pack(f"<{ROWS}I", *signature[band * ROWS : (band + 1) * ROWS])
        keys.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1)
    return keys


def similarity(sig_a: list[int], sig_b: list[int]) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return sum(x == y for x, y in zip(sig_a, sig_b)) / PERMUTATIONS


def text_signature(text: str) -> dict[str, object]:
    """What the store needs: packed signature, band keys, shingle count."""
    hashes = shingle_hashes(text)
    sig = minhash(hashes)
    return {"minhash": pack(sig), "bands": band_keys(sig), "shingles": len(hashes)}
