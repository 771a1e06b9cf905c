"""Load benchmark of the HTTP API on loopback: status polls, result fetches and 5 MB uploads.

Starts `spotcheck serve --no-worker` (`--processes N` for more HTTP processes) plus one
`spotcheck worker` on a temporary data folder (the production layout; `--in-process-worker`
runs the worker inside the server instead; `--db` uses an empty PostgreSQL database),
seeds a few screened theses, then runs CLIENTS concurrent clients for DURATION seconds, each
looping over a weighted mix of requests. Prints throughput, p50/p99 latency per kind, the
error count, and whether every accepted upload was screened (it waits for the queue to drain).

    .venv/bin/python benchmarks/api_load.py [--clients 50] [--duration 60] [--upload-share 0.05]

The load generator uses aiohttp (a C-accelerated HTTP/1.1 client with keep-alive pooling)
rather than httpx, whose per-request cost ate most of a core on 2-core machines and so measured
the client instead of the server. Every request is still real HTTP over loopback to a real
`spotcheck serve` process, uploads are real 5 MB PDFs, and every accepted upload is screened.

Only loopback addresses are used; every loop is bounded by the duration.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
SPOTCHECK = str(Path(sys.executable).with_name("spotcheck"))
SECRET = "benchmark-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def thesis_pdf(title: str, size: int, seed: int) -> bytes:
    """A real Chinese thesis PDF padded to about `size` bytes with an incompressible image."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    rng = random.Random(seed)
    side = int((size / 3 * 0.76) ** 0.5)  # reportlab's image stream adds about 30 %
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    png = io.BytesIO()
    noise.save(png, format="PNG", compress_level=0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("STSong-Light", 18)
    pdf.drawString(72, 760, title)
    pdf.setFont("STSong-Light", 11)
    lines = [
        "本文研究学位论文抽检中的质量保障问题，分析分层随机抽样与专家评审的组织方式。",
        "研究表明，文字复制比检测只能提供证据，专家判断才是结论的依据。",
        f"样本编号{seed}：本节讨论抽检结果的使用与高校质量改进之间的关系。",
    ]
    for index, line in enumerate(lines * 8):
        pdf.drawString(72, 720 - 20 * index, line)
    pdf.showPage()
    pdf.drawImage(ImageReader(io.BytesIO(png.getvalue())), 72, 200, width=400, height=400)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def issue_key(
    data_dir: Path, database_url: str | None, role: str, institution: str | None = None
) -> str:
    sys.path.insert(0, str(ROOT))
    from api.keys import create_key
    from api.service import open_service
    from api.settings import Settings

    settings = Settings(
        environment="test", secret_key=SECRET, data_dir=data_dir, database_url=database_url
    )
    service = open_service(settings)
    try:
        with service.sessions() as session:
            created = create_key(
                session, secret=SECRET, role=role, name=f"bench {role}", institution=institution
            )
            session.commit()
            return created.token
    finally:
        service.close()


def unique_copy(pdf: bytes, tag: str) -> bytes:
    """The PDF with a comment line after its end: other bytes (so another sha256, stored and
    screened anew, as distinct theses are), the same document to a PDF reader."""
    return pdf + f"\n% load test upload {tag}\n".encode()


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.steps: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.accepted: list[str] = []

    def ok(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)

    def step(self, name: str, began: float) -> float:
        """Records one request of an upload's three; returns the time it ended."""
        now = time.perf_counter()
        self.steps[name].append(now - began)
        return now

    def fail(self, kind: str, why: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {why}")


class NotAccepted(Exception):
    """A screening request answered with something other than 202."""


async def state_of(client: aiohttp.ClientSession, location: str, headers: dict[str, str]) -> str:
    async with client.get(location, headers=headers) as response:
        response.raise_for_status()
        return (await response.json())["state"]


async def seed(client: aiohttp.ClientSession, headers: dict[str, str], pdf: bytes) -> list[str]:
    """Three screened theses for the result fetches."""
    locations = []
    for index in range(3):
        async with client.post(
            "/v1/submissions", json={"thesis_id": f"SEED{index}"}, headers=headers
        ) as sub:
            sub.raise_for_status()
            sub_id = (await sub.json())["id"]
        async with client.put(f"/v1/submissions/{sub_id}/file", data=pdf, headers=headers) as put:
            put.raise_for_status()
        async with client.post(f"/v1/submissions/{sub_id}/screenings", headers=headers) as acc:
            acc.raise_for_status()
            locations.append(acc.headers["location"])
    for _ in range(600):
        states = [await state_of(client, loc, headers) for loc in locations]
        if all(s in ("complete", "error") for s in states):
            return locations
        await asyncio.sleep(0.5)
    raise SystemExit("seed screenings did not finish")


async def client_loop(
    number: int,
    client: aiohttp.ClientSession,
    headers: dict[str, str],
    seeded: list[str],
    uploads: list[bytes],
    share: float,
    deadline: float,
    stats: Stats,
) -> None:
    rng = random.Random(number)
    counter = 0
    while time.monotonic() < deadline:
        draw = rng.random()
        started = time.perf_counter()
        try:
            if draw < share:
                kind = "upload"
                counter += 1
                step = started
                async with client.post(
                    "/v1/submissions",
                    json={"thesis_id": f"C{number}-{counter}"},
                    headers=headers | {"Idempotency-Key": f"bench-{number}-{counter}"},
                ) as sub:
                    sub.raise_for_status()
                    sub_id = (await sub.json())["id"]
                step = stats.step("create submission", step)
                async with client.put(
                    f"/v1/submissions/{sub_id}/file",
                    data=unique_copy(uploads[counter % len(uploads)], f"{number}-{counter}"),
                    headers=headers | {"Content-Type": "application/pdf"},
                ) as put:
                    put.raise_for_status()
                    await put.read()
                step = stats.step("upload file", step)
                async with client.post(
                    f"/v1/submissions/{sub_id}/screenings", headers=headers
                ) as screening:
                    if screening.status != 202:
                        raise NotAccepted(f"{screening.status}: {await screening.text()}")
                    stats.accepted.append(screening.headers["location"])
                stats.step("request screening", step)
            elif draw < share + (1 - share) * 0.6:
                kind = "status"
                async with client.get(rng.choice(seeded), headers=headers) as response:
                    response.raise_for_status()
                    await response.read()
            else:
                kind = "result"
                async with client.get(rng.choice(seeded) + "/result", headers=headers) as response:
                    response.raise_for_status()
                    await response.read()
            stats.ok(kind, time.perf_counter() - started)
        except (aiohttp.ClientError, TimeoutError, NotAccepted, KeyError, ValueError) as exc:
            stats.fail(kind, f"{type(exc).__name__}: {exc}"[:200])


def descendants(pid: int) -> list[int]:
    """The process and its live descendants (Linux /proc), e.g. `serve --processes N`."""
    found = [pid]
    for index in range(len(found) + 10_000):
        if index >= len(found):
            break
        try:
            children = Path(f"/proc/{found[index]}/task/{found[index]}/children").read_text()
        except OSError:
            continue
        found.extend(int(child) for child in children.split())
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process tree, live descendants included, from /proc."""
    total = 0.0
    for member in descendants(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def run(args: argparse.Namespace, base: str, token: str, pids: dict[str, int]) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    size = int(args.upload_mb * 1024 * 1024)
    print(f"generating {args.distinct_uploads} upload PDFs of ~{args.upload_mb} MB …", flush=True)
    uploads = [thesis_pdf(f"负载测试论文{i}", size, i) for i in range(args.distinct_uploads)]
    print(f"upload size: {len(uploads[0]) / 1e6:.2f} MB", flush=True)
    connector = aiohttp.TCPConnector(limit=args.clients + 5)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        seeded = await seed(client, headers, uploads[0])
        stats = Stats()
        print(
            f"running {args.clients} clients for {args.duration:g} s "
            f"(load average {os.getloadavg()[0]:.2f}) …",
            flush=True,
        )
        began = time.monotonic()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cpu_before["load generator"] = time.process_time()
        deadline = began + args.duration
        await asyncio.gather(
            *(
                client_loop(n, client, headers, seeded, uploads, args.upload_share, deadline, stats)
                for n in range(args.clients)
            )
        )
        elapsed = time.monotonic() - began
        cpu_used = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        cpu_used["load generator"] = time.process_time() - cpu_before["load generator"]
        total = sum(len(v) for v in stats.latencies.values())
        errors = sum(stats.errors.values())
        print()
        print("spotcheck API load benchmark (loopback; machine shared with other work: noisy)")
        print(
            f"clients {args.clients}, duration {elapsed:.1f} s, upload size {args.upload_mb} MB, "
            f"upload share {args.upload_share:.0%}, HTTP processes {args.processes}, "
            f"database {'SQLite' if not args.db else args.db.split(':', 1)[0]}, worker: "
            f"{'in-process' if args.in_process_worker else 'separate process'}"
        )
        print(f"throughput: {total / elapsed:.1f} requests/s ({total} ok, {errors} errors)")
        print(f"{'kind':<8} {'count':>7} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
        for kind in ("status", "result", "upload"):
            values = stats.latencies.get(kind, [])
            if not values:
                print(f"{kind:<8} {0:>7}")
                continue
            print(
                f"{kind:<8} {len(values):>7} {len(values) / elapsed:>8.1f} "
                f"{statistics.median(values) * 1000:>9.1f} {percentile(values, 0.99) * 1000:>9.1f} "
                f"{max(values) * 1000:>9.1f}"
            )
        for name, values in stats.steps.items():
            print(
                f"  {name:<18} p50 {statistics.median(values) * 1000:7.1f} ms, "
                f"p99 {percentile(values, 0.99) * 1000:7.1f} ms"
            )
        print(
            "CPU during the load (share of one core): "
            + ", ".join(f"{name} {used / elapsed:.0%}" for name, used in cpu_used.items())
        )
        print(f"errors: {errors} {dict(stats.errors) if errors else ''}")
        for sample in stats.error_samples:
            print(f"  e.g. {sample}")
        reads = stats.latencies.get("status", []) + stats.latencies.get("result", [])
        if reads:
            p99 = percentile(reads, 0.99) * 1000
            print(f"p99 of status/result reads: {p99:.1f} ms (target < 100 ms)")
        load = os.getloadavg()
        print(f"load average at the end of the load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print("waiting for the accepted uploads to be screened …", flush=True)
        drain_began = time.monotonic()
        pending = list(stats.accepted)
        final: dict[str, str] = {}
        while pending and time.monotonic() - drain_began < args.drain_timeout:
            still = []
            for location in pending:
                state = await state_of(client, location, headers)
                if state in ("complete", "error"):
                    final[location] = state
                else:
                    still.append(location)
            pending = still
            if pending:
                await asyncio.sleep(1.0)
        drain = time.monotonic() - drain_began

    screened = sum(1 for s in final.values() if s == "complete")
    failed = sum(1 for s in final.values() if s == "error")
    print(
        f"accepted uploads: {len(stats.accepted)}; screened complete: {screened}, "
        f"error: {failed}, still pending: {len(pending)} (drained in {drain:.1f} s)"
    )
    everything = not pending and failed == 0 and screened == len(stats.accepted)
    print(f"every accepted upload was screened: {'yes' if everything else 'NO'}")
    return 0 if everything and errors == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--upload-mb", type=float, default=5.0)
    parser.add_argument("--upload-share", type=float, default=0.05, help="fraction of uploads")
    parser.add_argument(
        "--distinct-uploads",
        type=int,
        default=8,
        help="PDFs generated; each upload is made unique by a trailing comment",
    )
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--in-process-worker", action="store_true")
    parser.add_argument(
        "--db", metavar="URL", help="an empty database to use instead of SQLite (PostgreSQL)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="HTTP processes (serve --processes)"
    )
    parser.add_argument(
        "--worker-nice",
        type=int,
        help="SPOTCHECK_WORKER_NICE for the worker (default: the product's, 19; on a machine "
        "busy with other work a worker at 19 in its own session may barely run)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below
    if not (1 <= args.clients <= 500 and 0 < args.duration <= 3600):
        parser.error("--clients must be 1-500 and --duration 0-3600 s")

    folder = Path(tempfile.mkdtemp(prefix="spotcheck-bench-"))
    data = folder / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTCHECK_")}
    env |= {
        "SPOTCHECK_ENVIRONMENT": "test",
        "SPOTCHECK_SECRET_KEY": SECRET,
        "SPOTCHECK_DATA_DIR": str(data),
        "SPOTCHECK_RATE_LIMIT_PER_SECOND": "0",  # one key drives every client here
        "SPOTCHECK_RETRY_AFTER_SECONDS": "1",
        "SPOTCHECK_JOB_POLL_SECONDS": "0.2",
    }
    if args.db:
        env["SPOTCHECK_DATABASE_URL"] = args.db
    if args.worker_nice is not None:
        env["SPOTCHECK_WORKER_NICE"] = str(args.worker_nice)
    token = issue_key(data, args.db, "system", "负载测试大学")
    port = free_port()
    serve_args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    serve_args += ["--processes", str(args.processes)]
    if not args.in_process_worker:
        serve_args.append("--no-worker")
    processes = []
    log = (folder / "server.log").open("wb")
    try:
        processes.append(
            subprocess.Popen(
                [SPOTCHECK, *serve_args], env=env, stdout=log, stderr=log, start_new_session=True
            )
        )
        if not args.in_process_worker:
            processes.append(
                subprocess.Popen(
                    [SPOTCHECK, "worker"], env=env, stdout=log, stderr=log, start_new_session=True
                )
            )
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start; see " + str(folder / "server.log"))
        names = ["server", "worker"]
        pids = {name: process.pid for name, process in zip(names, processes, strict=False)}
        return asyncio.run(run(args, base, token, pids))
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()
        if args.keep:
            print(f"data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
