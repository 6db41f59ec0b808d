#!/usr/bin/env python3
"""Load test for `m2io serve`: N concurrent streaming requests to the LangServe `/m2io/stream`.

A request is answered when it gets HTTP 200, at least one `data` event, no `error` event and the
closing `end` event; rejected when the server says it is busy (503 or 429, with `Retry-After`);
failed otherwise. With `--retries`, a rejected client waits `Retry-After` seconds and asks again,
as a well-behaved client does. Reports latency (first request sent → `end`, waits included) and
time to first event (the answered request sent → first `data` event, the `retrieve` update) as
p50 / p95 / max, and answers per second.

    m2io serve --store STORE &
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8000 -n 50 --retries 20

Exit status: 0 when no request failed (rejections are the server's explicit answer), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field

import httpx

QUESTIONS = [
    "How do I forward a local port through SSH?",
    "How do I check which ports a machine is listening on?",
    "How do I upgrade all installed packages?",
    "Which graphical desktop environments does Debian offer?",
    "How do I choose the installation language?",
]


BUSY = frozenset({429, 503})
"""The statuses a server sends when it declines work for now."""


@dataclass
class Outcome:
    ok: bool
    seconds: float
    first_event: float | None = None
    events: int = 0
    error: str = ""
    retry_after: float | None = None
    """Set when the server declined the request (429/503): the seconds it asked to wait."""
    tries: int = 1


@dataclass
class Report:
    requests: int
    concurrency: int
    answered: int
    rejected: int
    errors: int
    retries: int
    wall_seconds: float
    answers_per_second: float
    latency: dict[str, float]
    first_event: dict[str, float]
    events_per_request: float
    error_samples: list[str] = field(default_factory=list)


def percentiles(values: list[float]) -> dict[str, float]:
    """Nearest-rank p50 / p95 and the max; empty when nothing succeeded."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    return {"p50": rank(0.50), "p95": rank(0.95), "max": ordered[-1]}


async def one_request(client: httpx.AsyncClient, url: str, query: str) -> Outcome:
    started = time.perf_counter()
    outcome = Outcome(ok=False, seconds=0.0)
    event = ""
    ended = False
    try:
        async with client.stream("POST", url, json={"input": {"query": query}}) as response:
            if response.status_code in BUSY:
                await response.aread()
                outcome.retry_after = float(response.headers.get("retry-after") or 1)
                outcome.error = f"HTTP {response.status_code} (busy)"
            elif response.status_code != 200:
                body = (await response.aread()).decode(errors="replace")[:200]
                outcome.error = f"HTTP {response.status_code}: {body}"
            else:
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                        ended = ended or event == "end"
                    elif line.startswith("data:") and event == "data":
                        outcome.events += 1
                        if outcome.first_event is None:
                            outcome.first_event = time.perf_counter() - started
                    elif line.startswith("data:") and event == "error":
                        outcome.error = f"error event: {line.removeprefix('data:').strip()[:200]}"
                if not outcome.error and not ended:
                    outcome.error = "the stream closed without an `end` event"
                if not outcome.error and not outcome.events:
                    outcome.error = "the stream carried no data event"
    except httpx.HTTPError as error:
        outcome.error = f"{type(error).__name__}: {error}"
    outcome.seconds = time.perf_counter() - started
    outcome.ok = not outcome.error
    return outcome


async def patient_request(client: httpx.AsyncClient, url: str, query: str, retries: int) -> Outcome:
    """One request, asked again after each refusal (up to `retries` times) once `Retry-After`
    has passed; the latency counts from the first try."""
    started = time.perf_counter()
    for tries in range(1, retries + 2):
        outcome = await one_request(client, url, query)
        outcome.tries = tries
        if outcome.retry_after is None or tries > retries:
            break
        await asyncio.sleep(min(outcome.retry_after, 60.0))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def run(
    url: str, requests: int, concurrency: int, queries: list[str], timeout: float, retries: int = 0
) -> Report:
    endpoint = url.rstrip("/") + "/m2io/stream"
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

        async def limited(number: int) -> Outcome:
            async with gate:
                query = queries[number % len(queries)]
                return await patient_request(client, endpoint, query, retries)

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(limited(n) for n in range(requests)))
        wall = time.perf_counter() - started
    good = [o for o in outcomes if o.ok]
    rejected = [o for o in outcomes if o.retry_after is not None]
    bad = [o for o in outcomes if not o.ok and o.retry_after is None]
    return Report(
        requests=requests,
        concurrency=concurrency,
        answered=len(good),
        rejected=len(rejected),
        errors=len(bad),
        retries=sum(o.tries - 1 for o in outcomes),
        wall_seconds=wall,
        answers_per_second=len(good) / wall if wall else 0.0,
        latency=percentiles([o.seconds for o in good]),
        first_event=percentiles([o.first_event for o in good if o.first_event is not None]),
        events_per_request=sum(o.events for o in good) / len(good) if good else 0.0,
        error_samples=sorted({o.error for o in bad})[:5],
    )


def show(report: Report) -> str:
    def line(name: str, stats: dict[str, float]) -> str:
        if not stats:
            return f"{name:<18} (no successful request)"
        return f"{name:<18} " + "  ".join(f"{k} {v:7.3f} s" for k, v in stats.items())

    lines = [
        f"requests           {report.requests} ({report.concurrency} at a time)",
        f"answered           {report.answered}",
        f"rejected (busy)    {report.rejected}  (after {report.retries} retries in all)",
        f"failed             {report.errors}",
        f"wall time          {report.wall_seconds:.2f} s ({report.answers_per_second:.2f} answers/s)",
        line("latency", report.latency),
        line("first event", report.first_event),
        f"events/request     {report.events_per_request:.1f}",
    ]
    lines += [f"error: {sample}" for sample in report.error_samples]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("-n", "--requests", type=int, default=50, help="how many (default: 50)")
    parser.add_argument(
        "-c", "--concurrency", type=int, help="how many at a time (default: all of them)"
    )
    parser.add_argument(
        "-q", "--query", action="append", help="a question (repeatable; default: demo questions)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="per request, seconds")
    parser.add_argument(
        "--retries",
        type=int,
        default=0,
        help="ask again after a 429/503, waiting Retry-After, up to this many times (default: 0)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.retries < 0:
        parser.error("--retries must be 0 or more")
    concurrency = max(1, min(args.concurrency or args.requests, args.requests))
    report = asyncio.run(
        run(
            args.url,
            args.requests,
            concurrency,
            args.query or QUESTIONS,
            args.timeout,
            args.retries,
        )
    )
    print(json.dumps(asdict(report), indent=2) if args.json else show(report))
    return 0 if report.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
