"""Ingest benchmark: Editron's downloader against curl on the same loopback server, in one run.

Prints one JSON document. Targets (issue: Foundation, point 13):
  throughput >= 0.8x curl, peak RSS <= 200 MB, checksum overhead <= 10 % wall time,
  resume after a kill re-fetches at most one chunk. Also reports, for information, the
  checksum overhead when the server is paced like a network link (--link-mb-per-s).

    .venv/bin/python benchmarks/ingest.py            # 2 GiB file (the issue's size)
    .venv/bin/python benchmarks/ingest.py --size-mb 256   # a quick look
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "ingest"

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
os.environ["EDITRON_ALLOW_PRIVATE_URLS"] = "1"
from editron.config import Settings
from editron.ingest.download import download_to
url, dest, checksum, chunk = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
settings = Settings(download_chunk_bytes=chunk, max_batch_bytes=1 << 40)
started = time.perf_counter()
staged = download_to(url, dest, settings=settings, checksum=checksum)
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": staged.size_bytes,
                  "sha256": staged.checksum_sha256,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    block = random.Random(7).randbytes(8 << 20)  # seeded: the same payload on every machine
    with path.open("wb") as handle:
        left = size
        while left > 0:
            n = min(left, len(block))
            handle.write(block[:n])
            # Vary each block a little so nothing downstream can dedupe or compress it.
            block = block[1:] + block[:1]
            left -= n


def file_sha256(path: Path) -> str:
    """The payload's SHA-256, computed once and kept beside it, to check Editron's result."""
    cached = path.with_name(path.name + ".sha256")
    if cached.exists() and cached.stat().st_mtime >= path.stat().st_mtime:
        return cached.read_text().strip()
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            hasher.update(block)
    cached.write_text(hasher.hexdigest())
    return hasher.hexdigest()


def run_child(url: str, dest: Path, *, checksum: bool, chunk: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", CHILD, url, str(dest), "1" if checksum else "0",
                           str(chunk)], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def timed_curl(url: str, dest: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-s", "-f", "-o", str(dest), url], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--chunk-kb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (best kept)")
    parser.add_argument("--link-mb-per-s", type=float, default=250.0,
                        help="also time both modes with the server paced to this rate, as "
                             "over a real network link (0: skip)")
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    chunk = args.chunk_kb * 1024
    if shutil.which("curl") is None:
        sys.exit("curl is needed for the comparison; run `make setup`")
    source = WORK / "www" / f"payload-{args.size_mb}mb.bin"
    make_file(source, size)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = WORK / "server.log"
    log.unlink(missing_ok=True)
    server = subprocess.Popen([sys.executable, str(HERE / "range_server.py"), str(source.parent),
                               str(log)], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{server_port(server)}/{source.name}"
        report = measure(url, out, size=size, chunk=chunk, repeat=args.repeat, log=log,
                         expected_sha256=file_sha256(source))
        if args.link_mb_per_s:
            report["paced_link"] = measure_paced(url, out, chunk=chunk, size=size,
                                                 rate=args.link_mb_per_s)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(report, indent=2))


def server_port(server: subprocess.Popen[str], timeout: float = 60.0) -> int:
    """The port the range server printed once it was listening (its readiness signal)."""
    assert server.stdout is not None
    ready, _, _ = select.select([server.stdout], [], [], timeout)
    line = server.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        sys.exit(f"the range server did not report its port within {timeout:.0f} s "
                 f"(exit code {server.poll()})")
    return int(line)


def measure(url: str, out: Path, *, size: int, chunk: int, repeat: int, log: Path,
            expected_sha256: str) -> dict[str, object]:
    times: dict[str, list[float]] = {"curl": [], "sum": [], "raw": []}
    rss = 0.0
    digests: set[str] = set()
    order = ["curl", "sum", "raw"]
    for i in range(repeat):
        # Rotate who goes first each round, so page-cache and writeback left by the previous
        # contender do not always land on the same one.
        for who in order[i % 3:] + order[:i % 3]:
            target = out / f"{who}-{i}.bin"
            if who == "curl":
                times["curl"].append(timed_curl(url, target))
            else:
                result = run_child(url, target, checksum=who == "sum", chunk=chunk)
                times[who].append(result["seconds"])
                rss = max(rss, result["peak_rss_mb"])
                if who == "sum":
                    digests.add(str(result["sha256"]))
            if target.stat().st_size != size:
                raise SystemExit(f"{who} wrote {target.stat().st_size} bytes, not {size}")
            target.unlink()
    if digests != {expected_sha256}:
        raise SystemExit(f"checksum mismatch: got {digests}, file is {expected_sha256}")
    curl_times, with_sum, without_sum = times["curl"], times["sum"], times["raw"]
    resume = measure_resume(url, out, size=size, chunk=chunk, log=log)
    curl_s, ours_s, plain_s = min(curl_times), min(with_sum), min(without_sum)
    mb = size / (1024 * 1024)
    ratio = (mb / ours_s) / (mb / curl_s)
    overhead = ours_s / plain_s - 1
    return {
        "benchmark": "ingest-download",
        # Other work on the machine skews a CPU-bound loopback transfer; say how busy it was.
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "sha256_verified": True,
        "size_mb": round(mb),
        "chunk_kb": chunk // 1024,
        "curl": {"seconds": round(curl_s, 2), "mb_per_s": round(mb / curl_s, 1)},
        "editron_checksum": {"seconds": round(ours_s, 2), "mb_per_s": round(mb / ours_s, 1)},
        "editron_no_checksum": {"seconds": round(plain_s, 2), "mb_per_s": round(mb / plain_s, 1)},
        "throughput_vs_curl": round(ratio, 3),
        "checksum_overhead": round(overhead, 3),
        "peak_rss_mb": round(rss, 1),
        "resume": resume,
        "targets": {
            "throughput_vs_curl>=0.8": ratio >= 0.8,
            "peak_rss_mb<=200": rss <= 200,
            "checksum_overhead<=0.10": overhead <= 0.10,
            "resume_refetch<=one_chunk": resume["refetched_bytes"] <= chunk,
        },
    }


def measure_paced(url: str, out: Path, *, chunk: int, size: int, rate: float
                  ) -> dict[str, float]:
    """Checksum overhead when the bytes arrive at a network link's pace instead of as fast as
    loopback can copy them: then the hash runs in the time spent waiting for the socket.
    Informative only; the target above is judged on the loopback figures."""
    paced = f"{url}?rate={rate:g}"
    with_sum = run_child(paced, out / "paced-sum.bin", checksum=True, chunk=chunk)
    (out / "paced-sum.bin").unlink()
    without = run_child(paced, out / "paced-raw.bin", checksum=False, chunk=chunk)
    (out / "paced-raw.bin").unlink()
    expected = size / (rate * 1024 * 1024)
    return {
        "link_mb_per_s": rate,
        "ideal_seconds": round(expected, 2),
        "editron_checksum_seconds": round(with_sum["seconds"], 2),
        "editron_no_checksum_seconds": round(without["seconds"], 2),
        "checksum_overhead": round(with_sum["seconds"] / without["seconds"] - 1, 3),
    }


def measure_resume(url: str, out: Path, *, size: int, chunk: int, log: Path
                   ) -> dict[str, int | float]:
    dest = out / "resume.bin"
    part = out / "resume.bin.part"
    log.write_text("")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, url, str(dest), "1", str(chunk)],
                            stdout=subprocess.DEVNULL)
    while proc.poll() is None:
        if part.exists() and part.stat().st_size >= size // 2:
            proc.kill()
            break
        time.sleep(0.005)
    proc.wait()
    have = part.stat().st_size
    result = run_child(url, dest, checksum=True, chunk=chunk)
    requests = [json.loads(line) for line in log.read_text().splitlines()]
    resumed_at = requests[-1]["start"]
    ok = dest.stat().st_size == size
    dest.unlink()
    return {
        "killed_at_bytes": have,
        "resumed_from_byte": resumed_at,
        "refetched_bytes": max(0, have - resumed_at),
        "resume_seconds": round(result["seconds"], 2),
        "complete": int(ok),
    }


if __name__ == "__main__":
    main()
