"""/metrics in the Prometheus text format: batches, queue jobs, files and analyses by state.
Read from the database, so the work of every worker process is counted."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select

from editron.api.deps import Authorized, SettingsDep
from editron.db.models import JobRun, MediaBatch, MediaBatchAnalysis, MediaFile
from editron.services.runtime import db

__all__ = ["render_metrics", "router"]

router = APIRouter(tags=["system"])


def _family(name: str, kind: str, text: str, samples: list[tuple[dict[str, str], float]]
            ) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        label = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{label}}} {value:g}" if label else f"{name} {value:g}")
    return lines


def render_metrics(settings: SettingsDep) -> str:
    with db(settings) as session:
        batches = session.execute(select(MediaBatch.status, func.count()).group_by(
            MediaBatch.status)).all()
        jobs = session.execute(select(JobRun.operation, JobRun.status, func.count()).group_by(
            JobRun.operation, JobRun.status)).all()
        files = session.execute(select(MediaFile.status, func.count(),
                                       func.coalesce(func.sum(MediaFile.size_bytes), 0))
                                .group_by(MediaFile.status)).all()
        analyses = session.execute(select(MediaBatchAnalysis.status, func.count()).group_by(
            MediaBatchAnalysis.status)).all()
    lines: list[str] = []
    lines += _family("editron_batches", "gauge", "Media batches by status.",
                     [({"status": s}, n) for s, n in batches])
    lines += _family("editron_jobs", "gauge", "Queue jobs by operation and state.",
                     [({"operation": o, "state": s}, n) for o, s, n in jobs])
    lines += _family("editron_files", "gauge", "Media files by status.",
                     [({"status": s}, n) for s, n, _ in files])
    lines += _family("editron_file_bytes", "gauge", "Bytes of media files by status.",
                     [({"status": s}, float(b)) for s, _, b in files])
    lines += _family("editron_analyses", "gauge", "Analyses by status.",
                     [({"status": s}, n) for s, n in analyses])
    return "\n".join(lines) + "\n"


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(settings: SettingsDep, _: Authorized) -> str:
    return render_metrics(settings)
