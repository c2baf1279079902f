"""``/metrics`` in the Prometheus text format: batches, queue jobs, files, analyses and render
jobs by state, stage durations, QC failures and seconds of video rendered. Read from the
database, so the work of every worker process is counted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus
from editron.services.memory import ProjectMetrics, project_metrics

__all__ = ["render_metrics", "stage_durations"]

STAGE_EVENTS_SCANNED = 20_000  # the newest stage changes; older ones age out of the summary


def _family(name: str, kind: str, text: str, samples: list[tuple[dict[str, str], float]]
            ) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        label = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{label}}} {value:g}" if label else f"{name} {value:g}")
    return lines


def render_metrics(*, settings: Settings | None = None) -> str:
    """The Prometheus text exposition of the whole pipeline's state."""
    settings = ready(settings)
    with db(settings) as session:
        counts = repos.stats.pipeline_counts(session, stage_events=STAGE_EVENTS_SCANNED)
        projects = project_metrics(session)
    batches, jobs, files = counts.batches, counts.jobs, counts.files
    analyses, renders, reports = counts.analyses, counts.renders, counts.finished_renders
    stages = stage_durations(counts.stage_changes)
    qc_failures = sum(1 for _, qc in reports if qc.get("passed") is False)
    rendered = sum(float(qc.get("duration_seconds") or 0.0) for status, qc in reports
                   if status == JobStatus.COMPLETE.value)
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
    lines += _family("editron_render_jobs", "gauge", "Render jobs by status.",
                     [({"status": s}, n) for s, n in renders])
    lines += ["# HELP editron_stage_duration_seconds Wall time of finished pipeline stages "
              "(board card in progress to done).",
              "# TYPE editron_stage_duration_seconds summary"]
    for stage, (total, count) in sorted(stages.items()):
        lines += [f'editron_stage_duration_seconds_sum{{stage="{stage}"}} {total:g}',
                  f'editron_stage_duration_seconds_count{{stage="{stage}"}} {count:g}']
    lines += _family("editron_render_qc_failures_total", "counter",
                     "Render jobs whose output failed QC.", [({}, qc_failures)])
    lines += _family("editron_render_output_seconds_total", "counter",
                     "Seconds of video rendered by completed render jobs (QC-measured).",
                     [({}, rendered)])
    lines += _project_families(projects)
    return "\n".join(lines) + "\n"


def _project_families(projects: dict[str, tuple[str, ProjectMetrics]]) -> list[str]:
    """Review metrics per project (pure)."""
    def label(pid: str, name: str) -> dict[str, str]:
        return {"project": pid, "name": _escape(name)}

    lines = _family("editron_project_decisions", "gauge", "Review decisions per project.",
                    [(label(p, n), m.decisions) for p, (n, m) in projects.items()])
    lines += _family("editron_project_acceptance_ratio", "gauge",
                     "Approvals of all review decisions, per project.",
                     [(label(p, n), m.acceptance_rate) for p, (n, m) in projects.items()
                      if m.acceptance_rate is not None])
    lines += _family("editron_project_revisions_per_deliverable", "gauge",
                     "Revisions made per cut line (mean), per project and deliverable.",
                     [(label(p, n) | {"deliverable": d}, v)
                      for p, (n, m) in projects.items()
                      for d, v in m.revisions_per_deliverable.items()])
    lines += _family("editron_project_seconds_to_approval", "gauge",
                     "Mean seconds from a cut line's first cut to its approval, per project.",
                     [(label(p, n), m.seconds_to_approval) for p, (n, m) in projects.items()
                      if m.seconds_to_approval is not None])
    return lines


def _escape(text: str) -> str:
    """A Prometheus label value: backslash, quote and newline escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def stage_durations(changes: Iterable[tuple[str, str, dict[str, object]]]
                    ) -> dict[str, tuple[float, int]]:
    """(sum of seconds, count) per stage from task status changes in time order (pure): a
    card's time runs from its latest ``in_progress`` to the ``done`` that follows."""
    started: dict[str, datetime] = {}
    out: dict[str, tuple[float, int]] = {}
    for task_id, created_at, payload in changes:
        when = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        status, stage = payload.get("status"), str(payload.get("stage", ""))
        if status == "in_progress":
            started[task_id] = when
        elif status == "done" and task_id in started:
            total, count = out.get(stage, (0.0, 0))
            out[stage] = (total + (when - started.pop(task_id)).total_seconds(), count + 1)
    return out
