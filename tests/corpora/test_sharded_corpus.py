"""A corpus of several shards keeps the plain corpus's guarantees and lists the same documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.cli.main import main
from api.demo.synthetic_corpus import TextGenerator
from corpora.corpus import Corpus, CorpusError, shard_number


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sharded-docs")
    for i, text in enumerate(TextGenerator(5).documents(12, 600)):
        (folder / f"doc-{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def _manifest_view(corpus: Corpus) -> list[dict[str, object]]:
    skip = {"added_at"}
    return sorted(
        ({k: v for k, v in d.to_json().items() if k not in skip} for d in corpus.documents()),
        key=lambda d: str(d["id"]),
    )


def test_each_document_is_stored_once_in_the_shard_its_id_hashes_to(
    documents: Path, tmp_path: Path
) -> None:
    corpus = Corpus.open(tmp_path / "c", create=True, shards=3)
    report = corpus.add_files([documents])
    assert report.added == 12
    assert len(corpus.shards) == 3
    for shard_no, shard in enumerate(corpus.shards):
        for doc in shard.documents():
            assert shard_number(doc.id, 3) == shard_no
            assert (shard.path / "documents" / f"{doc.id}.txt").is_file()
    assert sum(len(s.documents()) for s in corpus.shards) == 12
    assert all(s.documents() for s in corpus.shards), "12 documents should reach all 3 shards"


def test_a_sharded_corpus_lists_what_a_plain_one_lists(documents: Path, tmp_path: Path) -> None:
    plain = Corpus.open(tmp_path / "plain", create=True)
    sharded = Corpus.open(tmp_path / "sharded", create=True, shards=4)
    plain.add_files([documents])
    sharded.add_files([documents])
    assert _manifest_view(plain) == _manifest_view(sharded)
    assert plain.snapshot() == sharded.snapshot()
    p_stats, s_stats = plain.stats(), sharded.stats()
    assert (p_stats["shards"], s_stats["shards"]) == (1, 4)
    for key in ("documents", "characters", "by_type", "snapshot"):
        assert p_stats[key] == s_stats[key]
    doc = plain.documents()[3]
    assert sharded.text(doc.id) == plain.text(doc.id)
    assert sharded.document(doc.id[:8]).id == doc.id


def test_duplicates_are_found_across_shards_and_reopening_keeps_the_layout(
    documents: Path, tmp_path: Path
) -> None:
    corpus = Corpus.open(tmp_path / "c", create=True, shards=3)
    corpus.add_files([documents])
    again = Corpus.open(tmp_path / "c")
    assert len(again.shards) == 3
    rewrapped = tmp_path / "copy.txt"
    rewrapped.write_text(
        (documents / "doc-05.txt").read_text(encoding="utf-8").replace("。", "。\n"),
        encoding="utf-8",
    )
    report = again.add_files([documents / "doc-05.txt", rewrapped])
    assert [o.outcome for o in report.outcomes] == ["duplicate", "duplicate"]
    assert len(again.documents()) == 12
    with pytest.raises(CorpusError, match="3 shard"):
        Corpus.open(tmp_path / "c", shards=2)


def test_removal_reaches_the_right_shard_and_nothing_else(documents: Path, tmp_path: Path) -> None:
    corpus = Corpus.open(tmp_path / "c", create=True, shards=3)
    corpus.add_files([documents])
    victim = corpus.documents()[0]
    shard = corpus.shard_of(victim.id)
    corpus.remove(victim.id[:10])
    assert victim.id not in {d.id for d in corpus.documents()}
    assert not (shard.path / "documents" / f"{victim.id}.txt").exists()
    assert len(corpus.documents()) == 11
    with pytest.raises(CorpusError, match="no document"):
        corpus.text(victim.id)


def test_a_failed_add_leaves_every_shard_consistent(documents: Path, tmp_path: Path) -> None:
    """Atomic writes: a crash after some files leaves each shard naming only complete files."""
    corpus = Corpus.open(tmp_path / "c", create=True, shards=3)
    calls = 0

    def flaky(path: Path, metadata: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 7:
            raise RuntimeError("extractor crashed")
        from corpora.extract import extract_file

        return extract_file(path)

    with pytest.raises(RuntimeError):
        corpus.add_files([documents], extractor=flaky)  # type: ignore[arg-type]
    reopened = Corpus.open(tmp_path / "c")
    assert len(reopened.documents()) == 6
    for shard in reopened.shards:
        names = {d.id for d in shard.documents()}
        on_disk = {p.stem for p in (shard.path / "documents").glob("*.txt")}
        assert names == on_disk
        assert not list(shard.path.rglob("*.tmp"))


def test_cli_creates_lists_and_removes_on_a_sharded_corpus(
    documents: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "c")
    assert (
        main(
            [
                "corpus",
                "add",
                str(documents),
                "--corpus",
                path,
                "--shards",
                "3",
                "--in-process",
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["corpus", "stats", "--corpus", path, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["documents"], stats["shards"]) == (12, 3)
    assert main(["corpus", "list", "--corpus", path, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["data"][0]["id"]
    assert main(["corpus", "remove", first, "--corpus", path]) == 0
    capsys.readouterr()
    assert main(["corpus", "stats", "--corpus", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 11


@given(st.text(min_size=1, max_size=20), st.integers(min_value=1, max_value=50))
def test_the_shard_of_an_id_is_stable_and_in_range(doc_id: str, shards: int) -> None:
    number = shard_number(doc_id, shards)
    assert 0 <= number < shards
    assert number == shard_number(doc_id, shards)
    assert shard_number(doc_id, 1) == 0


def test_the_cross_language_setting_defaults_to_english_sources_and_is_checked(
    tmp_path: Path,
) -> None:
    plain = Corpus.open(tmp_path / "plain", create=True)
    assert plain.cross_language == "en"
    assert plain.stats()["cross_language"] == "en"
    sharded = Corpus.open(tmp_path / "sharded", create=True, shards=3, cross_language="both")
    reopened = Corpus.open(tmp_path / "sharded")
    assert [s.cross_language for s in reopened.shards] == ["both"] * 3
    assert sharded.stats()["cross_language"] == "both"
    with pytest.raises(CorpusError, match="--cross-language must be one of en, both"):
        Corpus.open(tmp_path / "other", create=True, cross_language="fr")
    assert not (tmp_path / "other" / "manifest.json").exists()
