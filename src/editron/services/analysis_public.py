"""The stored analysis as every front end sees it (``AnalysisPublic``), and reading it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models import MediaBatchAnalysis
from editron.db.runtime import db, ready
from editron.domain.analysis import moment_id
from editron.services.schemas import documented
from editron.story.multicam import merge_moments

__all__ = ["AnalysisPublic", "get_analysis", "latest_analysis", "sync_rows"]

_FILE_ID = "f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b"
_ANALYSIS = {
    "analysis_id": "3c4d5e6f-7081-4923-a4b5-c6d7e8f90a1b",
    "batch_id": "7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10", "status": "complete",
    "passes_completed": 2,
    "summary": "3 of 3 file(s) analysed in 2 pass(es); 41 shots; 812 words transcribed; "
               "4 crowd reactions; 2 sponsor/keyword mentions; 6 hero moments.",
    "shots": [{"file_id": _FILE_ID, "start": 0.0, "end": 6.44, "start_frame": 0,
               "end_frame": 161, "transition": "cut"}],
    "transcript": [{"file_id": _FILE_ID, "start": 12.1, "end": 15.6,
                    "text": "Welcome to Aurora Summit.", "language": "en",
                    "words": [{"word": "Welcome", "start": 12.1, "end": 12.5,
                               "probability": 0.97}]}],
    "energy_curve": [{"file_id": _FILE_ID, "t": 0.0, "energy": 0.42, "loudness_db": -21.7}],
    "crowd_peaks": [{"file_id": _FILE_ID, "t": 84.2, "start": 83.1, "duration": 3.4,
                     "strength_db": 11.8}],
    "hero_moments": [{"moment_id": "hm-3fa2c1d0", "file_id": _FILE_ID, "start": 82.5,
                      "end": 88.0, "confidence": 0.91, "score": 0.87,
                      "reasons": ["crowd burst", "applause"], "tags": ["crowd"],
                      "thumbnail": "/srv/editron/media/batches/7d2c1e9a/analysis/hm-3fa2c1d0.jpg"}],
    "sponsor_moments": [{"file_id": _FILE_ID, "start": 40.2, "end": 41.0,
                         "name": "Northwind Energy", "source": "transcript",
                         "matched_text": "Northwind Energy", "confidence": 0.94}],
    "deliverable_targets": [{"deliverable": "recap", "duration": 59.0, "min_duration": 59.0,
                             "max_duration": 59.0, "variants": 1,
                             "shape": "chronological story with an energy arc"}],
    "file_reports": [{"file_id": _FILE_ID, "filename": "keynote.mp4", "status": "analyzed",
                      "messages": [], "language": {"code": "en", "probability": 0.98,
                                                   "source": "detected"}}],
    "sync": [{"file_id": _FILE_ID, "event_offset": 0.0, "confidence": 1.0, "drift_ppm": 0.0,
              "group": 0, "method": "audio",
              "reason": "its sound matches the main camera's", "detail": ""}],
    "event_moments": [{"kind": "crowd", "event_start": 82.5, "event_end": 88.0,
                       "angles": [{"file_id": _FILE_ID, "start": 82.5, "end": 88.0,
                                   "quality": 0.8, "reason": "sharpest"}],
                       "best": _FILE_ID, "reason": "2 cameras caught it"}],
    "artifacts_path": "batches/7d2c1e9a/analysis/3c4d5e6f",
}


class AnalysisPublic(BaseModel):
    """The ``editron analyze --json`` document (DESIGN.md CLI contract)."""

    model_config = documented(_ANALYSIS)

    analysis_id: str
    batch_id: str
    status: str
    passes_completed: int
    summary: str | None
    shots: list[dict[str, Any]]
    transcript: list[dict[str, Any]]
    energy_curve: list[dict[str, Any]]
    crowd_peaks: list[dict[str, Any]]
    hero_moments: list[dict[str, Any]]
    sponsor_moments: list[dict[str, Any]]
    deliverable_targets: list[dict[str, Any]]
    # One per file: {file_id, filename, status, messages, language: {code, probability,
    # source: detected | asked | model} or None when no speech was transcribed}.
    file_reports: list[dict[str, Any]]
    # Where each file sits on the event clock: {file_id, event_offset (None: unsynced),
    # confidence, drift_ppm, group, method, reason, detail}; empty before schema 2.
    sync: list[dict[str, Any]] = []
    # What several synced cameras caught at once, merged: {kind, event_start, event_end,
    # angles: [{file_id, start, end, quality, reason}], best, reason}, strongest first.
    event_moments: list[dict[str, Any]] = []
    artifacts_path: str | None

    @classmethod
    def of(cls, row: MediaBatchAnalysis) -> AnalysisPublic:
        return cls(analysis_id=row.id, batch_id=row.batch_id, status=row.status,
                   passes_completed=row.passes_completed, summary=row.summary,
                   shots=row.shots, transcript=row.transcript, energy_curve=row.energy_curve,
                   crowd_peaks=row.crowd_peaks,
                   hero_moments=[{"moment_id": moment_id(m["file_id"], m["start"], m["end"]),
                                  **m} for m in row.hero_moments],
                   sponsor_moments=row.sponsor_moments,
                   deliverable_targets=row.deliverable_targets, file_reports=row.file_reports,
                   sync=sync_rows(row.sync), event_moments=_event_moments(row),
                   artifacts_path=row.artifacts_path)


def _event_moments(row: MediaBatchAnalysis) -> list[dict[str, Any]]:
    if not row.sync or row.status != "complete":
        return []
    merged = merge_moments(repos.analyses.load_document(row))
    return [m.to_dict() for m in merged if len(m.angles) > 1][:100]


_SYNC_KEYS = ("file_id", "event_offset", "confidence", "drift_ppm", "group", "method",
              "reason", "detail")


def sync_rows(stored: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The public ``sync`` list of a stored sync document (pairs left out)."""
    if not stored:
        return []
    return [{k: f.get(k) for k in _SYNC_KEYS} for f in stored.get("files", [])]


def latest_analysis(batch_id: str, *, settings: Settings | None = None
                    ) -> AnalysisPublic | None:
    settings = ready(settings)
    with db(settings) as session:
        repos.batches.get_batch(session, batch_id)
        row = repos.analyses.latest_analysis(session, batch_id)
        return AnalysisPublic.of(row) if row is not None else None


def get_analysis(analysis_id: str, *, settings: Settings | None = None) -> AnalysisPublic:
    settings = ready(settings)
    with db(settings) as session:
        return AnalysisPublic.of(repos.analyses.get_analysis(session, analysis_id))


