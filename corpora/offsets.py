"""Offset maps between the clean text and the text as first extracted.

The clean text is built piece by piece from the extracted ("raw") text: runs copied verbatim and
single characters inserted or normalised (a line break becoming a space or a paragraph break).
Every clean character records the raw offset it came from, so any clean span maps back to a raw
span and a page. The only differences between a clean character and its raw origin are the
documented normalisations in `normalised_origin_char`.
"""

from __future__ import annotations

import numpy as np


class CleanTextBuilder:
    """Accumulates clean text together with the raw offset of every character."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._origins: list[np.ndarray] = []
        self._length = 0
        self._last = ""

    def __len__(self) -> int:
        return self._length

    @property
    def last_char(self) -> str:
        return self._last

    def copy(self, text: str, raw_start: int) -> None:
        """Appends `text`, which is raw[raw_start : raw_start + len(text)] modulo normalisation."""
        if not text:
            return
        self._parts.append(text)
        self._origins.append(np.arange(raw_start, raw_start + len(text), dtype=np.int64))
        self._length += len(text)
        self._last = text[-1]

    def insert(self, char: str, raw_offset: int) -> None:
        """Appends one character standing for the raw character at `raw_offset`."""
        self._parts.append(char)
        self._origins.append(np.array([raw_offset], dtype=np.int64))
        self._length += 1
        self._last = char

    def drop_last(self) -> int:
        """Removes the last character (a hyphen found to end a wrapped line); its raw offset."""
        if not self._length:
            return -1
        text, origin = self._parts[-1], self._origins[-1]
        dropped_at = int(origin[-1])
        if len(text) == 1:
            self._parts.pop()
            self._origins.pop()
        else:
            self._parts[-1], self._origins[-1] = text[:-1], origin[:-1]
        self._length -= 1
        self._last = self._parts[-1][-1] if self._parts else ""
        return dropped_at

    def build(self) -> tuple[str, np.ndarray]:
        text = "".join(self._parts)
        origin = np.concatenate(self._origins) if self._origins else np.zeros(0, dtype=np.int64)
        return text, origin


def normalised_origin_char(raw_char: str) -> str:
    """What a raw character becomes in the clean text: whitespace becomes a space or newline."""
    if raw_char == "\n":
        return "\n"
    if raw_char.isspace():
        return " "
    return raw_char


def clean_matches_raw(clean_char: str, raw_char: str) -> bool:
    """True when a clean character is an allowed rendering of its raw origin character."""
    if clean_char == raw_char:
        return True
    return clean_char in " \n" and raw_char.isspace()


def raw_span(origin: np.ndarray, start: int, end: int, raw_length: int) -> tuple[int, int]:
    """The raw span covering clean[start:end] (end-exclusive); empty spans map to a point."""
    if start >= end or len(origin) == 0:
        point = int(origin[min(start, len(origin) - 1)]) if len(origin) else 0
        return point, point
    return int(origin[start]), min(int(origin[end - 1]) + 1, raw_length)


def clean_starts_for(origin: np.ndarray, raw_starts: list[int]) -> list[int]:
    """For each raw offset, the first clean offset whose origin is at or after it."""
    if not raw_starts:
        return []
    return np.searchsorted(origin, np.asarray(raw_starts, dtype=np.int64), side="left").tolist()


def page_index(starts: list[int] | tuple[int, ...], offset: int) -> int:
    """0-based index of the page holding `offset`, given each page's start offset."""
    if not starts:
        return 0
    return max(0, int(np.searchsorted(np.asarray(starts), offset, side="right")) - 1)
