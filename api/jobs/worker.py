"""A worker: claims jobs, runs their handlers, renews leases while they run, retries failures."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.jobs import queue as q
from api.service import Service
from api.storage.models import Job

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from corpora.isolation import IsolatedExtractor

log = logging.getLogger("spotcheck.worker")

# A thread's extraction process is replaced after this many files (see IsolatedExtractor).
EXTRACTOR_MAX_REQUESTS = 200


class RetryLater(Exception):
    """Raised by a handler to run the job again after `delay` seconds (counts an attempt)."""

    def __init__(self, delay: float, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


class PermanentFailure(Exception):
    """Raised by a handler for a failure that retrying cannot fix."""


class LeaseLost(Exception):
    """The job's lease expired and another worker claimed it: this run must record nothing."""


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload.

    `extractor` is the worker thread's isolated extraction process, kept across jobs so a
    one-thesis screening does not pay for starting a fresh interpreter.
    """

    service: Service
    job_id: str
    attempt: int
    worker_id: str
    extractor: IsolatedExtractor

    def hold_lease(self, session: Session) -> None:
        """Call first in the transaction that records the job's outcome (see `queue.hold`).

        Raises `LeaseLost` when another worker has claimed the job since this run began.
        """
        lease = self.service.settings.job_lease_seconds
        if not q.hold(session, self.job_id, self.worker_id, lease):
            raise LeaseLost(f"job {self.job_id}: lease lost to another worker")

    def complete_in(self, session: Session, result: dict[str, Any]) -> None:
        """Marks the job complete in the transaction that records its outcome (after
        `hold_lease` in the same transaction, so this cannot fail)."""
        if not q.complete_in(session, self.job_id, self.worker_id, result):
            raise LeaseLost(f"job {self.job_id}: lease lost to another worker")


@dataclass(frozen=True)
class JobHandler:
    """`run` does the work; `give_up` records the final failure on the job's resource."""

    run: Callable[[JobContext, dict[str, Any]], dict[str, Any] | None]
    give_up: Callable[[JobContext, dict[str, Any], str], None] | None = None
    retry_delay: Callable[[int], float] = lambda attempt: min(300.0, 2.0**attempt)


QUEUES = ("default", "webhooks")


def lower_thread_priority(niceness: int) -> int | None:
    """Raises the calling thread's niceness to at least `niceness`; returns the value set.

    On Linux niceness belongs to the thread, and threads and processes it starts (PDF
    extraction) inherit it, so job work yields the CPU to the request handlers of the same
    process. Where priorities are per process or cannot be changed, nothing happens (None).
    """
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return None
    try:
        thread = threading.get_native_id()
        target = max(niceness, os.getpriority(os.PRIO_PROCESS, thread))
        os.setpriority(os.PRIO_PROCESS, thread, target)
    except OSError:
        return None
    return target


AUTOGROUP = Path("/proc/self/autogroup")


def lower_session_priority(niceness: int, autogroup: Path = AUTOGROUP) -> int | None:
    """Lowers the CPU priority of this process's session when it leads one; the value set.

    Linux with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`) shares the
    CPU between sessions first and applies niceness only inside a session, so niced job
    threads in a worker started as its own session (a systemd service, `setsid`) would still
    take as much CPU as the whole `serve` session. Only a session leader changes its
    session's priority (otherwise it might be the shell's, shared with the server).
    """
    if niceness <= 0 or not autogroup.exists() or os.getsid(0) != os.getpid():
        return None
    try:
        autogroup.write_text(f"{niceness}\n")
    except OSError:
        return None
    return niceness


