"""What ``editron run --out`` leaves beside the videos: ``manifest.json`` (every delivered file
with its deliverable, variant, ratio, duration, size, QC verdict, caption status, session and
job ids) and ``index.html``, a contact sheet (poster, duration, QC and links per deliverable)
that opens offline: no script, no web font, no remote URL, every link relative.
"""

from __future__ import annotations

import html
import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from editron.media.children import die_with_parent
from editron.media.ffmpeg import ffmpeg_path

__all__ = ["MANIFEST_NAME", "SHEET_NAME", "write_contact_sheet"]

MANIFEST_NAME = "manifest.json"
SHEET_NAME = "index.html"
POSTER_WIDTH = 320
_TIMELINE_KINDS = {"otio": "OTIO", "fcpxml": "Final Cut", "xml": "Premiere/Resolve",
                   "edl": "EDL", "ass": "ASS"}


def _poster(video: Path, out: Path, seconds: float) -> str | None:
    """One frame a third of the way in (at most 2 s), as a small JPEG; ``None`` if ffmpeg
    cannot read the file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    at = max(0.0, min(2.0, seconds / 3))
    cmd = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{at:.3f}",
           "-i", str(video), "-frames:v", "1", "-vf", f"scale={POSTER_WIDTH}:-2", "-q:v", "4",
           str(out)]
    done = subprocess.run(cmd, capture_output=True, timeout=120, check=False,
                          preexec_fn=die_with_parent())
    return out.name if done.returncode == 0 and out.is_file() else None


def _caption_status(summary: Mapping[str, Any] | None, include: bool) -> str:
    if not include:
        return "off"
    count = len((summary or {}).get("captions", []))
    return f"burned in, {count} captions, srt and vtt sidecars" if count else \
        "none (no speech in the cut)"


def _rel(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _entry(path: Path, root: Path, kind: str, base: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "path": _rel(path, root), "size_bytes": path.stat().st_size, **base}


def _rows(root: Path, sessions: Sequence[Any], renders: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per delivered video with its sidecars and timelines beside it."""
    by_id = {s.session_id: s for s in sessions}
    rows = []
    for job in renders:
        session = by_id.get(job.edit_session_id)
        if session is None:
            continue
        summary = next((t for t in session.timelines if t["variant"] == job.variant
                        and t["aspect_ratio"] == job.aspect_ratio), None)
        qc = job.qc or {}
        verdict = "pass" if qc.get("passed") else (
            "fail: " + ", ".join(qc.get("flags", [])) if qc else job.status)
        video = Path(job.output_urls[0].removeprefix("file://")) if job.output_urls else None
        rows.append({
            "deliverable": session.deliverable_type, "variant": job.variant,
            "aspect_ratio": job.aspect_ratio, "format": job.format,
            "duration_seconds": qc.get("duration_seconds") or (summary or {}).get("duration"),
            "qc": verdict, "captions": _caption_status(summary, session.include_captions),
            "session_id": session.session_id, "job_id": job.id,
            "video": video if video is not None and video.is_file() else None,
            "stem": (video.stem if video is not None else
                     f"{session.deliverable_type}_{job.aspect_ratio.replace(':', 'x')}"),
        })
    return rows


def _manifest(root: Path, rows: Sequence[dict[str, Any]], batch_id: str) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    for row in rows:
        base = {k: row[k] for k in ("deliverable", "variant", "aspect_ratio",
                                    "duration_seconds", "qc", "captions", "session_id",
                                    "job_id")}
        if row["video"] is not None:
            files.append(_entry(row["video"], root, "video", {**base, "format": row["format"]}))
        for side in sorted(root.glob(f"{row['stem']}.*")):
            if side.suffix in (".srt", ".vtt"):
                files.append(_entry(side, root, "captions", {**base, "format": side.suffix[1:],
                                                             "job_id": None}))
        for tl in sorted((root / "timelines").glob(f"{row['stem']}.*")):
            files.append(_entry(tl, root, "timeline", {**base, "format": tl.suffix[1:],
                                                       "qc": None, "job_id": None}))
    unique = list({f["path"]: f for f in files}.values())
    media = [{"kind": "media", "path": _rel(p, root), "size_bytes": p.stat().st_size}
             for p in sorted((root / "media").glob("*")) if p.is_file()]
    return {"batch_id": batch_id, "files": unique + media}


def _card(row: Mapping[str, Any], root: Path) -> str:
    e = html.escape
    name = row["stem"]
    poster = row.get("poster")
    picture = (f'<img src="posters/{e(poster)}" alt="poster of {e(name)}">'
               if poster else '<div class="none">no poster</div>')
    links = []
    if row["video"] is not None:
        links.append(f'<a href="{e(_rel(row["video"], root))}">video</a>')
    for side in sorted(root.glob(f"{name}.*")):
        if side.suffix in (".srt", ".vtt"):
            links.append(f'<a href="{e(side.name)}">{e(side.suffix[1:])}</a>')
    for tl in sorted((root / "timelines").glob(f"{name}.*")):
        label = _TIMELINE_KINDS.get(tl.suffix[1:], tl.suffix[1:])
        links.append(f'<a href="timelines/{e(tl.name)}">{e(label)}</a>')
    duration = row["duration_seconds"]
    verdict = str(row["qc"])
    return (f'<section class="card"><h2>{e(name)}</h2>{picture}<dl>'
            f'<dt>deliverable</dt><dd>{e(row["deliverable"])} v{row["variant"]} '
            f'{e(row["aspect_ratio"])}</dd>'
            f'<dt>duration</dt><dd>{f"{duration:.2f} s" if duration else "-"}</dd>'
            f'<dt>QC</dt><dd class="{"pass" if verdict == "pass" else "fail"}">'
            f'{e(verdict)}</dd><dt>captions</dt><dd>{e(row["captions"])}</dd></dl>'
            f'<p>{" · ".join(links)}</p></section>')


_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;background:#fafafa;color:#222}"
          ".grid{display:flex;flex-wrap:wrap;gap:1.5em}.card{background:#fff;padding:1em;"
          "border:1px solid #ddd;border-radius:6px;width:340px}.card img{display:block;"
          "max-width:100%;max-height:360px;margin:auto;background:#000}"
          ".none{height:180px;background:#eee}"
          "dt{font-weight:600;float:left;width:6.5em}dd{margin:0 0 .3em 6.5em}"
          ".pass{color:#1a7f37}.fail{color:#b42318}")


def write_contact_sheet(root: Path, *, batch_id: str, title: str, sessions: Sequence[Any],
                        renders: Sequence[Any]) -> dict[str, str]:
    """Posters, ``manifest.json`` and ``index.html`` in ``root``; their paths."""
    rows = _rows(root, sessions, renders)
    for row in rows:
        seconds = float(row["duration_seconds"] or 0.0)
        row["poster"] = _poster(row["video"], root / "posters" / f"{row['stem']}.jpg",
                                seconds) if row["video"] is not None else None
    manifest = root / MANIFEST_NAME
    manifest.write_text(json.dumps(_manifest(root, rows, batch_id), indent=2) + "\n",
                        encoding="utf-8")
    cards = "\n".join(_card(row, root) for row in rows)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{len(rows)} deliverables · "
            f'<a href="{MANIFEST_NAME}">manifest.json</a></p>'
            f'<div class="grid">\n{cards}\n</div></body></html>\n')
    sheet = root / SHEET_NAME
    sheet.write_text(page, encoding="utf-8")
    return {"manifest": str(manifest), "index": str(sheet)}
