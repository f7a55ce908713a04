"""A small HTTP load generator for the benchmarks: processes x threads, keep-alive connections.

Used the same way against Aduan and against the bare endpoint, so their figures compare.
Only loopback targets are allowed: this is a benchmark of a server on this machine.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Result:
    """What a load run measured."""

    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in milliseconds."""
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]


Request = tuple[str, str, dict[str, str], bytes | None]


def _worker(
    url: str,
    make_request: Callable[[int], Request],
    count: int,
    offset: int,
    out: list[tuple[float, bool]],
) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for i in range(count):
        method, path, headers, body = make_request(offset + i)
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status < 400
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            ok = False
        out.append(((time.perf_counter() - start) * 1000, ok))
    conn.close()


def _process(args: tuple[str, Callable[[int], Request], int, int, int]) -> list[tuple[float, bool]]:
    url, make_request, threads, per_thread, base = args
    results: list[list[tuple[float, bool]]] = [[] for _ in range(threads)]
    pool = [
        threading.Thread(
            target=_worker,
            args=(url, make_request, per_thread, base + t * per_thread, results[t]),
        )
        for t in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return [item for chunk in results for item in chunk]


def run(
    url: str,
    make_request: Callable[[int], Request],
    *,
    total: int,
    processes: int = 2,
    threads: int = 4,
) -> Result:
    """Send `total` requests with processes x threads concurrent connections."""
    if urlsplit(url).hostname not in LOOPBACK:
        raise ValueError("benchmarks only target this machine's loopback")
    per_thread = max(1, total // (processes * threads))
    # forked processes inherit `make_request` (a closure cannot be pickled for a Pool)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child(p: int) -> None:
        queue.put(_process((url, make_request, threads, per_thread, p * threads * per_thread)))

    children = [context.Process(target=child, args=(p,)) for p in range(processes)]
    start = time.perf_counter()
    for process in children:
        process.start()
    chunks = [queue.get() for _ in children]
    seconds = time.perf_counter() - start
    for process in children:
        process.join()
    samples = [item for chunk in chunks for item in chunk]
    return Result(
        requests=len(samples),
        errors=sum(1 for _, ok in samples if not ok),
        seconds=seconds,
        latencies_ms=sorted(ms for ms, ok in samples if ok),
    )


def merge(results: list[Result]) -> Result:
    """Several runs as one: every latency, the requests over the time spent loading."""
    return Result(
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        seconds=sum(r.seconds for r in results),
        latencies_ms=sorted(ms for r in results for ms in r.latencies_ms),
    )


def json_post(
    path: str, body_for: Callable[[int], dict[str, Any]], headers: dict[str, str] | None = None
) -> Callable[[int], Request]:
    """A request maker posting JSON bodies."""

    def make(i: int) -> Request:
        return (
            "POST",
            path,
            {"Content-Type": "application/json", **(headers or {})},
            json.dumps(body_for(i)).encode(),
        )

    return make
