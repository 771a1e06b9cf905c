"""A reference corpus: a named collection of extracted documents, split into shards.

A corpus is N shards; a document lives in shard `shard_number(id, N)` (a stable hash of
its id), and each shard is an ordinary corpus directory one machine holds. A plain
corpus is the one-shard case: its only shard is the corpus directory itself. A corpus
created with N > 1 shards keeps `PATH/shards.json` and its shards in `PATH/shards/000`…

Layout of a shard directory `PATH`:

    PATH/manifest.json          documents and templates (replaced atomically on every change)
    PATH/documents/<id>.txt     the clean extracted text of each document
    PATH/documents/<id>.json    its structure: pages, sections, quotes, citations, metadata
    PATH/templates/<id>.txt     boilerplate text to exclude in screening
    PATH/index/                 owned by the screening index, never written here

Writers hold an exclusive lock on `PATH/.lock` (of every shard, in order); files are written
to a temporary name and renamed, and a document's text is in place before the manifest names
it, so readers (who do not lock) always see a consistent corpus. Document ids derive from the
text's hash: the same content added twice (even as PDF and DOCX) is reported as a duplicate,
never stored twice, whichever shard holds the first copy. Templates live in the first shard.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpora.extract import ExtractedDocument, ExtractionLimits, extract_file
from corpora.metadata_csv import DOCUMENT_TYPES, FileMetadata, read_metadata_csv, split_authors
from exports import write_bytes_atomically

FORMAT = "spotcheck-corpus"
VERSION = 1
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt")
TEMPLATE_KINDS = ("cover", "declaration", "authorisation", "other")
SAVE_EVERY = 25
SHARDS_FILE = "shards.json"
SHARDS_DIRNAME = "shards"
MAX_SHARDS = 1000
CROSS_LANGUAGE_SETTINGS = ("en", "both")
"""Which documents are also indexed under their dictionary translations, fixed when a corpus is
created: `en` (English documents, found by Chinese theses) or `both` (Chinese documents too,
found by English theses; indexing Chinese text then takes about three times as long)."""
DEFAULT_CROSS_LANGUAGE = "en"

Extractor = Callable[[Path, Mapping[str, str]], ExtractedDocument]
ExtractJob = tuple[Path, Mapping[str, str]]
ExtractMany = Callable[[Sequence[ExtractJob]], Iterable["ExtractedDocument | str"]]
"""Extracts many files, yielding each result (or why the file could not be read) in order."""
Progress = Callable[[int, int, "AddOutcome"], None]


class CorpusError(Exception):
    """A corpus that cannot be opened or changed as asked (the message says why)."""


@dataclass(frozen=True)
class CorpusDocument:
    """One stored document's metadata; its text is `Corpus.text(id)`."""

    id: str
    title: str
    file: str
    characters: int
    sha256: str  # of the file's bytes
    text_sha256: str
    type: str
    year: int | None
    authors: tuple[str, ...]
    institution: str | None
    pages: int = 0
    status: str = "ok"
    format: str = ""
    added_at: str = ""
    source_path: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CorpusDocument:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["authors"] = tuple(values.get("authors") or ())
        return cls(**values)


@dataclass(frozen=True)
class Template:
    """Boilerplate of an institution (cover, declaration, authorisation) excluded in screening."""

    id: str
    institution: str | None
    kind: str
    characters: int
    sha256: str
    text: str = field(default="", repr=False)
    source: str = ""
    added_at: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["text"]
        return data


