"""Platform-independent random keys derived from a seed and identifiers.

Every random choice of the review workflow (the order theses are staffed in, the
tie-break between equally loaded experts) uses a key computed from the seed and the
ids involved, never from row order or Python's salted `hash`, so anyone can re-run an
assignment and get the same result on any machine.
"""

from __future__ import annotations

import hashlib

_SEPARATOR = "\x1f"


def seeded_key(seed: int, *parts: str) -> int:
    """A 64-bit unsigned key: the first 8 bytes (big-endian) of SHA-256(seed, parts)."""
    text = _SEPARATOR.join([str(int(seed)), *parts])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def seeded_unit(seed: int, *parts: str) -> float:
    """A uniform number in [0, 1) from the same key (53 bits, exact in a float)."""
    return (seeded_key(seed, *parts) >> 11) / float(1 << 53)
