"""Extraction of untrusted files in a child process with a wall-clock and a memory limit.

A worker process (`python -m corpora.isolation`) caps its own address space with
`resource.setrlimit(RLIMIT_AS)` and then extracts one file per request line on stdin, answering
with one JSON line on stdout. The parent waits at most `timeout_seconds` for each answer. A worker
that overruns the time is killed (status `too_large`), one that runs out of memory answers
`too_large` itself, and one that dies (a crash in a parser) gives `corrupt`; the next request
starts a fresh worker, so one hostile PDF never stalls a batch. While it OCRs pages the worker
also sends `{"progress": [done, total]}` lines, which the parent hands to a callback; a file
with pages to OCR gets the longer budget `ExtractionLimits.time_budget(total)`.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from corpora.extract import ExtractedDocument, ExtractionLimits, Progress, failure

STARTUP_SECONDS = 60.0
READY = "ready"


class IsolatedExtractor:
    """A restartable worker process; use as a context manager, one request at a time.

    Starting a worker (interpreter, imports, font maps) costs more than extracting a typical
    thesis, so long-lived callers keep one and reuse it. It is replaced after `max_requests`
    files (0: never) and after any file that hit a limit, so memory held by one hostile file
    or slowly fragmented by many never carries over.
    """

    def __init__(self, limits: ExtractionLimits | None = None, *, max_requests: int = 0) -> None:
        self.limits = limits or ExtractionLimits()
        self.max_requests = max_requests
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._ended = False
        self._served = 0

    def __enter__(self) -> IsolatedExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> None:
        env = dict(os.environ)
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        project_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [project_root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "corpora.isolation", str(self.limits.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._buffer = b""
        self._served = 0
        line = self._read_line(STARTUP_SECONDS)
        if line is None or json.loads(line).get("status") != READY:
            self._kill()
            raise RuntimeError("the extraction worker did not start")

    def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        return proc.wait()

    def close(self) -> None:
        """Stops the worker (it is restarted on the next request)."""
        self._kill()

    def _read_line(self, timeout: float) -> bytes | None:
        """One line from the worker, or None on timeout or end of output."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        self._ended = False
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self._ended = True
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def extract(
        self,
        path: Path,
        *,
        metadata: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ExtractedDocument:
        """Extracts `path` in the worker; raises FileNotFoundError for a missing file.

        `progress(done, total)` is called as OCR'd pages are finished.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        meta = {k: str(v) for k, v in (metadata or {}).items()}
        if self._proc is None or self._proc.poll() is not None:
            self._kill()
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        request = {"path": str(path.resolve()), "metadata": meta, "limits": asdict(self.limits)}
        try:
            self._proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            self._kill()
            return failure(path.name, "corrupt", "the extraction worker died", metadata=meta)
        started = time.monotonic()
        deadline = started + self.limits.timeout_seconds
        while True:
            line = self._read_line(max(0.0, deadline - time.monotonic()))
            if line is None or not line.startswith(b'{"progress"'):
                break
            done, total = json.loads(line)["progress"]
            deadline = started + self.limits.time_budget(int(total))  # OCR earns more time
            if progress is not None:
                progress(int(done), int(total))
        if line is None:
            timed_out = not self._ended
            code = self._kill()
            if timed_out:
                reason = (
                    f"extraction took longer than the {self.limits.timeout_seconds:g} s time "
                    "limit and was stopped"
                )
                return failure(path.name, "too_large", reason, metadata=meta)
            return failure(path.name, "corrupt", crash_reason(code), metadata=meta)
        document = ExtractedDocument.from_json(json.loads(line.decode("utf-8", "surrogatepass")))
        self._served += 1
        if document.status == "too_large" or 0 < self.max_requests <= self._served:
            self._kill()
        return document


def crash_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the file crashed the extractor ({name})"
    return f"the file crashed the extractor (exit status {code})"


def extract_isolated(
    path: Path,
    *,
    metadata: Mapping[str, str] | None = None,
    limits: ExtractionLimits | None = None,
    progress: Progress | None = None,
) -> ExtractedDocument:
    """Extracts one file in a fresh worker process with time and memory limits."""
    with IsolatedExtractor(limits) as extractor:
        return extractor.extract(path, metadata=metadata, progress=progress)


def _answer(request: Mapping[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    from corpora.extract import extract_file

    path = Path(request["path"])
    metadata = request.get("metadata") or {}
    limits = ExtractionLimits(**request.get("limits", {}))
    try:
        doc = extract_file(path, metadata=metadata, limits=limits, progress=progress)
        return doc.to_json(include_raw=True)
    except MemoryError:
        reason = f"extraction needed more than the {limits.memory_bytes} byte memory limit"
        return failure(path.name, "too_large", reason, metadata=metadata).to_json(include_raw=True)
    except OSError as exc:
        reason = f"the file cannot be read ({exc.strerror or exc})"
        return failure(path.name, "corrupt", reason, metadata=metadata).to_json(include_raw=True)
    except Exception as exc:  # a parser failure the readers did not anticipate
        reason = f"the file cannot be extracted ({type(exc).__name__}: {exc})"
        return failure(path.name, "corrupt", reason, metadata=metadata).to_json(include_raw=True)


def worker_main(memory_bytes: int) -> int:
    """The worker loop: cap memory, announce readiness, answer one request per line."""
    import resource

    if memory_bytes > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    out = sys.stdout.buffer
    out.write(json.dumps({"status": READY, "memory_bytes": memory_bytes}).encode() + b"\n")
    out.flush()

    def report(done: int, total: int) -> None:
        out.write(json.dumps({"progress": [done, total]}).encode() + b"\n")
        out.flush()

    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        answer = _answer(json.loads(raw), report)
        out.write(json.dumps(answer, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(worker_main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
