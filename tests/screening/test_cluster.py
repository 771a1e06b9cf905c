"""Screening and ingestion on a Dask LocalCluster give the same files as one process.

A 3-shard corpus screened on two worker processes must write byte-identical result
files (timings and the corpus path aside) to the same documents in one plain corpus
screened locally; killing a worker mid-batch must leave every thesis with a result or
a named failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli.main import main
from api.demo.synthetic_corpus import DISGUISES, TextGenerator, disguise, snap_to_sentence
from corpora.corpus import Corpus
from screening.cluster import DaskSearch, ShardUnavailable
from screening.screen import ScreenSettings, screen_batch

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            scheduler_port=0,
            dashboard_address=None,  # no dashboard; its HTTP routes on a free port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            worker_dashboard_address=None,
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 reference documents; 6 theses with planted passages, two of them sharing text."""
    root = tmp_path_factory.mktemp("cluster")
    gen = TextGenerator(31)
    docs = gen.documents(24, 2500)
    (root / "refs").mkdir()
    (root / "few").mkdir()
    for i, text in enumerate(docs):
        (root / "refs" / f"ref-{i:02d}.txt").write_text(text, encoding="utf-8")
        if i < 8:  # isolated extraction costs a process per file: fewer files there
            (root / "few" / f"ref-{i:02d}.txt").write_text(text, encoding="utf-8")
    rng = np.random.default_rng(3)
    shared = gen.text(1200)
    (root / "theses").mkdir()
    for t in range(6):
        parts = [gen.text(1500)]
        for k in range(3):
            src = docs[(5 * t + 7 * k) % len(docs)]
            a, b = snap_to_sentence(src, 300, 1100)
            parts += [disguise(src[a:b], DISGUISES[(t + k) % len(DISGUISES)], rng), gen.text(800)]
        if t in (1, 4):
            parts.append(shared)  # the batch comparison must find this pair
        (root / "theses" / f"thesis-{t}.txt").write_text("".join(parts), encoding="utf-8")
    return root


def _add(material: Path, corpus: Path, *extra: str, refs: str = "refs") -> None:
    folder = str(material / refs)
    assert main(["corpus", "add", folder, "--corpus", str(corpus), "--quiet", *extra]) == 0


