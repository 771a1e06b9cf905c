"""Per-key token buckets (in process: each server process keeps its own buckets)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """`rate` requests per second with bursts up to `burst`, per key."""

    def __init__(self, rate: float = 50.0, burst: int = 200) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, *, now: float | None = None) -> float:
        """Takes one token; returns 0 when allowed, else the seconds to wait for one."""
        if self.rate <= 0:
            return 0.0
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), moment))
            tokens = min(float(self.burst), tokens + (moment - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, moment)
                return 0.0
            self._buckets[key] = (tokens, moment)
            return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
