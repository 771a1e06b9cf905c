"""End to end: generated thesis PDFs screened against a real corpus on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.demo.synthetic_corpus import DemoMaterials, write_demo_materials
from corpora import Corpus
from screening.screen import ScreeningError, ScreenSettings, screen_theses

pytestmark = pytest.mark.slow

METADATA = [
    {
        "thesis_id": f"T{i:02d}",
        "title": f"面向复杂系统的第{i}类建模方法研究",
        "author": name,
        "supervisor": "周建国",
        "institution": "江南理工大学",
        "discipline_code": "0812",
    }
    for i, name in enumerate(["刘洋", "陈静", "王磊", "赵敏", "孙浩", "李娜", "周杰", "吴昊"])
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoMaterials, Corpus, Path]:
    root = tmp_path_factory.mktemp("screen")
    materials = write_demo_materials(11, METADATA, root / "demo", corpus_documents=25)
    corpus = Corpus.open(root / "corpus", create=True)
    corpus.add_files([materials.corpus_dir], metadata_csv=materials.corpus_metadata)
    for t in materials.templates:
        corpus.add_template(t, institution="江南理工大学", kind="declaration")
    return materials, corpus, root


@pytest.fixture(scope="module")
def results(setup) -> dict[str, dict]:
    materials, corpus, root = setup
    out = root / "out"
    typed = screen_theses(
        materials.thesis_files,
        corpus,
        ScreenSettings(isolate_extraction=False),
        out,
        metadata={m["thesis_id"]: m for m in METADATA},
    )
    res = [r.to_json() for r in typed]
    assert [r["thesis"]["file"] for r in res] == [p.name for p in materials.thesis_files]
    return {r["thesis"]["metadata"]["thesis_id"]: r for r in res}


def test_contract_fields_and_files(setup, results) -> None:
    _, _, root = setup
    for tid, r in results.items():
        on_disk = json.loads((root / "out" / f"{tid}.json").read_text(encoding="utf-8"))
        assert on_disk["schema_version"] == "1"
        assert on_disk["flag"] == r["flag"]
        assert set(r["figures"]) >= {
            "total_copy_ratio",
            "copy_ratio_excluding_quotes",
            "copy_ratio_excluding_references",
            "copy_ratio_excluding_own",
            "max_single_source_ratio",
            "repeated_characters",
        }
        assert r["thesis"]["characters"] > 5000
        shares = [s["share"] for s in r["sources"]]
        assert shares == sorted(shares, reverse=True)
        text = r["thesis"]["text"]
        for p in r["passages"]:
            assert 0 <= p["thesis_start"] < p["thesis_end"] <= len(text)
            assert p["class"] in ("identical", "minor_changes", "paraphrase")
            assert 1 <= p["page"] <= r["thesis"]["pages"]
            assert 0.0 <= p["similarity"] <= 1.0
        f = r["figures"]
        for key in ("copy_ratio_excluding_quotes", "copy_ratio_excluding_own"):
            assert f[key] <= f["total_copy_ratio"]
        assert f["max_single_source_ratio"] <= f["total_copy_ratio"]
    assert not list((root / "out").glob(".*tmp"))


def test_planted_corpus_passages_are_found(setup, results) -> None:
    materials, corpus, _ = setup
    file_to_id = {d.file: d.id for d in corpus.documents()}
    found = 0
    planted = [p for p in materials.planted if p.origin == "corpus"]
    for plant in planted:
        r = results[plant.thesis_id]
        text = r["thesis"]["text"]
        at = text.find(plant.text[:12])
        assert at >= 0, f"planted text not in the extracted text of {plant.thesis_id}"
        hit = [
            p
            for p in r["passages"]
            if p["source_id"] == file_to_id[plant.source_file]
            and p["thesis_start"] <= at + 50
            and at < p["thesis_end"]
        ]
        found += bool(hit)
    assert found >= 0.9 * len(planted), f"{found} of {len(planted)} planted passages found"


def test_levels_follow_the_profiles(setup, results) -> None:
    materials, _, _ = setup
    for tid, profile in materials.profiles.items():
        level = results[tid]["flag"]["level"]
        if profile == "clean":
            assert level == "clear", (tid, results[tid]["flag"])
        if profile == "heavy":
            assert level == "suspected_misconduct", (tid, results[tid]["flag"])
        if profile == "collusion":
            assert level != "clear"
            assert any(s["origin"] == "batch" for s in results[tid]["sources"])


def test_own_work_is_recognised_and_excluded(setup, results) -> None:
    materials, _, _ = setup
    tid = next(t for t, p in materials.profiles.items() if p == "own_work")
    r = results[tid]
    own = [s for s in r["sources"] if s["own_work"]]
    assert own and own[0]["file"].startswith("own-")
    f = r["figures"]
    assert f["copy_ratio_excluding_own"] < f["total_copy_ratio"] - 0.03


def test_templates_and_boilerplate_never_count(results) -> None:
    for r in results.values():
        decl = [s for s in r["thesis"]["sections"] if s["kind"] == "declaration"]
        assert decl
        for p in r["passages"]:
            inside = any(
                p["thesis_start"] >= d["start"] and p["thesis_end"] <= d["end"] for d in decl
            )
            if inside:
                assert p["excluded"] == "template"
        chapters = {c["kind"] for c in r["figures"]["per_chapter"]}
        assert "chapter" in chapters
        for c in r["figures"]["per_chapter"]:
            if c["kind"] == "declaration":
                assert c["repeated_characters"] == 0


def test_chosen_sources_are_excluded(setup, results) -> None:
    materials, corpus, root = setup
    tid = next(t for t, p in materials.profiles.items() if p == "heavy")
    before = results[tid]
    top = next(s for s in before["sources"] if s["origin"] == "corpus")
    path = next(p for p in materials.thesis_files if p.stem == tid)
    after = screen_theses(
        [path],
        corpus,
        ScreenSettings(isolate_extraction=False, excluded_sources=frozenset({top["file"]})),
    )[0].to_json()
    listed = {s["id"]: s for s in after["sources"]}
    assert listed[top["id"]]["excluded"] == "excluded_source"
    assert listed[top["id"]]["share"] == 0.0
    assert all(
        p["excluded"] == "excluded_source" for p in after["passages"] if p["source_id"] == top["id"]
    )
    assert after["figures"]["total_copy_ratio"] < before["figures"]["total_copy_ratio"]


def test_unreadable_thesis_is_reported_not_fatal(setup, tmp_path: Path) -> None:
    materials, corpus, _ = setup
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF")
    res = screen_theses(
        [broken, materials.thesis_files[0]], corpus, ScreenSettings(), tmp_path / "out"
    )
    assert res[0].thesis.status not in ("ok", "partial")
    assert res[0].flag.level == "needs_review"
    assert res[0].figures is None and res[0].passages == ()
    assert res[1].thesis.status == "ok"
    assert (tmp_path / "out" / "broken.json").is_file()


def test_duplicate_stems_and_missing_files_are_refused(setup, tmp_path: Path) -> None:
    materials, corpus, _ = setup
    a = tmp_path / "a" / "t.txt"
    b = tmp_path / "b" / "t.txt"
    for p in (a, b):
        p.parent.mkdir()
        p.write_text("内容。", encoding="utf-8")
    with pytest.raises(ScreeningError, match="share the file stem t"):
        screen_theses([a, b], corpus)
    with pytest.raises(ScreeningError, match="thesis file not found"):
        screen_theses([tmp_path / "nope.pdf"], corpus)
    with pytest.raises(ScreeningError, match="corpus not found"):
        screen_theses([a], tmp_path / "no-corpus")


def test_the_thesis_itself_in_the_corpus_is_not_its_source(setup, tmp_path: Path) -> None:
    materials, _, _ = setup
    corpus = Corpus.open(tmp_path / "self", create=True)
    clean = next(p for p in materials.thesis_files if materials.profiles[p.stem] == "clean")
    corpus.add_files([clean])
    (r,) = screen_theses([clean], corpus, ScreenSettings(isolate_extraction=False))
    assert r.sources == () and r.figures is not None and r.figures.total_copy_ratio == 0.0
