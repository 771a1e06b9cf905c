"""Invariants of labels, file typing, the rate limiter and the error handlers."""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout

from api.problems import PROBLEM_MEDIA_TYPE
from api.ratelimit import RateLimiter
from api.uploads import clean_label, sniff_type
from tests.api.conftest import Api, TestClient
from tests.api.documents import thesis_pdf_bytes
from tests.api.live import issue_key, live_env, serve


@given(st.text(max_size=300))
def test_labels_never_carry_paths_or_control_characters(name: str) -> None:
    label = clean_label(name, "fallback.pdf")
    assert label and "/" not in label and "\\" not in label
    assert label not in (".", "..")
    assert all(ord(c) >= 32 and c != "\x7f" for c in label)
    assert len(label) <= 200


def test_labels_keep_chinese_names() -> None:
    assert clean_label("C:\\Users\\张三\\论文 终稿.pdf", "x") == "论文 终稿.pdf"
    assert clean_label("../../etc/passwd", "x") == "passwd"
    assert clean_label("..", "x") == "x"


@given(st.binary(max_size=2000))
def test_sniffing_any_bytes_never_fails(data: bytes) -> None:
    assert sniff_type(data) in (None, "pdf", "docx", "txt")


def test_sniffing_known_types() -> None:
    assert sniff_type(thesis_pdf_bytes("题目")[:8192]) == "pdf"
    assert sniff_type("论文".encode("gb18030") * 100) == "txt"
    assert sniff_type("論文".encode("big5") * 100) == "txt"
    assert sniff_type(b"\xff\xfe" + "论文".encode("utf-16-le")) == "txt"
    assert sniff_type(b"\x7fELF\x02\x01\x01\x00" + bytes(100)) is None


@given(
    rate=st.floats(min_value=0.5, max_value=100),
    burst=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=200),
)
def test_token_bucket_never_admits_more_than_burst_plus_rate_times_time(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter = RateLimiter(rate, burst)
    now = 1000.0
    admitted = 0
    for gap in gaps:
        now += gap
        wait = limiter.acquire("k", now=now)
        if wait == 0:
            admitted += 1
        else:
            assert wait > 0 and int(limiter.retry_after_header(wait)) >= 1
    assert admitted <= burst + rate * (now - 1000.0) + 1e-6
    assert RateLimiter(0, 1).acquire("k") == 0  # 0 disables the limit


def test_unexpected_errors_are_problem_json_without_details(api: Api) -> None:
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app = api.client.app
    app.add_api_route("/v1/explode", explode)  # type: ignore[attr-defined]
    response = TestClient(app, raise_server_exceptions=False).get("/v1/explode")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert "secret internal detail" not in response.text
    assert response.json()["code"] == "internal"


def test_a_busy_database_is_a_503_to_retry_not_an_internal_error(api: Api) -> None:
    def pool_exhausted() -> None:
        raise SQLAlchemyTimeout("QueuePool limit of size 20 overflow 20 reached")

    def locked() -> None:
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))

    def broken() -> None:
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x"))

    app = api.client.app
    for name, route in (("pool", pool_exhausted), ("locked", locked), ("broken", broken)):
        app.add_api_route(f"/v1/{name}", route)  # type: ignore[attr-defined]
    client = TestClient(app, raise_server_exceptions=False)
    for name in ("pool", "locked"):
        response = client.get(f"/v1/{name}")
        assert response.status_code == 503 and response.json()["code"] == "busy"
        assert int(response.headers["retry-after"]) >= 1
    broken_response = client.get("/v1/broken")
    assert broken_response.status_code == 500 and "no such table" not in broken_response.text