class Worker:
    """Runs jobs from `queues` in one thread per queue until stopped."""

    def __init__(
        self,
        service: Service,
        handlers: Mapping[str, JobHandler],
        *,
        queues: tuple[str, ...] = QUEUES,
        worker_id: str | None = None,
    ) -> None:
        self.service = service
        self.handlers = dict(handlers)
        self.queues = queues
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._local = threading.local()

    @property
    def lease_seconds(self) -> float:
        return self.service.settings.job_lease_seconds

    def run_one(self, queue: str = "default") -> bool:
        """Claims and runs one job of `queue`; False when none was due."""
        job = q.claim(self.service.sessions, queue, self.worker_id, self.lease_seconds)
        if job is None:
            return False
        self._execute(job)
        return True

    def run_until_idle(self, max_jobs: int = 1000) -> int:
        """Runs due jobs of every queue until none is left (tests and one-shot runs)."""
        done = 0
        try:
            while done < max_jobs:
                ran = False
                for name in self.queues:
                    if self.run_one(name):
                        done += 1
                        ran = True
                if not ran:
                    break
        finally:
            self._close_thread_extractor()
        return done

    def _thread_extractor(self) -> IsolatedExtractor:
        """The calling thread's extraction process (started on its first file)."""
        extractor = getattr(self._local, "extractor", None)
        if extractor is None:
            from corpora.isolation import IsolatedExtractor

            extractor = IsolatedExtractor(max_requests=EXTRACTOR_MAX_REQUESTS)
            self._local.extractor = extractor
        return extractor

    def _close_thread_extractor(self) -> None:
        extractor = getattr(self._local, "extractor", None)
        if extractor is not None:
            extractor.close()
            self._local.extractor = None

    def _execute(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        context = JobContext(
            self.service, job.id, job.attempts, self.worker_id, self._thread_extractor()
        )
        sessions = self.service.sessions
        if handler is None:
            q.finish(sessions, job.id, self.worker_id, state=q.ERROR, error="no handler")
            return
        if job.attempts > job.max_attempts:
            reason = job.last_error or "the worker running it stopped before it finished"
            message = f"gave up after {job.max_attempts} attempts: {reason}"
            self._give_up(handler, context, job.payload, message)
            q.finish(sessions, job.id, self.worker_id, state=q.ERROR, error=message)
            return
        stop_renewing = threading.Event()
        renewer = threading.Thread(
            target=self._renew_lease, args=(job.id, stop_renewing), daemon=True
        )
        renewer.start()
        try:
            result = handler.run(context, job.payload)
        except RetryLater as exc:
            stop_renewing.set()
            if job.attempts >= job.max_attempts:
                self._give_up(handler, context, job.payload, str(exc))
                q.finish(sessions, job.id, self.worker_id, state=q.ERROR, error=str(exc))
            else:
                q.release(sessions, job.id, self.worker_id, delay_seconds=exc.delay, error=str(exc))
        except LeaseLost as exc:
            stop_renewing.set()
            log.warning("%s; its outcome is recorded by the worker holding it", exc)
        except PermanentFailure as exc:
            stop_renewing.set()
            self._give_up(handler, context, job.payload, str(exc))
            q.finish(sessions, job.id, self.worker_id, state=q.ERROR, error=str(exc))
        except Exception as exc:
            stop_renewing.set()
            log.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
            message = f"{type(exc).__name__}: {exc}"
            if job.attempts >= job.max_attempts:
                self._give_up(handler, context, job.payload, message)
                q.finish(sessions, job.id, self.worker_id, state=q.ERROR, error=message)
            else:
                delay = handler.retry_delay(job.attempts)
                q.release(sessions, job.id, self.worker_id, delay_seconds=delay, error=message)
        else:
            stop_renewing.set()
            q.finish(sessions, job.id, self.worker_id, state=q.COMPLETE, result=result or {})
        finally:
            stop_renewing.set()
            renewer.join(timeout=5)

    def _give_up(
        self, handler: JobHandler, context: JobContext, payload: dict[str, Any], reason: str
    ) -> None:
        if handler.give_up is None:
            return
        try:
            handler.give_up(context, payload, reason)
        except LeaseLost as exc:
            log.warning("%s; not giving up on it here", exc)
        except Exception:
            log.exception("give_up of job %s failed", context.job_id)

    def _renew_lease(self, job_id: str, stop: threading.Event) -> None:
        interval = max(0.2, self.lease_seconds / 3)
        while not stop.wait(interval):
            try:
                if not q.renew(self.service.sessions, job_id, self.worker_id, self.lease_seconds):
                    return
            except Exception:
                log.exception("renewing the lease of job %s failed", job_id)

    def _loop(self, queue: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            lower_thread_priority(self.service.settings.worker_nice)
        poll = self.service.settings.job_poll_seconds
        try:
            while not self._stop.is_set():
                try:
                    ran = self.run_one(queue)
                except Exception:
                    log.exception("worker loop error on queue %s", queue)
                    ran = False
                if not ran:
                    self._stop.wait(poll)
        finally:
            self._close_thread_extractor()

    def start(self, threads_per_queue: int = 1) -> None:
        """Starts the background threads (one per queue, more for `default` if asked)."""
        for name in self.queues:
            count = threads_per_queue if name == "default" else 1
            for index in range(count):
                thread = threading.Thread(
                    target=self._loop, args=(name,), name=f"worker-{name}-{index}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads.clear()

    def wait(self) -> None:
        """Blocks until `stop` is called (used by `spotcheck worker`)."""
        self._stop.wait()
