"""End to end against a real `spotcheck serve` on a loopback port: the documented session,
restart safety and the OpenAPI contract (schemathesis)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.documents import frame_csv_bytes, thesis_pdf_bytes
from tests.api.live import Proc, issue_key, live_env, serve, worker

pytestmark = pytest.mark.slow


def _poll(client: httpx.Client, url: str, headers: dict[str, str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if body["state"] in ("complete", "error"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{url} did not finish in {timeout} s: {body}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, Path]]:
    folder = tmp_path_factory.mktemp("live")
    data = folder / "data"
    issue_key(data, "admin")  # migrate before the server starts
    server = serve(data, folder / "serve.log")
    yield server, data
    server.stop()


def test_documented_session_draw_submit_poll_report(live: tuple[Proc, Path]) -> None:
    server, data = live
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    system = {"Authorization": f"Bearer {issue_key(data, 'system', '甲大学')}"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        frame = client.post(
            "/v1/frames?filename=register.csv", content=frame_csv_bytes(), headers=admin
        )
        assert frame.status_code == 201, frame.text
        draw = client.post(
            "/v1/draws", json={"frame_id": frame.json()["id"], "seed": 2025}, headers=admin
        ).json()
        sample = client.get(f"/v1/draws/{draw['id']}/sample", headers=admin).json()["data"]
        row = next(r for r in sample if r["institution"] == "甲大学")
        created = client.post(
            "/v1/submissions",
            json={"thesis_id": row["thesis_id"], "title": row["title"], "author": row["author"]},
            headers=system | {"Idempotency-Key": "upload-1"},
        ).json()
        uploaded = client.put(
            f"/v1/submissions/{created['id']}/file",
            content=thesis_pdf_bytes(row["title"]),
            headers=system | {"Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 200
        accepted = client.post(f"/v1/submissions/{created['id']}/screenings", headers=system)
        assert accepted.status_code == 202
        status = _poll(client, accepted.headers["location"], system)
        assert status["state"] == "complete", status
        report = client.get(status["links"]["report"], headers=system)
        assert report.status_code == 200 and row["author"] in report.text
        result = client.get(status["links"]["result"], headers=system).json()
        assert result["thesis"]["metadata"]["thesis_id"] == row["thesis_id"]


def test_schemathesis_finds_no_server_errors_and_schema_mismatches(
    live: tuple[Proc, Path], tmp_path: Path
) -> None:
    server, data = live
    token = issue_key(data, "admin")
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-time",
            "35",
            "--workers",
            "1",  # several workers crash hypothesis's lambda parsing on Python 3.11
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
        ],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested is not None and int(tested.group(1)) >= 40, output[-3000:]


def test_killed_worker_mid_screening_job_completes_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = live_env(data)
    admin = {"Authorization": f"Bearer {issue_key(data, 'admin')}"}
    server = serve(data, tmp_path / "serve.log", "--no-worker", env=env)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            created = client.post(
                "/v1/submissions",
                json={"thesis_id": "T1", "institution": "甲大学"},
                headers=admin,
            ).json()
            long_pdf = thesis_pdf_bytes("很长的论文", pages=40)
            client.put(f"/v1/submissions/{created['id']}/file", content=long_pdf, headers=admin)
            location = client.post(
                f"/v1/submissions/{created['id']}/screenings", headers=admin
            ).headers["location"]
            first = worker(data, tmp_path / "worker1.log", env=env)
            deadline = time.monotonic() + 90
            while client.get(location, headers=admin).json()["state"] != "running":
                assert time.monotonic() < deadline, (tmp_path / "worker1.log").read_text()
                time.sleep(0.05)
            first.kill()
            assert client.get(location, headers=admin).json()["state"] == "running"
            second = worker(data, tmp_path / "worker2.log", env=env)
            try:
                status = _poll(client, location, admin, timeout=180)
            finally:
                second.stop()
            assert status["state"] == "complete", status
            from sqlalchemy import create_engine, text

            engine = create_engine(f"sqlite:///{data / 'spotcheck.db'}")
            with engine.connect() as connection:
                attempts = connection.execute(
                    text("SELECT attempts, state FROM jobs WHERE kind = 'screening.run'")
                ).one()
            engine.dispose()
            assert tuple(attempts) == (2, "complete")
    finally:
        server.stop()


def test_killed_server_during_upload_stores_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = live_env(data)
    admin_token = issue_key(data, "admin")
    admin = {"Authorization": f"Bearer {admin_token}"}
    server = serve(data, tmp_path / "serve1.log", env=env)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        created = client.post(
            "/v1/submissions", json={"thesis_id": "T1", "institution": "甲大学"}, headers=admin
        ).json()
    body = thesis_pdf_bytes("论文") + b"%" + b"x" * (5 * 1024 * 1024)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        head = (
            f"PUT /v1/submissions/{created['id']}/file HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {admin_token}\r\n"
            f"Content-Type: application/pdf\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode() + body[: len(body) // 2])
        tmp_dir = data / "blobs" / "tmp"
        deadline = time.monotonic() + 30
        while not any(tmp_dir.glob("upload-*.part")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.kill()
    stored = [p for p in (data / "blobs").rglob("*") if p.is_file() and "tmp" not in p.parent.parts]
    assert stored == []
    restarted = serve(data, tmp_path / "serve2.log", env=env)
    try:
        with httpx.Client(base_url=restarted.url, timeout=60) as client:
            sub = client.get(f"/v1/submissions/{created['id']}", headers=admin).json()
            assert sub["state"] == "awaiting_file" and sub["file_sha256"] is None
            retry = client.put(f"/v1/submissions/{created['id']}/file", content=body, headers=admin)
            assert retry.status_code == 200 and retry.json()["file_size"] == len(body)
    finally:
        restarted.stop()