def _start_slow_upload(port: int, path: str, token: str, length: int) -> socket.socket:
    """A client that sends an upload's headers and a first part of its body, then stalls."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/pdf\r\nContent-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + b"%PDF-1.4\n" + b"0" * 1000)
    return sock


@pytest.mark.slow
def test_uploads_beyond_the_concurrent_limit_wait_their_turn_then_get_503(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    env = live_env(data, SPOTCHECK_CONCURRENT_UPLOADS="1", SPOTCHECK_UPLOAD_WAIT_SECONDS="1")
    server = serve(data, tmp_path / "serve.log", "--no-worker", env=env)
    try:
        token = issue_key(data, "system", "甲大学")
        headers = {"Authorization": f"Bearer {token}"}
        pdf = thesis_pdf_bytes("轮流上传")
        with httpx.Client(base_url=server.url, timeout=60) as client:
            ids = [
                client.post("/v1/submissions", json={"thesis_id": f"T{n}"}, headers=headers).json()[
                    "id"
                ]
                for n in range(3)
            ]
            slow = _start_slow_upload(server.port, f"/v1/submissions/{ids[0]}/file", token, 50_000)
            try:
                time.sleep(0.5)  # the slow upload holds the only slot
                started = time.monotonic()
                refused = client.put(f"/v1/submissions/{ids[1]}/file", content=pdf, headers=headers)
                assert refused.status_code == 503, refused.text
                assert refused.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
                assert refused.json()["code"] == "busy" and refused.headers["retry-after"]
                assert 0.9 <= time.monotonic() - started < 30
                slow.sendall(b"0" * (50_000 - 1009))  # the slow client finishes its body
                slow.recv(4096)
            finally:
                slow.close()
            accepted = client.put(f"/v1/submissions/{ids[2]}/file", content=pdf, headers=headers)
            assert accepted.status_code == 200, accepted.text
            assert (
                client.get(f"/v1/submissions/{ids[1]}", headers=headers).json()["file_sha256"]
                is None
            )  # the refused upload stored nothing
    finally:
        server.stop()


@pytest.mark.slow
def test_uploads_waiting_for_their_body_hold_no_database_connection(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = live_env(data, SPOTCHECK_CONCURRENT_UPLOADS="2", SPOTCHECK_UPLOAD_WAIT_SECONDS="120")
    server = serve(data, tmp_path / "serve.log", "--no-worker", env=env)
    stalled: list[socket.socket] = []
    try:
        token = issue_key(data, "system", "甲大学")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=60) as client:
            ids = [
                client.post("/v1/submissions", json={"thesis_id": f"S{n}"}, headers=headers).json()[
                    "id"
                ]
                for n in range(45)  # more than the server's 40 pooled database connections
            ]
            for submission in ids:
                stalled.append(
                    _start_slow_upload(
                        server.port, f"/v1/submissions/{submission}/file", token, 50_000
                    )
                )
            time.sleep(1.0)  # every stalled upload has been authorised and is waiting
            started = time.monotonic()
            created = client.post("/v1/submissions", json={"thesis_id": "X"}, headers=headers)
            assert created.status_code == 201, created.text
            assert time.monotonic() - started < 10
    finally:
        for sock in stalled:
            sock.close()
        server.stop()


@pytest.mark.slow
def test_a_too_large_declared_length_gets_413_and_the_body_is_not_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = serve(data, tmp_path / "serve.log", "--no-worker")
    try:
        token = issue_key(data, "system", "甲大学")
        with httpx.Client(base_url=server.url, timeout=60) as client:
            created = client.post(
                "/v1/submissions",
                json={"thesis_id": "BIG"},
                headers={"Authorization": f"Bearer {token}"},
            )
        path = f"/v1/submissions/{created.json()['id']}/file"
        sock = _start_slow_upload(server.port, path, token, 100 * 1024**3)  # declares 100 GiB
        sock.settimeout(10)
        received = b""
        try:
            while chunk := sock.recv(65536):  # ends when the server closes the connection
                received += chunk
        finally:
            sock.close()
        head = received.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 413") and b"connection: close" in head
    finally:
        server.stop()
