"""Real processes for end-to-end tests: `spotcheck serve` / `spotcheck worker` on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SPOTCHECK = str(Path(sys.executable).with_name("spotcheck"))
SECRET = "live-test-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTCHECK_")}
    env |= {
        "SPOTCHECK_ENVIRONMENT": "test",
        "SPOTCHECK_SECRET_KEY": SECRET,
        "SPOTCHECK_DATA_DIR": str(data_dir),
        "SPOTCHECK_JOB_LEASE_SECONDS": "2",
        "SPOTCHECK_JOB_POLL_SECONDS": "0.1",
        "SPOTCHECK_RETRY_AFTER_SECONDS": "1",
        "SPOTCHECK_RATE_LIMIT_PER_SECOND": "2000",
        "SPOTCHECK_RATE_LIMIT_BURST": "4000",
        "SPOTCHECK_WEBHOOK_ALLOW_PRIVATE": "true",  # receivers listen on loopback
        # A worker in its own session at the lowest priority can starve behind unrelated
        # work on a shared machine and make the tests' timeouts flaky.
        "SPOTCHECK_WORKER_NICE": "0",
    }
    env |= extra
    return env


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([SPOTCHECK, *args], env=env, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"spotcheck {' '.join(args)} failed: {done.stderr}")
    return done


@dataclass
class Proc:
    """A spotcheck process in its own process group (so its children die with it)."""

    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    extra: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Proc:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [SPOTCHECK, *self.args],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        return self

    def wait_ready(self, timeout: float = 60.0) -> Proc:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown handlers run (a crash)."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def serve(data_dir: Path, log: Path, *extra: str, env: dict[str, str] | None = None) -> Proc:
    proc = Proc([], env or live_env(data_dir), log)
    proc.port = free_port()
    proc.args = ["serve", "--host", "127.0.0.1", "--port", str(proc.port), *extra]
    return proc.start().wait_ready()


def worker(data_dir: Path, log: Path, env: dict[str, str] | None = None) -> Proc:
    return Proc(["worker"], env or live_env(data_dir), log).start()


def issue_key(data_dir: Path, role: str, institution: str | None = None) -> str:
    """A key in the live server's database (created in this process, like the CLI does)."""
    from api.keys import create_key
    from api.service import open_service
    from api.settings import Settings

    settings = Settings(environment="test", secret_key=SECRET, data_dir=data_dir)
    service = open_service(settings)
    try:
        with service.sessions() as session:
            created = create_key(
                session, secret=SECRET, role=role, name=f"{role} key", institution=institution
            )
            session.commit()
            return created.token
    finally:
        service.close()
