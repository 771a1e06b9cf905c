"""Blind copies for double-blind expert review: pseudonymous identifiers and name masking.

Names are masked with one `■` per character so that every offset into the thesis text
stays valid; whitespace inside a masked name (cover pages often space out names:
"张 三") is kept, and simplified/traditional variants of Chinese names are masked too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

MASK_CHAR = "■"
NAME_FIELDS: tuple[str, ...] = (
    "author",
    "authors",
    "supervisor",
    "supervisors",
    "co_supervisor",
    "institution",
    "author_en",
    "supervisor_en",
    "institution_en",
)
_NAME_SEPARATORS = re.compile(r"[,，;；、/|\n]+")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _converters() -> tuple[object, object]:
    import opencc

    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def blind_identifier(thesis: Mapping[str, object]) -> str:
    """A stable pseudonym for a thesis: a hash of its id (or its content hash, or file name)."""
    metadata = thesis.get("metadata") or {}
    key = ""
    if isinstance(metadata, Mapping):
        key = str(metadata.get("thesis_id") or "")
    key = key or str(thesis.get("sha256") or "") or str(thesis.get("file") or "")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"B-{digest[:10].upper()}"


def institution_number(metadata: Mapping[str, object]) -> str:
    """The institution as a number: the degree office's own `institution_number` when the
    metadata carries one, else a four-digit pseudonym derived from the name."""
    given = metadata.get("institution_number")
    if given not in (None, ""):
        return str(given)
    name = str(metadata.get("institution") or "").strip()
    if not name:
        return "—"
    digest = hashlib.sha256(("institution:" + name).encode("utf-8")).digest()
    return f"U{int.from_bytes(digest[:4], 'big') % 9000 + 1000}"


def names_from_metadata(metadata: Mapping[str, object]) -> list[str]:
    """Person and institution names the metadata carries (the ones a blind copy must hide)."""
    found: list[str] = []
    for field in NAME_FIELDS:
        value = metadata.get(field)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
            found.extend(str(item) for item in value if item)
    return found


def _variants(name: str) -> set[str]:
    to_traditional, to_simplified = _converters()
    parts = {part.strip() for part in _NAME_SEPARATORS.split(name)}
    variants: set[str] = set()
    for part in parts:
        compact = "".join(part.split())
        if len(compact) < 2:
            continue
        variants.add(part)
        variants.add(to_traditional.convert(part))  # type: ignore[attr-defined]
        variants.add(to_simplified.convert(part))  # type: ignore[attr-defined]
        words = part.split()
        if _LATIN.search(part) and len(words) == 2:
            variants.add(f"{words[1]} {words[0]}")
    return variants


def _pattern_for(variant: str) -> str:
    chars = [re.escape(c) for c in variant if not c.isspace()]
    body = r"\s*".join(chars)
    if _LATIN.search(variant):
        return rf"(?<![A-Za-z]){body}(?![A-Za-z])"
    return body


class NameMasker:
    """Replaces every occurrence of the given names, keeping text length unchanged."""

    def __init__(self, names: Iterable[str]) -> None:
        variants: set[str] = set()
        for name in names:
            if name and str(name).strip():
                variants |= _variants(str(name))
        ordered = sorted(variants, key=lambda v: (-len(v), v))
        self.names: tuple[str, ...] = tuple(ordered)
        self._regex = (
            re.compile("|".join(_pattern_for(v) for v in ordered), re.IGNORECASE)
            if ordered
            else None
        )

    def __bool__(self) -> bool:
        return self._regex is not None

    def mask(self, text: str) -> str:
        """`text` with each name's characters replaced by `■` (whitespace kept)."""
        if self._regex is None or not text:
            return text
        return self._regex.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    return "".join(c if c.isspace() else MASK_CHAR for c in match.group(0))
