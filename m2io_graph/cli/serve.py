"""`m2io serve`: the graph over HTTP (LangServe), the answer page, and optionally the inserter as an
OpenAI-compatible endpoint. FastAPI, LangServe and uvicorn are imported only when serving."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import sys
from typing import Any

from m2io_graph.cli.options import answer_options, store_options
from m2io_graph.config import M2IOConfig

API_KEY_ENV = "M2IO_API_KEY"


def add_serve_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the graph over HTTP (LangServe, /answer page, OpenAI-compatible inserter)",
        description=(
            "Routes: /m2io/invoke, /batch, /stream, /stream_events, /playground/ (LangServe); "
            "/answer?q=... (HTML answer page); /health; with --openai also /v1/chat/completions "
            "and /v1/models serving the trained inserter."
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--openai",
        action="store_true",
        help="also serve the inserter at /v1/chat/completions (OpenAI-compatible)",
    )
    serve.add_argument(
        "--model-name",
        default="m2io-inserter",
        help="model name the OpenAI endpoint answers to (default: m2io-inserter)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=1_000_000,
        help="larger request bodies get 413 (default: 1000000)",
    )
    serve.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_ENV),
        help=f"require `Authorization: Bearer KEY` on every route but /health (default: "
        f"${API_KEY_ENV}, which keeps the key out of the process list; none: no key)",
    )
    pool = serve.add_argument_group(
        "load", "answers run in a bounded pool; past it, 503 with Retry-After"
    )
    pool.add_argument(
        "--max-running",
        type=int,
        help="answers computed at once (default: the cores this process may use)",
    )
    pool.add_argument(
        "--max-waiting",
        type=int,
        default=-1,
        help="requests that wait for a place; more get 503 (default: 4 per running place)",
    )
    pool.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds an answer may run; then it is stopped: 504, or an error event on a "
        "stream (default: %(default)g)",
    )
    pool.add_argument(
        "--max-wait",
        type=float,
        help="seconds a request may wait for a place; then 503 (default: --timeout)",
    )
    answer_options(serve)
    store_options(serve)
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    import uvicorn

    from m2io_graph import models
    from m2io_graph.inserter.checkpoints import default_checkpoint
    from m2io_graph.serving import create_app
    from m2io_graph.serving.admission import PoolLimits
    from m2io_graph.serving.auth import checked_key

    limits = PoolLimits(
        **({"max_running": args.max_running} if args.max_running is not None else {}),
        max_waiting=args.max_waiting,
        timeout=args.timeout,
        max_wait=args.max_wait,
    )
    if args.max_body_bytes < 1:
        raise ValueError(f"--max-body-bytes must be positive, got {args.max_body_bytes}")
    if args.api_key is not None:
        checked_key(args.api_key)  # before the models load
    models.corpus_store(cfg).require_documents()
    if args.openai and not cfg.inserter_checkpoint:
        default_checkpoint()  # a missing shipped adapter stops here, with how to train one
    app = create_app(
        cfg,
        openai=args.openai,
        model_name=args.model_name,
        max_body_bytes=args.max_body_bytes,
        api_key=args.api_key,
        limits=limits,
    )
    base = f"http://{args.host}:{args.port}"
    print(f"m2io: loading models, then serving on {base}", file=sys.stderr)
    if args.api_key is not None:
        print("  every route but /health needs `Authorization: Bearer <key>`", file=sys.stderr)
    elif not _loopback(args.host):
        print(
            f"warning: serving on {args.host} without an API key: anyone who reaches the port "
            f"can query the documents (set {API_KEY_ENV} or --api-key)",
            file=sys.stderr,
        )
    print(
        f"  graph      {base}/m2io/invoke  (playground: {base}/m2io/playground/)", file=sys.stderr
    )
    print(f"  page       {base}/answer?q=...", file=sys.stderr)
    print(
        f"  load       {limits.max_running} answers at once, {limits.waiting} waiting, "
        f"{limits.timeout:g} s each",
        file=sys.stderr,
    )
    if args.openai:
        print(f"  inserter   {base}/v1  (model {args.model_name!r})", file=sys.stderr)
    # SIGTERM / Ctrl-C: stop accepting, let running and waiting requests finish (each within
    # its wait and run limits), then exit. uvicorn raises the signal again once it has drained;
    # this handler takes it, so a stop asked for ends with status 0.
    stops: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, frame: stops.append(number))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info" if args.verbose else "warning",
        timeout_graceful_shutdown=int(limits.wait + limits.timeout) + 5,
    )
    if stops:
        print("m2io: stopped; the requests that were running have been answered", file=sys.stderr)
    return 0


def _loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.1, ::1, localhost)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        return all(ipaddress.ip_address(address).is_loopback for address in addresses)
    except (OSError, ValueError):
        return False
