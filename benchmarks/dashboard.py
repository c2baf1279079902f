"""Dashboard pages with real amounts of data: server time per page and the batches page's size.

Fills a fresh Editron home (SQLite) with 500 batches, 5,000 files and 2,000 render jobs (500
edit sessions, four jobs each, in every state). The first ``ANALYSED`` batches carry an
analysis at the analyser's own resolution (energy every 100 ms over ten 30-minute files, a
transcript with word timings, crowd peaks, hero and sponsor moments), the first ``CUT``
sessions three timelines each (16:9, 9:16, 1:1 with clips and captions), and ``SOURCES``
Dropbox sources are watched, so the batch, review and sources pages carry what a real home
shows. Signs in through the login form, then asks
for every page ``--rounds`` times in-process (no network between, so the time is the
server's) and prints one JSON document. Targets: p95 under 200 ms for every page, the batches
page under 1 MB.

    .venv/bin/python benchmarks/dashboard.py --rounds 30
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from editron.api.app import create_app, settle_heap
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.analysis import (
    AnalysisResult,
    CrowdPeak,
    EnergyPoint,
    HeroMoment,
    SponsorMoment,
    TranscriptSegment,
    Word,
)
from editron.domain.status import JobStatus, SessionStatus
from editron.domain.timeline import Caption, Clip, FrameRate, MediaInfo, Timeline
from editron.services.tokens import create_token

BATCHES, FILES_PER_BATCH, SESSIONS, JOBS_PER_SESSION = 500, 10, 500, 4
ANALYSED, CUT, SOURCES, FILE_SECONDS = 3, 100, 20, 1800.0
RATIOS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
TARGET_MS, TARGET_BYTES = 200.0, 1_000_000
STATES = (JobStatus.QUEUED, JobStatus.RENDERING, JobStatus.COMPLETE, JobStatus.FAILED)


def analysis_of(file_ids: list[str]) -> AnalysisResult:
    """What the analyser stores for ten 30-minute files: energy per 100 ms hop, a sentence
    every 6 s with its words, a crowd peak a minute, two hero moments and a sponsor per file."""
    energy, transcript, peaks, heroes, sponsors = [], [], [], [], []
    for k, fid in enumerate(file_ids):
        energy += [EnergyPoint(fid, i / 10, round(0.3 + 0.6 * ((i * 13 + k) % 97) / 96, 4),
                               -24.0) for i in range(int(FILE_SECONDS * 10))]
        for s in range(int(FILE_SECONDS / 6)):
            words = tuple(Word(f"word{w}", s * 6 + w * 0.4, s * 6 + w * 0.4 + 0.3)
                          for w in range(12))
            transcript.append(TranscriptSegment(fid, words[0].start, words[-1].end,
                                                " ".join(w.word for w in words), words))
        peaks += [CrowdPeak(fid, m * 60 + 30, m * 60 + 28, 4.0, 9.5)
                  for m in range(int(FILE_SECONDS / 60))]
        heroes += [HeroMoment(fid, h * 600 + 30, h * 600 + 36, 0.9 - 0.1 * h,
                              ("crowd peak 9.5 dB", "speech: applause line"), ("crowd",),
                              score=0.9 - 0.1 * h) for h in range(2)]
        sponsors.append(SponsorMoment(fid, 120.0, 124.0, "Northwind Energy", "transcript",
                                      "thanks to Northwind Energy", 0.8))
    return AnalysisResult(passes_completed=2, transcript=transcript, energy_curve=energy,
                          crowd_peaks=peaks, hero_moments=heroes, sponsor_moments=sponsors,
                          summary="Keynote, awards and the closing party.")


def timelines_of(file_ids: list[str]) -> list[dict[str, Any]]:
    """A 90-second recap in three ratios: 30 clips of 3 s, a caption every clip."""
    rate = FrameRate(30000, 1001)
    media = {fid: MediaInfo(fid, f"/media/{fid}.mp4", FILE_SECONDS, 29.97, 3840, 2160)
             for fid in file_ids}
    clips = tuple(Clip(file_ids[c % len(file_ids)], c * 900, c * 900 + 90, c * 90,
                       name=f"moment {c}") for c in range(30))
    captions = tuple(Caption(c * 90, c * 90 + 80, (f"caption line {c}",)) for c in range(30))
    return [Timeline(name=f"recap {ratio}", deliverable="recap", variant=1,
                     aspect_ratio=ratio, width=w, height=h, rate=rate, clips=clips,
                     media=media, captions=captions).to_dict()
            for ratio, (w, h) in RATIOS.items()]


def seed_batches(settings: Settings) -> list[tuple[str, list[str]]]:
    """Batches with their files and board cards; the first ``ANALYSED`` analysed."""
    batches: list[tuple[str, list[str]]] = []
    with db(settings) as session:
        for b in range(BATCHES):
            batch = repos.batches.create_batch(
                session, reference_name=f"Event {b:03d} day {b % 3 + 1}",
                source_url=f"https://www.dropbox.com/scl/fo/{b:06x}/event-{b}?rlkey=k&dl=0",
                source_type="dropbox", storage_tier="hot")
            repos.tasks.ensure_tasks(session, batch)
            files = [repos.files.add_file(session, batch, filename=f"cam{f}.mp4",
                                          relative_path=f"day1/cam{f}.mp4",
                                          size_bytes=2_000_000_000,
                                          duration_seconds=FILE_SECONDS,
                                          resolution="3840x2160", codec="h264", fps=29.97).id
                     for f in range(FILES_PER_BATCH)]
            batches.append((batch.id, files))
    for batch_id, files in batches[:ANALYSED]:
        with db(settings) as session:
            row = repos.analyses.create_analysis(session, batch_id=batch_id,
                                                 brief={"sponsors": ["Northwind Energy"]})
            repos.analyses.store_document(session, row, analysis_of(files),
                                          deliverable_targets=[], artifacts_path="")
    with db(settings) as session:
        for n in range(SOURCES):
            repos.dropbox_sources.create_dropbox_source(
                session, folder_path=f"/Events/2026/venue-{n:02d}",
                shared_link=f"https://www.dropbox.com/scl/fo/src{n:04x}/venue?rlkey=k&dl=0")
    return batches


def seed(settings: Settings) -> tuple[str, str]:
    """The data set; returns one (analysed) batch id and one (cut) session id to open."""
    batches = seed_batches(settings)
    session_ids: list[str] = []
    with db(settings) as session:
        for s in range(SESSIONS):
            batch_id, files = batches[s]
            edit = repos.edit_sessions.create_edit_session(
                session, batch_id=batch_id, deliverable_type="recap",
                aspect_ratios=list(RATIOS))
            if s < CUT:
                repos.edit_sessions.update_edit_session(session, edit,
                                                        timelines=timelines_of(files))
                repos.edit_sessions.set_session_status(session, edit,
                                                       SessionStatus.NEEDSREVIEW)
            session_ids.append(edit.id)
            seed_jobs(session, edit.id, s)
    return batches[0][0], session_ids[0]


def seed_jobs(session: Session, edit_session_id: str, s: int) -> None:
    for j in range(JOBS_PER_SESSION):
        job = repos.render_jobs.create_render_job(
            session, edit_session_id=edit_session_id, aspect_ratio="16:9" if j % 2 else "9:16",
            format="mp4", profile="standard", variant=j // 2 + 1)
        state = STATES[(s + j) % len(STATES)]
        if state is not JobStatus.QUEUED:
            repos.render_jobs.set_job_status(session, job, JobStatus.RENDERING)
            repos.render_jobs.set_job_progress(session, job, 40.0 + j, eta_seconds=95.0,
                                               fps=48.0, speed=1.6)
        if state in (JobStatus.COMPLETE, JobStatus.FAILED):
            repos.render_jobs.set_job_status(session, job, state,
                                             last_error="QC: black frames"
                                             if state is JobStatus.FAILED else None)


def sign_in(http: TestClient, token: str) -> None:
    form = http.get("/login").text
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert nonce, "no csrf_token on /login"
    done = http.post("/login", data={"token": token, "csrf_token": nonce.group(1)},
                     follow_redirects=False)
    assert done.status_code == 303, done.text


def measure(http: TestClient, path: str, rounds: int) -> dict[str, Any]:
    times, size = [], 0
    start = time.perf_counter()
    http.get(path)  # warm caches (templates, first queries, a batch page's parsed analysis)
    first = (time.perf_counter() - start) * 1000
    for _ in range(rounds):
        start = time.perf_counter()
        answer = http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        size = len(answer.content)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"first_ms": round(first, 1), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(times[-1], 1), "bytes": size, "met": p95 < TARGET_MS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="editron-dashboard-bench-") as home:
        os.environ["EDITRON_HOME"] = home
        settings = ready(Settings(home=Path(home), queue_url="immediate://"))
        started = time.perf_counter()
        batch_id, session_id = seed(settings)
        seeded = time.perf_counter() - started
        token = create_token(name="bench", settings=settings).token
        pages = {"batches": "/", "batches (failed)": "/?status=failed",
                 "batch": f"/batches/{batch_id}", "review": f"/sessions/{session_id}",
                 "renders": "/renders", "sources": "/sources", "board": "/board",
                 "login": "/login"}
        with TestClient(create_app(settings, with_mcp=False)) as http:
            sign_in(http, token)
            settle_heap()  # as `editron serve` does once its app is built
            results = {name: measure(http, path, args.rounds) for name, path in pages.items()}
    batches_bytes = results["batches"]["bytes"]
    report = {"data": {"batches": BATCHES, "files": BATCHES * FILES_PER_BATCH,
                       "render_jobs": SESSIONS * JOBS_PER_SESSION, "analysed_batches": ANALYSED,
                       "sessions_with_timelines": CUT, "dropbox_sources": SOURCES},
              "seed_seconds": round(seeded, 1), "rounds": args.rounds, "pages": results,
              "batches_page_bytes": batches_bytes,
              "targets": {"p95_ms": TARGET_MS, "batches_page_bytes": TARGET_BYTES},
              "met": all(r["met"] for r in results.values()) and batches_bytes < TARGET_BYTES}
    json.dump(report, sys.stdout, indent=2)
    print()
    sys.exit(0 if report["met"] else 1)


if __name__ == "__main__":
    main()
