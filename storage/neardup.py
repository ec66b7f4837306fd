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
from dataclasses import dataclass
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


BAND_BYTES = ROWS * 4  # one band of a packed signature


def band_key(chunk: bytes) -> int:
    """The 63-bit key of one band, from its packed rows (SQLite integers are signed 64-bit)."""
    return int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little") >> 1


def band_keys(signature: list[int]) -> list[int]:
    """One key per band."""
    return packed_band_keys(pack(signature))


def packed_band_keys(blob: bytes) -> list[int]:
    """``band_keys`` of a packed signature, without unpacking it."""
    return [band_key(blob[i : i + BAND_BYTES]) for i in range(0, BANDS * BAND_BYTES, BAND_BYTES)]


def changed_bands(old_blob: bytes, new_blob: bytes) -> list[int]:
    """Bands whose rows differ between two packed signatures (their keys differ too)."""
    return [
        band for band in range(BANDS)
        if old_blob[band * BAND_BYTES : (band + 1) * BAND_BYTES] != new_blob[band * BAND_BYTES : (band + 1) * BAND_BYTES]
    ]


def similarity(sig_a: list[int], sig_b: list[int]) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return sum(x == y for x, y in zip(sig_a, sig_b)) / PERMUTATIONS


@dataclass(frozen=True)
class Signature:
    """What the store needs of a text: its packed MinHash, band keys, shingle count."""

    minhash: bytes
    bands: list[int]
    shingles: int


def text_signature(text: str) -> Signature:
    hashes = shingle_hashes(text)
    blob = pack(minhash(hashes))
    return Signature(minhash=blob, bands=packed_band_keys(blob), shingles=len(hashes))