def _comparable(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("timings", None)
    data.pop("created_at", None)
    for key in ("path", "index_seconds"):
        data.get("corpus", {}).pop(key, None)
    return data


def _results(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.name: _comparable(p) for p in sorted(folder.glob("*.json"))}


def _theses(material: Path) -> list[Path]:
    return sorted((material / "theses").glob("*.txt"))


SETTINGS = ScreenSettings(isolate_extraction=False)


@pytest.fixture(scope="module")
def local_results(material: Path) -> dict[str, dict[str, Any]]:
    _add(material, material / "plain", "--in-process")
    out = material / "out-local"
    screen_batch(_theses(material), material / "plain", SETTINGS, out)
    return _results(out)


def test_a_sharded_corpus_on_the_cluster_gives_the_local_results(
    cluster: Any, material: Path, local_results: dict[str, dict[str, Any]]
) -> None:
    _add(material, material / "sharded", "--in-process", "--shards", "3")
    out = material / "out-cluster"
    run = screen_batch(
        _theses(material),
        material / "sharded",
        SETTINGS,
        out,
        search=lambda shards, margin: DaskSearch(cluster, shards, margin),
    )
    assert not run.failures
    found = _results(out)
    assert found == local_results
    assert len(found) == 6
    sources = {s["id"] for r in found.values() for s in r["sources"]}
    assert any(s.startswith("batch:") for s in sources), "the batch comparison must still work"
    assert sum(1 for s in sources if not s.startswith("batch:")) >= 10
    # Screened locally, the sharded corpus ranks exactly as the plain one too.
    screen_batch(_theses(material), material / "sharded", SETTINGS, material / "out-sharded")
    assert _results(material / "out-sharded") == local_results


def test_the_screen_command_takes_the_scheduler_address(
    cluster: Any,
    material: Path,
    local_results: dict[str, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not (material / "sharded").is_dir():
        _add(material, material / "sharded", "--in-process", "--shards", "3")
    out = material / "out-cli"
    theses = [str(p) for p in _theses(material)]
    args = ["--corpus", str(material / "sharded"), "--out", str(out), "--in-process"]
    address = cluster.scheduler.address
    code = main(["screen", *theses, *args, "--no-reports", "--quiet", "--scheduler", address])
    assert code == 0, capsys.readouterr().err
    assert _results(out) == local_results


def test_corpus_add_on_the_cluster_stores_what_a_local_add_stores(
    cluster: Any, material: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = cluster.scheduler.address
    monkeypatch.setenv("SPOTCHECK_SCHEDULER", address)
    _add(material, material / "added-on-cluster", "--shards", "3", refs="few")
    monkeypatch.delenv("SPOTCHECK_SCHEDULER")
    _add(material, material / "added-locally", "--shards", "3", refs="few")
    on_cluster = Corpus.open(material / "added-on-cluster")
    local = Corpus.open(material / "added-locally")
    for a, b in zip(on_cluster.shards, local.shards, strict=True):
        docs_a = sorted(d.id for d in a.documents())
        assert docs_a == sorted(d.id for d in b.documents())
        for doc_id in docs_a:
            for suffix in (".txt", ".json"):
                name = f"{doc_id}{suffix}"
                assert (a.path / "documents" / name).read_bytes() == (
                    b.path / "documents" / name
                ).read_bytes()
        # Each shard was indexed on its worker during the add.
        assert (a.path / "index" / "index.json").is_file()


def test_the_ocr_mode_reaches_the_cluster_workers(
    cluster: Any, material: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--ocr never` on a scanned file: the workers report it without trying OCR (which, on
    this blank scan, would end in "OCR found no readable text")."""
    from tests.corpora.thesis_factory import build_image_only_pdf

    scan = build_image_only_pdf(tmp_path / "scan.pdf", pages=1)
    address = ["--scheduler", cluster.scheduler.address]
    corpus = str(tmp_path / "corpus")
    argv = ["corpus", "add", str(scan), "--corpus", corpus, "--json", "--ocr", "never", *address]
    assert main(argv) == 0
    (outcome,) = json.loads(capsys.readouterr().out)["files"]
    assert outcome["status"] == "no_text_layer" and "needs OCR" in outcome["reason"]
    assert "OCR found" not in outcome["reason"]
    out = tmp_path / "out"
    args = ["--corpus", str(material / "few-corpus"), "--out", str(out), "--ocr", "never"]
    if not (material / "few-corpus").is_dir():
        _add(material, material / "few-corpus", "--in-process", refs="few")
    assert main(["screen", str(scan), *args, "--no-reports", "--quiet", *address]) == 0
    thesis = json.loads((out / "scan.json").read_text(encoding="utf-8"))["thesis"]
    assert thesis["status"] == "no_text_layer" and "needs OCR" in thesis["reason"]


def test_a_shard_a_worker_cannot_see_is_named_with_that_worker(
    cluster: Any, material: Path, tmp_path: Path
) -> None:
    if not (material / "sharded").is_dir():
        _add(material, material / "sharded", "--in-process", "--shards", "3")
    corpus = tmp_path / "refs"
    shutil.copytree(material / "sharded", corpus)
    hidden = corpus / "shards" / "001"

    def search_where_one_shard_is_elsewhere(shards: Any, margin: int) -> DaskSearch:
        # The coordinator has read every shard; the workers will not find shard 001.
        hidden.rename(tmp_path / "only-on-the-coordinator")
        return DaskSearch(cluster, shards, margin)

    with pytest.raises(ShardUnavailable) as caught:
        screen_batch(
            _theses(material)[:1],
            corpus,
            SETTINGS,
            tmp_path / "out",
            search=search_where_one_shard_is_elsewhere,
        )
    message = str(caught.value)
    workers = cluster.scheduler_info(n_workers=-1)["workers"]
    assert str(hidden) in message and "same path" in message
    assert any(f"worker {address} " in message for address in workers), message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))


class KillingSearch(DaskSearch):
    """Kills one worker process right after the third thesis's tasks were submitted."""

    submitted = 0
    killed = 0

    def _submit_thesis(self, *args: Any) -> Any:
        future = super()._submit_thesis(*args)
        KillingSearch.submitted += 1
        if KillingSearch.submitted == 3:
            pids = self.client.run(os.getpid)
            victim = sorted(pids)[0]
            KillingSearch.killed = pids[victim]
            os.kill(pids[victim], signal.SIGKILL)
        return future


def test_a_worker_killed_mid_batch_leaves_a_result_or_a_named_failure_per_thesis(
    cluster: Any, material: Path, local_results: dict[str, dict[str, Any]]
) -> None:
    if not (material / "sharded").is_dir():
        _add(material, material / "sharded", "--in-process", "--shards", "3")
    out = material / "out-killed"
    run = screen_batch(
        _theses(material),
        material / "sharded",
        SETTINGS,
        out,
        search=lambda shards, margin: KillingSearch(cluster, shards, margin),
    )
    assert KillingSearch.submitted == 6
    assert KillingSearch.killed not in cluster.run(os.getpid).values()
    found = _results(out)
    for thesis in _theses(material):
        name = f"{thesis.stem}.json"
        if thesis.name in run.failures:
            assert name not in found
            assert "cluster" in run.failures[thesis.name]
        else:
            assert found[name] == local_results[name] or thesis.name in run.failures
    assert len(found) + len(run.failures) == 6
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
