"""Review turnaround: from a client's "changes" decision to the new revision's review previews.

    .venv/bin/python benchmarks/revisions.py              # 720p30 sample event, 3 reviews
    .venv/bin/python benchmarks/revisions.py --repeat 1   # quick look

The sample event (``editron.demo``, three clips, 68 s, speech and crowd bursts) is made once in
benchmarks/.work/revisions, ingested and analysed in a fresh Editron home, and a 59 s recap is
assembled with its previews in 16:9, 9:16 and 1:1. Then, timed, each run records a review
(``--adjust pace=faster`` and the note "no music") on the newest revision, which assembles
the next revision and renders its three previews before the call returns.

Peers, in the same run: (a) the same revision made by a fresh ``editron edit`` process (the
memory of the reviews applies, so the cut is the same), and (b) what it costs without the
stored analysis: the batch analysed again, then the edit. Target (issue 19, point 8): under
30 s from the decision to the last preview on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

from editron.config import Settings  # noqa: E402
from editron.demo import make_sample_event  # noqa: E402
from editron.services.analyze import analyze_media_batch  # noqa: E402
from editron.services.edit import generate_video_edits, get_edit_session  # noqa: E402
from editron.services.feedback import record_editron_feedback  # noqa: E402
from editron.services.ingest import ingest_media_batch  # noqa: E402

TARGET_SECONDS = 30.0
BRIEF = "Sponsors: Northwind Energy"


def _previews_ok(settings: Settings, session_id: str) -> int:
    doc = get_edit_session(session_id, settings=settings)
    paths = [Path(p) for p in doc.preview_paths.values()]
    assert len(paths) == 3 and all(p.is_file() and p.stat().st_size > 0 for p in paths), \
        f"session {session_id} lacks its three previews: {doc.preview_paths}"
    return len(paths)


def _fresh_cli(settings: Settings, batch_id: str) -> tuple[float, str]:
    env = {**os.environ, "EDITRON_HOME": str(settings.home_dir)}
    started = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "editron"), "-q", "edit", batch_id,
                           "--deliverable", "recap", "--json"], env=env, check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    return wall, str(json.loads(done.stdout)["session_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="reviews timed, one after another")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--work", type=Path, default=HERE / ".work" / "revisions")
    args = parser.parse_args()

    footage = args.work / f"footage-{args.size}-{args.fps}"
    make_sample_event(footage, size=args.size, fps=args.fps)
    home = args.work / f"home-{int(time.time())}"
    settings = Settings(home=home)
    started = time.perf_counter()
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    ingest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    analyze_media_batch(batch_id=batch.batch_id, brief=BRIEF, settings=settings)
    analyse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    first = generate_video_edits(batch_id=batch.batch_id, deliverable_type="recap",
                                 previews=True, settings=settings)
    first_edit_seconds = time.perf_counter() - started
    _previews_ok(settings, first.session_id)

    reviews: list[float] = []
    latest = first.session_id
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = record_editron_feedback(edit_session_id=latest, decision="changes",
                                         adjust=["pace=faster"], notes="no music",
                                         settings=settings)
        reviews.append(time.perf_counter() - started)
        assert result.revision is not None and result.revision.status == "needsreview"
        latest = result.revision.session_id
        _previews_ok(settings, latest)
    revision = get_edit_session(latest, settings=settings)
    duration = next(t["duration"] for t in revision.timelines if t["aspect_ratio"] == "16:9")

    fresh_seconds, fresh_id = _fresh_cli(settings, batch.batch_id)
    _previews_ok(settings, fresh_id)
    fresh = get_edit_session(fresh_id, settings=settings)
    same_cut = [t["clips"] for t in fresh.timelines] == [t["clips"] for t in revision.timelines]

    started = time.perf_counter()
    analyze_media_batch(batch_id=batch.batch_id, brief=BRIEF, settings=settings)
    again = generate_video_edits(batch_id=batch.batch_id, deliverable_type="recap",
                                 previews=True, settings=settings)
    scratch_seconds = time.perf_counter() - started
    _previews_ok(settings, again.session_id)

    best, median = min(reviews), statistics.median(reviews)
    report: dict[str, Any] = {
        "benchmark": "revisions",
        "footage": {"size": args.size, "fps": args.fps, "seconds": 68.0, "files": 3},
        "recap_seconds": duration,
        "setup_seconds": {"ingest": round(ingest_seconds, 2), "analyse": round(analyse_seconds, 2),
                          "first_edit_with_previews": round(first_edit_seconds, 2)},
        "feedback_to_previews_seconds": [round(r, 2) for r in reviews],
        "feedback_to_previews_best": round(best, 2),
        "feedback_to_previews_median": round(median, 2),
        "peer_fresh_editron_edit_seconds": round(fresh_seconds, 2),
        "peer_fresh_edit_is_the_same_cut": same_cut,
        "peer_reanalyse_and_edit_seconds": round(scratch_seconds, 2),
        "saving_vs_reanalysis": round(scratch_seconds / median, 2),
        "revision_applied_preferences": revision.applied_preferences,
        "target_seconds": TARGET_SECONDS,
        "met": median < TARGET_SECONDS,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "home": str(home),
    }
    print(json.dumps(report, indent=2))
    sys.exit(0 if report["met"] else 1)


if __name__ == "__main__":
    main()
