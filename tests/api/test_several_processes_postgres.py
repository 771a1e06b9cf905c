"""Several `serve` processes and workers against one PostgreSQL database stay correct.

Two `spotcheck serve --no-worker` processes take screenings, two `spotcheck worker`
processes run them, and one worker is killed (SIGKILL, no shutdown) while it runs a job.
Every screening must end complete, its job run to completion by exactly one worker at a
time (the killed worker's job is reclaimed after its lease expires and counts two attempts,
every other job one), and its outcome recorded once (one `screening.completed` webhook).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.api.conftest import _truncate_all
from tests.api.documents import thesis_pdf_bytes
from tests.api.live import Proc, live_env, serve, worker
from tests.api.receiver import Receiver

pytestmark = pytest.mark.postgres

SCREENINGS = 6


def _admin_token(data: Path, url: str) -> str:
    from api.keys import create_key
    from api.service import open_service
    from api.settings import Settings
    from tests.api.live import SECRET

    service = open_service(
        Settings(environment="test", secret_key=SECRET, data_dir=data, database_url=url)
    )
    try:
        with service.sessions() as session:
            created = create_key(session, secret=SECRET, role="admin", name="admin key")
            session.commit()
            return created.token
    finally:
        service.close()


def _running_job_of(engine: Engine, pid: int) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT id FROM jobs WHERE kind = 'screening.run' AND state = 'running' "
                "AND worker_id LIKE :pattern"
            ),
            {"pattern": f"%:{pid}:%"},
        ).scalar()


def _submit(client: httpx.Client, headers: dict[str, str], number: int, pdf: bytes) -> str:
    created = client.post(
        "/v1/submissions",
        json={"thesis_id": f"MP{number}", "institution": "甲大学"},
        headers=headers,
    )
    created.raise_for_status()
    sub_id = created.json()["id"]
    client.put(f"/v1/submissions/{sub_id}/file", content=pdf, headers=headers).raise_for_status()
    accepted = client.post(f"/v1/submissions/{sub_id}/screenings", headers=headers)
    assert accepted.status_code == 202, accepted.text
    return str(accepted.headers["location"]).rsplit("/", 1)[1]


def test_two_servers_two_workers_one_killed_every_job_runs_exactly_once(
    tmp_path: Path, pg_database: str
) -> None:
    _truncate_all(pg_database)
    data = tmp_path / "data"
    env = live_env(data, SPOTCHECK_DATABASE_URL=pg_database)
    headers = {"Authorization": f"Bearer {_admin_token(data, pg_database)}"}
    engine = create_engine(pg_database)
    pdf = thesis_pdf_bytes("多进程论文", pages=40)
    servers: list[Proc] = []
    workers: list[Proc] = []
    clients: list[httpx.Client] = []
    with Receiver() as receiver:
        try:
            servers = [
                serve(data, tmp_path / f"serve{i}.log", "--no-worker", env=env) for i in (1, 2)
            ]
            clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
            hook = clients[0].post("/v1/webhooks", json={"url": receiver.url}, headers=headers)
            assert hook.status_code == 201, hook.text
            ids = [
                _submit(clients[n % 2], headers, n, pdf + f"\n% copy {n}\n".encode())
                for n in range(SCREENINGS)
            ]
            workers = [worker(data, tmp_path / f"worker{i}.log", env=env) for i in (1, 2)]
            victim = workers[0]
            assert victim.process is not None
            deadline = time.monotonic() + 30
            killed_job = None
            while killed_job is None:
                assert time.monotonic() < deadline, "the first worker never ran a job"
                killed_job = _running_job_of(engine, victim.process.pid)
                time.sleep(0.02)
            victim.kill()

            deadline = time.monotonic() + 60
            states: dict[str, str] = {}
            while time.monotonic() < deadline:
                states = {
                    sid: clients[i % 2]
                    .get(f"/v1/screenings/{sid}", headers=headers)
                    .json()["state"]
                    for i, sid in enumerate(ids)
                }
                if all(s in ("complete", "error") for s in states.values()):
                    break
                time.sleep(0.2)
            assert set(states.values()) == {"complete"}, states

            with engine.connect() as connection:
                jobs = connection.execute(
                    text(
                        "SELECT id, state, attempts, payload FROM jobs WHERE kind = 'screening.run'"
                    )
                ).all()
                screenings = dict(
                    connection.execute(text("SELECT id, attempts FROM screenings")).all()
                )
                completed = Counter(
                    json.loads(payload)["data"]["screening_id"]
                    for (payload,) in connection.execute(
                        text(
                            "SELECT payload FROM webhook_deliveries "
                            "WHERE event = 'screening.completed'"
                        )
                    )
                )
        finally:
            for client in clients:
                client.close()
            for proc in workers + servers:
                if proc.process is not None and proc.process.poll() is None:
                    proc.stop()
            engine.dispose()

    payload_ids = sorted(sid for _, _, _, payload in jobs for sid in payload["screening_ids"])
    assert payload_ids == sorted(ids), "a screening without its one job, or with two"
    assert {state for _, state, _, _ in jobs} == {"complete"}
    attempts = {job_id: count for job_id, _, count, _ in jobs}
    assert attempts.pop(killed_job) == 2, "the killed worker's job was not reclaimed once"
    assert set(attempts.values()) == {1}, "a job ran more than once"
    reclaimed = next(p for j, _, _, p in jobs if j == killed_job)["screening_ids"][0]
    assert screenings[reclaimed] == 2 and {
        n for sid, n in screenings.items() if sid != reclaimed
    } == {1}
    assert completed == Counter(dict.fromkeys(ids, 1)), "an outcome was recorded twice or never"