@dataclass(frozen=True)
class AddOutcome:
    """What happened to one file: `added`, `duplicate` (of `doc_id`) or `failed` (`reason`)."""

    path: str
    outcome: str
    doc_id: str | None = None
    reason: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class AddReport:
    outcomes: tuple[AddOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def failed(self) -> int:
        return self.count("failed")


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` atomically and durably (flushed to disk before the rename)."""
    write_bytes_atomically(path, data, durable=True)


def text_digest(text: str) -> str:
    """Hash of the text with whitespace removed (so re-wrapped copies count as the same)."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


def collect_files(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """(file, name relative to the argument) for files and the supported files under folders."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in child.relative_to(path).parts)
                ):
                    found.append((child, child.relative_to(path).as_posix()))
        else:
            found.append((path, path.name))
    return found


def caller_metadata(row: FileMetadata) -> dict[str, str]:
    """Metadata-CSV fields passed to extraction (they win over the cover page)."""
    caller: dict[str, str] = {}
    if row.title:
        caller["title"] = row.title
    if row.authors:
        caller["author"] = "；".join(row.authors)
    if row.institution:
        caller["institution"] = row.institution
    return caller


def guess_year(doc: ExtractedDocument) -> int | None:
    head = doc.text[: doc.page_starts[2] if len(doc.page_starts) > 2 else 3000]
    digits = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
    match = re.search(r"((?:19|20)\d{2})\s*年", head.translate(digits))
    return int(match.group(1)) if match else None


def guess_type(doc: ExtractedDocument) -> str:
    kinds = {s.kind for s in doc.sections}
    head = doc.text[:3000]
    if "declaration" in kinds or re.search(r"学位论文|dissertation|thesis", head, re.I):
        return "thesis"
    return "other"


def _checked_cross_language(value: str) -> str:
    if value not in CROSS_LANGUAGE_SETTINGS:
        raise CorpusError(
            f"--cross-language must be one of {', '.join(CROSS_LANGUAGE_SETTINGS)}, got {value!r}"
        )
    return value


def _only_match(doc_id: str, matches: Sequence[str], corpus: Path) -> str:
    """The one id an id prefix names; a clear error when it names none or several."""
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CorpusError(f"id prefix {doc_id!r} is ambiguous ({len(matches)} documents)")
    raise CorpusError(f"no document {doc_id!r} in the corpus at {corpus}")


def shard_number(doc_id: str, shards: int) -> int:
    """The shard holding document `doc_id` in a corpus of `shards` shards (stable hash)."""
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:15], 16) % shards


def new_record(
    path: Path,
    row: FileMetadata,
    doc: ExtractedDocument | str,
    by_hash: Mapping[str, str],
    by_text: Mapping[str, str],
) -> tuple[AddOutcome, CorpusDocument | None]:
    """The outcome for one extraction result, and the record to store when it is new."""
    shown = str(path)
    if isinstance(doc, str):
        return AddOutcome(shown, "failed", reason=doc), None
    if not doc.usable:
        return AddOutcome(shown, "failed", reason=doc.reason, status=doc.status), None
    if not doc.text.strip():
        return AddOutcome(shown, "failed", reason="no text", status=doc.status), None
    if doc.sha256 in by_hash:
        return AddOutcome(
            shown,
            "duplicate",
            doc_id=by_hash[doc.sha256],
            reason="the same file is already in the corpus",
        ), None
    digest = text_digest(doc.text)
    if digest in by_text:
        return AddOutcome(
            shown,
            "duplicate",
            doc_id=by_text[digest],
            reason="a document with the same text is already in the corpus",
        ), None
    doc_id = digest[:16]
    meta = doc.metadata
    authors = row.authors or split_authors(meta.get("author", ""))
    record = CorpusDocument(
        id=doc_id,
        title=row.title or meta.get("title") or path.stem,
        file=path.name,
        characters=len(doc.text),
        sha256=doc.sha256,
        text_sha256=digest,
        type=row.type or guess_type(doc),
        year=row.year or guess_year(doc),
        authors=tuple(authors),
        institution=row.institution or meta.get("institution"),
        pages=doc.pages,
        status=doc.status,
        format=doc.format,
        added_at=now(),
        source_path=str(path.resolve()),
    )
    reason = doc.reason if doc.status == "partial" else None
    return AddOutcome(shown, "added", doc_id=doc_id, reason=reason, status=doc.status), record


class CorpusShard:
    """One shard directory (see the module docstring): documents, their texts, templates."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cache_key: tuple[int, int, int] | None = None
        self._cache: dict[str, Any] = {}
        self._by_id: dict[str, dict[str, Any]] = {}

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @classmethod
    def open(
        cls, path: Path, *, create: bool = False, cross_language: str = DEFAULT_CROSS_LANGUAGE
    ) -> CorpusShard:
        """Opens the shard at `path`; with `create`, makes an empty one if there is none
        (with the `cross_language` setting, see `CROSS_LANGUAGE_SETTINGS`)."""
        path = Path(path)
        corpus = cls(path)
        if corpus.manifest_path.is_file():
            corpus._load()
            return corpus
        if not create:
            if path.exists():
                raise CorpusError(f"{path} is not a corpus (no manifest.json)")
            raise CorpusError(f"no corpus at {path} (add documents to create one)")
        if path.exists() and not path.is_dir():
            raise CorpusError(f"{path} exists and is not a directory")
        if path.is_dir() and any(p.name not in ("index", ".lock") for p in path.iterdir()):
            raise CorpusError(f"{path} is a non-empty directory that is not a corpus")
        path.mkdir(parents=True, exist_ok=True)
        with corpus._locked():
            if not corpus.manifest_path.is_file():
                corpus._save(
                    {
                        "format": FORMAT,
                        "version": VERSION,
                        "created_at": now(),
                        "cross_language": _checked_cross_language(cross_language),
                        "documents": [],
                        "templates": [],
                    }
                )
        return corpus

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _load(self) -> dict[str, Any]:
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError as exc:
            raise CorpusError(f"no corpus at {self.path}") from exc
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key != self._cache_key:
            try:
                data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CorpusError(f"{self.manifest_path} cannot be read: {exc}") from exc
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise CorpusError(f"{self.manifest_path} is not a spotcheck corpus manifest")
            if int(data.get("version", 0)) > VERSION:
                raise CorpusError(
                    f"{self.path} was written by a newer spotcheck (format "
                    f"version {data.get('version')})"
                )
            self._cache, self._cache_key = data, key
            self._by_id = {entry["id"]: entry for entry in data.get("documents", [])}
        return self._cache

    def _save(self, data: dict[str, Any]) -> None:
        data = dict(data, updated_at=now())
        payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        write_atomic(self.manifest_path, payload)
        self._cache_key = None

    def documents(self) -> list[CorpusDocument]:
        return [CorpusDocument.from_json(d) for d in self._load()["documents"]]

    @property
    def cross_language(self) -> str:
        """The cross-language setting the shard was created with (older shards: `en`)."""
        return str(self._load().get("cross_language", DEFAULT_CROSS_LANGUAGE))

    def resolve_id(self, doc_id: str) -> str:
        """The full id for `doc_id` or a unique prefix of at least 6 characters."""
        if self.has(doc_id):
            return doc_id
        return _only_match(doc_id, self.matching(doc_id), self.path)

    def document(self, doc_id: str) -> CorpusDocument:
        full = self.resolve_id(doc_id)
        return CorpusDocument.from_json(self._by_id[full])

    def text(self, doc_id: str) -> str:
        full = self.resolve_id(doc_id)
        try:
            return (self.path / "documents" / f"{full}.txt").read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CorpusError(f"document {full} was removed while being read") from exc

    def structure(self, doc_id: str) -> dict[str, Any]:
        """The stored extraction of a document (pages, sections, quotes, citations, metadata)."""
        full = self.resolve_id(doc_id)
        path = self.path / "documents" / f"{full}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def snapshot(self) -> str:
        """An id of the current set of documents (changes when any is added or removed)."""
        ids = sorted(d["id"] for d in self._load()["documents"])
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]

    def has(self, doc_id: str) -> bool:
        self._load()
        return doc_id in self._by_id

    def matching(self, prefix: str) -> list[str]:
        """Ids starting with `prefix` (at least 6 characters)."""
        self._load()
        return [i for i in self._by_id if len(prefix) >= 6 and i.startswith(prefix)]

    def write_document(self, record: CorpusDocument, doc: ExtractedDocument) -> None:
        """Writes a document's text and structure (the manifest names it later)."""
        folder = self.path / "documents"
        write_atomic(folder / f"{record.id}.txt", doc.text.encode("utf-8"))
        structure = doc.to_json()
        del structure["text"]
        write_atomic(
            folder / f"{record.id}.json", json.dumps(structure, ensure_ascii=False).encode("utf-8")
        )

    def save_documents(self, records: Iterable[CorpusDocument]) -> None:
        """Appends written documents to the manifest (the caller holds the lock)."""
        self._cache_key = None
        data = self._load()
        documents = list(data["documents"]) + [r.to_json() for r in records]
        self._save(dict(data, documents=documents))

    def remove(self, doc_id: str) -> None:
        """Removes a document (the manifest first, then its files)."""
        with self._locked():
            self._cache_key = None
            full = self.resolve_id(doc_id)
            data = self._load()
            documents = [d for d in data["documents"] if d["id"] != full]
            self._save(dict(data, documents=documents))
            for suffix in (".txt", ".json"):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / "documents" / f"{full}{suffix}").unlink()

    def add_template(
        self,
        text_or_file: str | Path,
        *,
        institution: str | None,
        kind: str,
        extractor: Extractor | None = None,
    ) -> Template:
        """Registers boilerplate text (or the text of a file); the same text is stored once."""
        if kind not in TEMPLATE_KINDS:
            raise CorpusError(f"template kind {kind!r} is not one of {', '.join(TEMPLATE_KINDS)}")
        source = ""
        if isinstance(text_or_file, Path):
            source = str(text_or_file)
            extract = extractor or (lambda p, m: extract_file(p, metadata=m))
            doc = extract(text_or_file, {})
            if not doc.usable or not doc.text.strip():
                raise CorpusError(f"{text_or_file}: {doc.status}: {doc.reason or 'no text'}")
            text = doc.text
        else:
            text = text_or_file
        text = text.strip()
        if not text:
            raise CorpusError("a template needs some text")
        digest = text_digest(text)
        template = Template(
            id="t" + digest[:15],
            institution=institution or None,
            kind=kind,
            characters=len(text),
            sha256=digest,
            text=text,
            source=source,
            added_at=now(),
        )
        with self._locked():
            self._cache_key = None
            data = self._load()
            templates = list(data.get("templates", []))
            for existing in templates:
                if existing["id"] == template.id:
                    return replace(template, **{k: existing[k] for k in ("added_at", "source")})
            write_atomic(self.path / "templates" / f"{template.id}.txt", text.encode("utf-8"))
            templates.append(template.to_json())
            self._save(dict(data, templates=templates))
        return template

    def templates(self) -> list[Template]:
        out: list[Template] = []
        for entry in self._load().get("templates", []):
            path = self.path / "templates" / f"{entry['id']}.txt"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            out.append(Template(text=text, **entry))
        return out

    def remove_template(self, template_id: str) -> None:
        with self._locked():
            self._cache_key = None
            data = self._load()
            templates = list(data.get("templates", []))
            if not any(t["id"] == template_id for t in templates):
                raise CorpusError(f"no template {template_id!r} in the corpus at {self.path}")
            self._save(dict(data, templates=[t for t in templates if t["id"] != template_id]))
            with contextlib.suppress(FileNotFoundError):
                (self.path / "templates" / f"{template_id}.txt").unlink()


class Corpus:
    """A corpus: its shards, and every operation on documents routed to the right one.

    Open with `Corpus.open(path)`; `Corpus.open(path, create=True, shards=N)` creates one of
    N shards. The one-shard (plain) corpus takes exactly the same paths through this class.
    """

    def __init__(self, path: Path, shards: Sequence[CorpusShard]) -> None:
        self.path = Path(path)
        self.shards: tuple[CorpusShard, ...] = tuple(shards)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        create: bool = False,
        shards: int | None = None,
        cross_language: str | None = None,
    ) -> Corpus:
        """Opens the corpus at `path`; with `create`, makes an empty one of `shards` shards
        (default 1) and the `cross_language` setting (default `en`) if there is none. Asking
        an existing corpus for another shard count or setting is an error: both are fixed
        when the corpus is created, so every later add and every screening agree."""
        path = Path(path)
        setting = _checked_cross_language(cross_language or DEFAULT_CROSS_LANGUAGE)
        if shards is not None and not 1 <= shards <= MAX_SHARDS:
            raise CorpusError(f"--shards must be between 1 and {MAX_SHARDS}, got {shards}")
        layout = path / SHARDS_FILE
        if not layout.is_file() and (
            (path / "manifest.json").is_file() or not create or (shards or 1) == 1
        ):
            corpus = cls(path, [CorpusShard.open(path, create=create, cross_language=setting)])
        else:
            if not layout.is_file():
                cls._create_layout(path, int(shards or 1), setting)
            corpus = cls(path, [CorpusShard.open(p) for p in cls._shard_paths(path)])
        if shards is not None and shards != len(corpus.shards):
            raise CorpusError(
                f"the corpus at {path} has {len(corpus.shards)} shard(s), not {shards}; "
                "documents are not moved between shards (create a new corpus and add them)"
            )
        if cross_language is not None and cross_language != corpus.cross_language:
            raise CorpusError(
                f"the corpus at {path} was created with --cross-language "
                f"{corpus.cross_language}, not {cross_language}; the setting is fixed at "
                "creation (create a new corpus and add the documents to it)"
            )
        return corpus

    @property
    def cross_language(self) -> str:
        """Which documents are also indexed for the other language (`CROSS_LANGUAGE_SETTINGS`)."""
        return self.shards[0].cross_language

    @staticmethod
    def _shard_paths(path: Path) -> list[Path]:
        try:
            data = json.loads((path / SHARDS_FILE).read_text(encoding="utf-8"))
            count = int(data["shards"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path / SHARDS_FILE} cannot be read: {exc}") from exc
        if data.get("format") != FORMAT or not 1 <= count <= MAX_SHARDS:
            raise CorpusError(f"{path / SHARDS_FILE} is not a spotcheck shard layout")
        return [path / SHARDS_DIRNAME / f"{i:03d}" for i in range(count)]

    @staticmethod
    def _create_layout(path: Path, count: int, cross_language: str) -> None:
        """Creates the shards, then names them in `shards.json` (written last, atomically)."""
        if path.exists() and not path.is_dir():
            raise CorpusError(f"{path} exists and is not a directory")
        if path.is_dir() and any(p.name not in (".lock", SHARDS_DIRNAME) for p in path.iterdir()):
            raise CorpusError(f"{path} is a non-empty directory that is not a corpus")
        for i in range(count):
            CorpusShard.open(
                path / SHARDS_DIRNAME / f"{i:03d}", create=True, cross_language=cross_language
            )
        layout = {"format": FORMAT, "version": VERSION, "shards": count, "hash": "sha256-mod"}
        write_atomic(path / SHARDS_FILE, json.dumps(layout, indent=1).encode("utf-8"))

    def shard_of(self, doc_id: str) -> CorpusShard:
        """The shard that holds (or will hold) document `doc_id`."""
        return self.shards[shard_number(doc_id, len(self.shards))]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Every shard's writer lock, always taken in shard order."""
        with contextlib.ExitStack() as stack:
            for shard in self.shards:
                stack.enter_context(shard._locked())
            yield

    def documents(self) -> list[CorpusDocument]:
        """All documents, in the order they were added."""
        docs = [d for shard in self.shards for d in shard.documents()]
        return sorted(docs, key=lambda d: d.added_at)

    def resolve_id(self, doc_id: str) -> str:
        """The full id for `doc_id` or a unique prefix of at least 6 characters."""
        if self.shard_of(doc_id).has(doc_id):
            return doc_id
        matches = [m for shard in self.shards for m in shard.matching(doc_id)]
        return _only_match(doc_id, matches, self.path)

    def document(self, doc_id: str) -> CorpusDocument:
        full = self.resolve_id(doc_id)
        return self.shard_of(full).document(full)

    def text(self, doc_id: str) -> str:
        full = self.resolve_id(doc_id)
        return self.shard_of(full).text(full)

    def structure(self, doc_id: str) -> dict[str, Any]:
        """The stored extraction of a document (pages, sections, quotes, citations, metadata)."""
        full = self.resolve_id(doc_id)
        return self.shard_of(full).structure(full)

    def snapshot(self) -> str:
        """An id of the current set of documents (changes when any is added or removed)."""
        ids = sorted(d.id for d in self.documents())
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]

    def stats(self) -> dict[str, Any]:
        docs = self.documents()
        by_type: dict[str, int] = {t: 0 for t in DOCUMENT_TYPES}
        by_year: dict[str, int] = {}
        for doc in docs:
            by_type[doc.type] = by_type.get(doc.type, 0) + 1
            year = str(doc.year) if doc.year else "unknown"
            by_year[year] = by_year.get(year, 0) + 1
        return {
            "path": str(self.path),
            "documents": len(docs),
            "characters": sum(d.characters for d in docs),
            "pages": sum(d.pages for d in docs),
            "by_type": by_type,
            "by_year": dict(sorted(by_year.items())),
            "templates": len(self.templates()),
            "snapshot": self.snapshot(),
            "shards": len(self.shards),
            "cross_language": self.cross_language,
        }

    def add_files(
        self,
        paths: Iterable[Path],
        *,
        metadata_csv: Path | None = None,
        progress: Progress | None = None,
        extractor: Extractor | None = None,
        limits: ExtractionLimits | None = None,
        workers: int = 1,
        extract_many: ExtractMany | None = None,
    ) -> AddReport:
        """Extracts and stores each file; a bad file is reported and skipped, never fatal.

        `extractor` defaults to in-process extraction; the CLI passes an isolated one. With
        `workers` > 1 the extractor is called from that many threads at once (it must be
        thread-safe, e.g. one isolated worker process per thread); files are still stored one
        by one, in order, each into its shard. `extract_many` replaces all of this with one
        call that extracts every file (e.g. on a cluster) and yields the results in order.
        """
        rows = read_metadata_csv(metadata_csv) if metadata_csv else {}
        files = collect_files(paths)
        extract = extractor or (lambda p, m: extract_file(p, metadata=m, limits=limits))
        jobs = [
            (path, rows.get(relative) or rows.get(path.name) or FileMetadata())
            for path, relative in files
        ]

        def run(job: tuple[Path, FileMetadata]) -> ExtractedDocument | str:
            try:
                return extract(job[0], caller_metadata(job[1]))
            except OSError as exc:
                return f"cannot read: {exc.strerror or exc}"

        outcomes: list[AddOutcome] = []
        with self._locked():
            existing = [d for shard in self.shards for d in shard.documents()]
            by_hash = {d.sha256: d.id for d in existing}
            by_text = {d.text_sha256: d.id for d in existing}
            pending: dict[int, list[CorpusDocument]] = {}
            pool = None
            if extract_many is not None:
                results = iter(extract_many([(p, caller_metadata(r)) for p, r in jobs]))
            elif workers > 1:
                pool = ThreadPoolExecutor(max_workers=workers)
                results = pool.map(run, jobs)
            else:
                results = map(run, jobs)
            try:
                for number, ((path, row), result) in enumerate(
                    zip(jobs, results, strict=True), start=1
                ):
                    outcome, record = new_record(path, row, result, by_hash, by_text)
                    if record is not None and not isinstance(result, str):
                        shard = shard_number(record.id, len(self.shards))
                        self.shards[shard].write_document(record, result)
                        by_hash[record.sha256] = record.id
                        by_text[record.text_sha256] = record.id
                        pending.setdefault(shard, []).append(record)
                        if len(pending[shard]) >= SAVE_EVERY:
                            self.shards[shard].save_documents(pending.pop(shard))
                    outcomes.append(outcome)
                    if progress is not None:
                        progress(number, len(files), outcome)
            finally:
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
                for shard, records in pending.items():
                    self.shards[shard].save_documents(records)
        return AddReport(tuple(outcomes))

    def remove(self, doc_id: str) -> None:
        """Removes a document (the manifest first, then its files)."""
        full = self.resolve_id(doc_id)
        self.shard_of(full).remove(full)

    def add_template(
        self,
        text_or_file: str | Path,
        *,
        institution: str | None,
        kind: str,
        extractor: Extractor | None = None,
    ) -> Template:
        """Registers boilerplate text (or the text of a file); the same text is stored once."""
        return self.shards[0].add_template(
            text_or_file, institution=institution, kind=kind, extractor=extractor
        )

    def templates(self) -> list[Template]:
        return self.shards[0].templates()

    def remove_template(self, template_id: str) -> None:
        self.shards[0].remove_template(template_id)
