"""API load: 200 concurrent SSE clients plus 50 reads a second against uvicorn on loopback.

A separate process appends events to the log at a steady rate (as a worker would) while the
clients follow ``/api/events``; at the end every client must have received every event, and
no request may have failed. Prints JSON with read latency percentiles.

    .venv/bin/python benchmarks/api.py --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WRITER = r"""
import sys, time
from editron.config import Settings
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
count, rate = int(sys.argv[1]), float(sys.argv[2])
s = ready(Settings())
start = time.monotonic()
for i in range(count):
    with db(s) as session:
        append_event(session, entity_type="render_job", entity_id="load", event_type="job.progress",
                     payload={"i": i})
    time.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def sse_client(base: str, headers: dict[str, str], after: int, expected: int,
                     received: list[int], errors: list[str], stop: asyncio.Event,
                     connected: asyncio.Queue[None]) -> None:
    try:
        async with httpx.AsyncClient(timeout=None) as client, client.stream(
                "GET", f"{base}/api/events", params={"job_id": "load", "after": after},
                headers=headers) as response:
            connected.put_nowait(None)  # the stream is open: this client is ready
            if response.status_code != 200:
                errors.append(f"sse status {response.status_code}")
                return
            seen = 0
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    seen += 1
                    if seen >= expected:
                        break
                if stop.is_set():
                    break
            received.append(seen)
    except Exception as exc:  # counted as a failure below
        errors.append(f"sse {type(exc).__name__}: {exc}")


async def reader(base: str, headers: dict[str, str], seconds: float, rate: float,
                 latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        start = time.monotonic()
        n = 0
        pending: set[asyncio.Task[None]] = set()

        async def one() -> None:
            began = time.perf_counter()
            try:
                response = await client.get(f"{base}/api/batches", headers=headers)
                if response.status_code != 200:
                    errors.append(f"read status {response.status_code}")
                latencies.append(time.perf_counter() - began)
            except Exception as exc:
                errors.append(f"read {type(exc).__name__}")

        while time.monotonic() - start < seconds:
            task = asyncio.create_task(one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        await asyncio.gather(*pending)


async def run(base: str, headers: dict[str, str], *, clients: int, seconds: float,
              read_rate: float, events: int, event_rate: float, env: dict[str, str]
              ) -> dict[str, object]:
    received: list[int] = []
    errors: list[str] = []
    latencies: list[float] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient() as probe:
        after = 0
        response = await probe.get(f"{base}/api/events", params={"follow": "false"},
                                   headers=headers)
        for line in response.text.splitlines():
            if line.startswith("id:"):
                after = int(line[3:].strip())
    connected: asyncio.Queue[None] = asyncio.Queue()
    streams = [asyncio.create_task(sse_client(base, headers, after, events, received, errors,
                                              stop, connected)) for _ in range(clients)]
    ready = 0
    try:  # every client connected before the first event, not a fixed wait
        async with asyncio.timeout(60):
            while ready < clients:
                await connected.get()
                ready += 1
    except TimeoutError:
        errors.append(f"only {ready} of {clients} SSE clients connected within 60 s")
    writer = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, str(events),
                                                  str(event_rate), env=env)
    await reader(base, headers, seconds, read_rate, latencies, errors)
    await writer.wait()
    try:
        await asyncio.wait_for(asyncio.gather(*streams), timeout=30)
    except TimeoutError:
        stop.set()
        errors.append("some SSE clients did not get every event within 30 s")
    latencies.sort()

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) \
            if latencies else 0.0

    lost = sum(events - r for r in received) + events * (clients - len(received))
    return {"benchmark": "api", "sse_clients": clients, "seconds": seconds,
            "events_written": events, "events_lost": lost, "reads": len(latencies),
            "read_latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
                                "max": pct(1.0)},
            "errors": len(errors), "error_samples": errors[:5],
            "targets": {"no_errors": not errors, "no_lost_events": lost == 0}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--reads-per-second", type=float, default=50.0)
    parser.add_argument("--events-per-second", type=float, default=10.0)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="editron-api-bench-"))
    env = {**os.environ, "EDITRON_HOME": str(home), "EDITRON_LOG_LEVEL": "WARNING"}
    made = subprocess.run([sys.executable, "-m", "editron", "tokens", "create", "--name",
                           "bench", "--json"], env=env, capture_output=True, text=True,
                          check=True)
    token = json.loads(made.stdout)["token"]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "editron", "serve", "--port", str(port),
                               "--workers", "0"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        events = int(args.seconds * args.events_per_second)
        report = asyncio.run(run(base, {"Authorization": f"Bearer {token}"},
                                 clients=args.clients, seconds=args.seconds,
                                 read_rate=args.reads_per_second, events=events,
                                 event_rate=args.events_per_second, env=env))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
