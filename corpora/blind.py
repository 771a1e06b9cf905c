"""Blind copies for double-blind expert review.

Names of the author, supervisor and institution (from the metadata, plus any names the caller
adds) are masked everywhere, also when a cover spreads them out with spaces (张 三 丰); the
acknowledgements, which name people and places, are masked whole. Masking keeps the length, so
offsets and page numbers of the blind copy are those of the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpora.extract import ExtractedDocument

MASK = "■"
NAME_FIELDS = ("author", "supervisor", "institution")


def name_pattern(name: str) -> re.Pattern[str] | None:
    """A pattern for `name` allowing whitespace between its characters (never across lines)."""
    compact = re.sub(r"\s+", "", name)
    if len(compact) < 2:
        return None
    if compact.isascii():
        words = name.split()
        return re.compile(r"\b" + r"[ \t]+".join(re.escape(w) for w in words) + r"\b", re.I)
    return re.compile(r"[ \t\u3000]*".join(re.escape(c) for c in compact))


def _mask(match: re.Match[str]) -> str:
    return re.sub(r"[^\s]", MASK, match.group(0))


def mask_text(
    text: str,
    names: Iterable[str],
    spans: Sequence[tuple[int, int]] = (),
) -> str:
    """`text` with every occurrence of `names` and every span in `spans` masked, same length."""
    chars = list(text) if spans else None
    if chars is not None:
        for start, end in spans:
            for index in range(max(0, start), min(end, len(chars))):
                if not chars[index].isspace():
                    chars[index] = MASK
        text = "".join(chars)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        pattern = name_pattern(name)
        if pattern is not None:
            text = pattern.sub(_mask, text)
    return text


def names_to_mask(metadata: Mapping[str, str], extra: Iterable[str] = ()) -> list[str]:
    """Author, supervisor and institution names, with authors split on common separators."""
    names: list[str] = []
    for field in NAME_FIELDS:
        value = metadata.get(field, "")
        names.extend(part for part in re.split(r"[;；,，、/]", value) if part.strip())
    names.extend(extra)
    return names


def blind_copy(doc: ExtractedDocument, names: Iterable[str] = ()) -> str:
    """The document's text with names and the acknowledgements masked (same length)."""
    spans = [(s.start, s.end) for s in doc.sections if s.kind == "acknowledgements"]
    return mask_text(doc.text, names_to_mask(doc.metadata, names), spans)
