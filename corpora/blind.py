"""Blinding for double-blind review: the one place that decides what a blind copy hides.

- Names: every person and institution field of the metadata (`NAME_FIELDS`), in simplified and
  traditional characters (OpenCC), as pinyin/English spellings generated from the Chinese
  (王小明 → "Wang Xiaoming", "Xiaoming Wang", "Wang Xiao-ming"; 甲大学 → "Jia University"),
  Latin names in either order, spaced-out cover forms (张 三 丰), and every e-mail address.
  Masking replaces each character with `■` and keeps whitespace, so offsets and page numbers
  of a blind copy are those of the original.
- Numbers: blind ids and institution numbers are HMAC-SHA256 under a key derived from a
  per-deployment secret and a scope (a review cycle, or the deployment), so nobody holding the
  list of universities or thesis ids can reverse them.
- Same-batch sources (other theses screened in the same batch) are anonymised for everyone but
  the degree office (`anonymise_batch_sources`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exports import write_atomically

if TYPE_CHECKING:
    from corpora.extract import ExtractedDocument
    from screening.result import ScreeningResult, ThesisInfo

MASK = "■"
# Metadata fields that name a person or an institution (strings or lists of strings).
NAME_FIELDS: tuple[str, ...] = (
    "author",
    "authors",
    "co_authors",
    "supervisor",
    "supervisors",
    "co_supervisor",
    "pre_defence_reviewers",
    "institution",
    "author_en",
    "supervisor_en",
    "institution_en",
    "email",
    "author_email",
    "supervisor_email",
)
KEY_ENVIRONMENT = "SPOTCHECK_BLINDING_KEY"
KEY_FILE = "blinding.key"
SAME_BATCH_TITLE = "同批次论文 {n} Same-batch thesis {n}"

_NAME_SEPARATORS = re.compile(r"[,，;；、/|\n]+")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_ONLY = re.compile(r"[A-Za-z0-9ü._%+\-,'@]+")
# A run of Latin text (words, spaces, e-mail characters) in which Latin forms are searched.
_LATIN_RUN = re.compile(r"[A-Za-z0-9ü_%+\-][A-Za-z0-9ü._%+\-@,'\s]*")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_EMAIL = r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
# Institution name endings and their English forms ("Jia University", "University of Jia").
_INSTITUTION_ENDINGS = {
    "大学": "University",
    "学院": "College",
    "理工大学": "University of Technology",
    "研究院": "Institute",
    "研究所": "Institute",
}


# --- keys and numbers --------------------------------------------------------------------------


@cache
def _process_secret() -> bytes:
    return secrets.token_bytes(32)


def blinding_key(
    secret: str | bytes | None, scope: str = "deployment", *, key_folder: Path | None = None
) -> bytes:
    """The key for blind ids and institution numbers of one scope (a cycle, or the deployment).

    `secret` is the deployment's secret; without one, `SPOTCHECK_BLINDING_KEY` is used, then
    the secret kept in `key_folder` (created there on first use, see `stored_secret`), and
    without a folder a random secret for this process (numbers then hold for one run only).
    """
    if secret is None:
        secret = os.environ.get(KEY_ENVIRONMENT) or (
            stored_secret(key_folder) if key_folder is not None else _process_secret()
        )
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, f"spotcheck/blinding/{scope}".encode(), hashlib.sha256).digest()


def stored_secret(folder: Path) -> bytes:
    """The blinding secret kept in `folder/blinding.key`, created on first use.

    The file holds 32 random bytes in hex, is readable by its owner only (0600) and is never
    replaced: of two processes creating it at once, the first one's secret is kept.
    """
    path = Path(folder) / KEY_FILE
    if not path.exists():
        secret = secrets.token_hex(32)
        with suppress(FileExistsError):  # another process created it first: its secret wins
            write_atomically(
                path, lambda tmp: tmp.write_text(secret, "ascii"), mode=0o600, exclusive=True
            )
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise BlindingKeyError(f"{path}: the blinding key cannot be read ({exc})") from exc
    if len(text) < 32:
        raise BlindingKeyError(f"{path}: the blinding key is too short (delete it to renew)")
    return text.encode("ascii")


class BlindingKeyError(Exception):
    """The stored blinding key is unreadable or damaged (names the file)."""


def _mac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def blind_id(key: bytes, thesis_key: str) -> str:
    """The blind id of a thesis (by its id, else content hash or file name): `B-` + 10 hex."""
    return "B-" + _mac(key, "thesis:" + thesis_key).hex()[:10].upper()


def thesis_key(thesis: ThesisInfo) -> str:
    """What a result's thesis is known by: its id, else its content hash, else its file name."""
    return thesis.metadata.get("thesis_id") or thesis.sha256 or thesis.file


def institution_number(metadata: Mapping[str, Any], key: bytes) -> str:
    """The degree office's own `institution_number` when given, else `U` + four keyed digits."""
    given = metadata.get("institution_number")
    if given not in (None, ""):
        return str(given)
    name = str(metadata.get("institution") or "").strip()
    if not name:
        return "—"
    digest = _mac(key, "institution:" + name)
    return f"U{int.from_bytes(digest[:4], 'big') % 9000 + 1000}"


# --- names ---------------------------------------------------------------------------------------


def names_from_metadata(
    metadata: Mapping[str, Any], fields: Sequence[str] = NAME_FIELDS
) -> list[str]:
    """Person and institution names (and e-mail addresses) the metadata carries."""
    found: list[str] = []
    for field in fields:
        value = metadata.get(field)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
            found.extend(str(item) for item in value if item)
    return [name for name in found if name and name.strip()]


