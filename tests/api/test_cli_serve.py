"""`spotcheck keys …` (in process) and `spotcheck serve` (a real subprocess)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from api.cli.main import main
from tests.api.documents import thesis_pdf_bytes
from tests.api.live import SECRET, issue_key, serve


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SPOTCHECK_DATABASE_URL", "SPOTCHECK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPOTCHECK_SECRET_KEY", SECRET)
    monkeypatch.setenv("SPOTCHECK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_keys_create_list_revoke(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--role", "system", "--institution", "甲大学"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("sck_") and "shown only once" in err
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "system" in listing and "甲大学" in listing and token not in listing
    key_id = listing.splitlines()[1].split("\t")[0]
    assert main(["keys", "revoke", key_id]) == 0
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    from api.keys import authenticate
    from api.service import open_service
    from api.settings import Settings

    service = open_service(Settings(secret_key=SECRET, data_dir=cli_env))
    with service.sessions() as session:
        assert authenticate(session, token, SECRET) is None
    service.close()


def test_keys_errors_are_one_line(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--role", "system"]) == 2
    err = capsys.readouterr().err
    assert "institution" in err and len(err.strip().splitlines()) == 1
    assert main(["keys", "revoke", "nope"]) == 2
    assert "no key" in capsys.readouterr().err
    assert main(["keys", "list", "--db", "postgresql+psycopg://u@127.0.0.1:1/x"]) == 2
    assert "cannot open the database" in capsys.readouterr().err


def test_default_secret_is_refused_outside_development(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SPOTCHECK_SECRET_KEY")
    monkeypatch.setenv("SPOTCHECK_ENVIRONMENT", "production")
    assert main(["keys", "list"]) == 2
    assert "SPOTCHECK_SECRET_KEY" in capsys.readouterr().err


def test_bad_port_is_a_usage_error(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["serve", "--processes", "0"]) == 2
    assert "--processes" in capsys.readouterr().err


def http_processes(pid: int) -> list[int]:
    """The processes uvicorn's manager spawned to serve (not its resource tracker)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
            found.append(int(child))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_serve_with_two_processes_screens_and_answers_from_both(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = serve(data, tmp_path / "serve.log", "--processes", "2")
    try:
        assert server.process is not None
        assert len(http_processes(server.process.pid)) == 2
        system = {"Authorization": f"Bearer {issue_key(data, 'system', '甲大学')}"}
        with httpx.Client(base_url=server.url, timeout=60) as client:
            created = client.post("/v1/submissions", json={"thesis_id": "P1"}, headers=system)
            assert created.status_code == 201, created.text
            submission = created.json()["id"]
            uploaded = client.put(
                f"/v1/submissions/{submission}/file",
                content=thesis_pdf_bytes("两个进程的服务"),
                headers=system | {"Content-Type": "application/pdf"},
            )
            assert uploaded.status_code == 200, uploaded.text
            accepted = client.post(f"/v1/submissions/{submission}/screenings", headers=system)
            assert accepted.status_code == 202
            deadline = time.monotonic() + 120
            while (state := client.get(accepted.headers["location"], headers=system).json())[
                "state"
            ] not in ("complete", "error") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert state["state"] == "complete", state
        # New connections are spread over both processes; each one answers the same result.
        bodies = set()
        for _ in range(12):
            with httpx.Client(base_url=server.url, timeout=60) as fresh:
                answer = fresh.get(accepted.headers["location"] + "/result", headers=system)
                assert answer.status_code == 200
                bodies.add(answer.content)
        assert len(bodies) == 1
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode is not None


@pytest.mark.slow
def test_serve_answers_health_and_openapi_and_stops_cleanly(tmp_path: Path) -> None:
    server = serve(tmp_path / "data", tmp_path / "serve.log")
    try:
        assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
        schema = httpx.get(f"{server.url}/openapi.json").json()
        assert schema["info"]["title"] == "spotcheck API"
        assert (tmp_path / "data" / "spotcheck.db").is_file()
    finally:
        server.stop()
    assert "Application shutdown complete" in (tmp_path / "serve.log").read_text()