@lru_cache(maxsize=1)
def _converters() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def _syllables(han: str) -> list[str]:
    """One regex per character: its pinyin readings (ü spelled u, v, yu or ü)."""
    from pypinyin import Style, pinyin

    out = []
    for readings in pinyin(han, style=Style.NORMAL, heteronym=True, errors="ignore"):
        spelled = sorted({r.replace("ü", "v") for r in readings if r})
        if not spelled:
            return []
        out.append(
            "(?:" + "|".join(re.escape(r).replace("v", "(?:u|v|yu|ü)") for r in spelled) + ")"
        )
    return out


def _pinyin_patterns(name: str) -> list[str]:
    """Regexes for pinyin/English spellings of a Chinese person or institution name."""
    patterns = []
    for ending, english in _INSTITUTION_ENDINGS.items():
        if name.endswith(ending) and len(name) > len(ending):
            place = "".join(_syllables(name[: -len(ending)]))
            words = r"\s+".join(re.escape(w) for w in english.split())
            if place:
                patterns += [rf"{place}\s+{words}", rf"{words}\s+of\s+{place}"]
    if patterns or not _HAN_NAME.fullmatch(name):
        return patterns
    syllables = _syllables(name)
    if len(syllables) != len(name):
        return patterns
    for split in {1, 2} if len(name) >= 3 else {1}:
        surname = "".join(syllables[:split])
        given = r"[\-\s]?".join(syllables[split:])
        patterns += [rf"{surname}[\s,]*{given}", rf"{given}\s+{surname}"]
    return patterns


def _variant_patterns(name: str) -> tuple[set[str], set[str]]:
    """Regexes for every form of `name`: (forms with Chinese or other script, Latin forms)."""
    to_traditional, to_simplified = _converters()
    other: set[str] = set()
    latin: set[str] = set()
    for part in {p.strip() for p in _NAME_SEPARATORS.split(name)}:
        compact = "".join(part.split())
        if len(compact) < 2:
            continue
        forms = {part, to_traditional.convert(part), to_simplified.convert(part)}
        words = part.split()
        if _LATIN.search(part) and len(words) == 2:
            forms.add(f"{words[1]} {words[0]}")
        for form in forms:
            chars = [re.escape(c) for c in form if not c.isspace()]
            pattern = r"\s*".join(chars)
            if _LATIN_ONLY.fullmatch("".join(form.split())):
                latin.add(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])")
            else:
                other.add(pattern)
        latin.update(
            rf"(?<![A-Za-z]){p}(?![A-Za-z])"
            for p in _pinyin_patterns(to_simplified.convert(compact))
        )
    return other, latin


def _alternation(patterns: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(patterns, key=lambda p: (-len(p), p))
    return re.compile("|".join(ordered), re.IGNORECASE) if ordered else None


class NameMasker:
    """Masks every form of the given names and every e-mail address, keeping text length.

    Chinese forms are searched in the whole text; Latin forms (pinyin and English spellings,
    e-mail addresses) only inside runs of Latin text, which keeps masking a long Chinese
    thesis as fast as a plain search.
    """

    def __init__(self, names: Iterable[str], *, emails: bool = True) -> None:
        other: set[str] = set()
        latin: set[str] = set()
        for name in names:
            if name and str(name).strip():
                found_other, found_latin = _variant_patterns(str(name))
                other |= found_other
                latin |= found_latin
        self.names: tuple[str, ...] = tuple(sorted(other | latin, key=lambda p: (-len(p), p)))
        self._other = _alternation(other)
        self._latin = _alternation(latin | ({_EMAIL} if emails else set()))
        self._has_names = bool(self.names)

    def __bool__(self) -> bool:
        return self._has_names

    def mask(self, text: str) -> str:
        """`text` with each match's characters replaced by `■` (whitespace kept)."""
        if not text:
            return text
        if self._other is not None:
            text = self._other.sub(_mask_match, text)
        latin = self._latin
        if latin is not None:
            text = _LATIN_RUN.sub(lambda run: latin.sub(_mask_match, run.group(0)), text)
        return text


def _mask_match(match: re.Match[str]) -> str:
    return "".join(c if c.isspace() else MASK for c in match.group(0))


def mask_text(text: str, names: Iterable[str], spans: Sequence[tuple[int, int]] = ()) -> str:
    """`text` with every form of `names` and every span in `spans` masked, same length."""
    if spans:
        chars = list(text)
        for start, end in spans:
            for index in range(max(0, start), min(end, len(chars))):
                if not chars[index].isspace():
                    chars[index] = MASK
        text = "".join(chars)
    return NameMasker(names).mask(text)


def blind_copy(doc: ExtractedDocument, names: Iterable[str] = ()) -> str:
    """The document's text with names, e-mails and the acknowledgements masked (same length)."""
    spans = [(s.start, s.end) for s in doc.sections if s.kind == "acknowledgements"]
    return mask_text(doc.text, [*names_from_metadata(doc.metadata), *names], spans)


# --- same-batch sources --------------------------------------------------------------------------


def anonymise_batch_sources(result: ScreeningResult) -> ScreeningResult:
    """A copy of a screening result whose same-batch sources say nothing about their thesis.

    Other theses of the batch keep their share and passages but lose id, title, file, authors
    and institution; they are numbered in their order in `sources`. The office alone sees the
    stored result.
    """
    renamed: dict[str, str] = {}
    sources = []
    for source in result.sources:
        if source.batch:
            number = len(renamed) + 1
            renamed[source.id] = f"batch:{number}"
            source = replace(
                source,
                id=f"batch:{number}",
                title=SAME_BATCH_TITLE.format(n=number),
                file="",
                authors=(),
                institution="",
            )
        sources.append(source)
    if not renamed:
        return result
    passages = tuple(
        replace(p, source_id=renamed[p.source_id]) if p.source_id in renamed else p
        for p in result.passages
    )
    return replace(result, sources=tuple(sources), passages=passages)
