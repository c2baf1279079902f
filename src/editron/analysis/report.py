"""The analysis folder a person opens: the brief as JSON and Markdown (with the energy curve
plot and the top moments with thumbnails), and the transcript as SRT-like Markdown and as
plain text. Drawn with PIL (already a dependency) rather than matplotlib: one lane per file
needs lines, boxes and labels, not a plotting library."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from editron.analysis.brief import brief_document, brief_markdown
from editron.analysis.decode import FileSpool
from editron.analysis.scoring import mmss
from editron.domain.analysis import AnalysisResult, Brief

__all__ = ["plot_energy", "srt_time", "sync_markdown", "transcript_markdown", "transcript_text",
           "write_report"]

PLOT_SIZE = (1200, 300)


def plot_energy(result: AnalysisResult, names: Mapping[str, str], path: Path) -> Path:
    """One lane per file: the energy curve, crowd peaks in red, hero moments shaded."""
    files = list(dict.fromkeys(p.file_id for p in result.energy_curve)) or list(names)
    lane_h = max(60, PLOT_SIZE[1] // max(len(files), 1))
    width, height = PLOT_SIZE[0], lane_h * max(len(files), 1)
    image = Image.new("RGB", (width, height), (18, 18, 24))
    draw = ImageDraw.Draw(image)
    for lane, file_id in enumerate(files):
        top = lane * lane_h
        points = [p for p in result.energy_curve if p.file_id == file_id]
        duration = max([p.t for p in points] + [1.0])

        def x(t: float, d: float = duration) -> int:
            return int(40 + (width - 50) * t / d)

        for m in result.hero_moments:
            if m.file_id == file_id:
                draw.rectangle([x(m.start), top + 4, x(m.end), top + lane_h - 4],
                               fill=(40, 70, 50))
        if points:
            line = [(x(p.t), top + lane_h - 6 - int((lane_h - 14) * p.energy)) for p in points]
            draw.line(line, fill=(90, 190, 255), width=1)
        for peak in result.crowd_peaks:
            if peak.file_id == file_id:
                draw.line([x(peak.t), top + 4, x(peak.t), top + lane_h - 4], fill=(255, 80, 80),
                          width=2)
        step = _tick_step(duration)
        tick = 0.0
        while tick <= duration:
            draw.line([x(tick), top + lane_h - 6, x(tick), top + lane_h - 2],
                      fill=(120, 120, 130))
            draw.text((x(tick) + 2, top + lane_h - 14), mmss(tick), fill=(120, 120, 130))
            tick += step
        draw.line([40, top + lane_h - 1, width - 10, top + lane_h - 1], fill=(60, 60, 70))
        draw.text((4, top + 4), names.get(file_id, file_id)[:18], fill=(220, 220, 220))
    draw.text((width - 330, 4), "energy (blue)  crowd peaks (red)  hero moments (green)",
              fill=(200, 200, 200))
    image.save(path)
    return path


def _tick_step(duration: float) -> float:
    for step in (5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0):
        if duration / step <= 12:
            return step
    return 3600.0


def srt_time(t: float) -> str:
    ms = round(max(t, 0.0) * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def transcript_markdown(result: AnalysisResult, names: Mapping[str, str]) -> str:
    """SRT-like blocks (number, time range, text) under one heading per file."""
    lines = ["# Transcript", ""]
    if not result.transcript:
        lines += ["No speech was transcribed.", ""]
    current: str | None = None
    for n, seg in enumerate(result.transcript, start=1):
        if seg.file_id != current:
            current = seg.file_id
            language = f" (language: {seg.language})" if seg.language else ""
            lines += [f"## {names.get(seg.file_id, seg.file_id)}{language}", ""]
        lines += [f"{n}  ", f"`{srt_time(seg.start)} --> {srt_time(seg.end)}`  ", seg.text, ""]
    return "\n".join(lines)


def transcript_text(result: AnalysisResult, names: Mapping[str, str]) -> str:
    return "".join(f"[{names.get(seg.file_id, seg.file_id)} {mmss(seg.start)}] {seg.text}\n"
                   for seg in result.transcript)


def _thumbnail(spool: FileSpool | None, t: float, path: Path) -> str | None:
    if spool is None:
        return None
    frame = spool.frame_at(t)
    if frame is None:
        return None
    Image.fromarray(np.asarray(frame)).save(path, quality=85)
    return path.name


def sync_markdown(result: AnalysisResult, names: Mapping[str, str]) -> list[str]:
    """The "Event clock" section: where each file sits, or why it is not synced."""
    if result.sync is None or len(result.sync.files) < 2:
        return []
    lines = ["## Event clock", "", "| file | event offset | confidence | drift | how |",
             "| --- | --- | --- | --- | --- |"]
    for f in result.sync.files:
        name = names.get(f.file_id, f.file_id)
        if f.event_offset is None:
            lines.append(f"| {name} | not synced | | | {f.reason}: {f.detail} |")
        else:
            lines.append(f"| {name} | {f.event_offset:.4f} s (group {f.group}) | "
                         f"{f.confidence:.2f} | {f.drift_ppm:+.1f} ppm | {f.method} |")
    return [*lines, ""]


def languages_markdown(result: AnalysisResult, names: Mapping[str, str]) -> list[str]:
    """The "Languages" section: the language each file's speech was heard in, how sure the
    model was, and whether it was detected or asked for."""
    heard = [r for r in result.file_reports if r.language is not None]
    if not heard:
        return []
    lines = ["## Languages", "", "| file | language | probability | how |",
             "| --- | --- | --- | --- |"]
    for r in heard:
        assert r.language is not None
        p = "" if r.language.probability is None else f"{r.language.probability:.2f}"
        lines.append(f"| {names.get(r.file_id, r.filename)} | {r.language.code} | {p} | "
                     f"{r.language.source} |")
    return [*lines, ""]


def _passed_over(result: AnalysisResult, names: Mapping[str, str], top: int) -> list[str]:
    """The moments ranked just below the top ones, and why they are not in it."""
    chosen, rest = result.hero_moments[:top], result.hero_moments[top:top + 5]
    if not chosen or not rest:
        return []
    floor = chosen[-1]
    lines = ["## Not chosen", ""]
    for m in rest:
        lines.append(f"- {names.get(m.file_id, m.file_id)} {mmss(m.start)}–{mmss(m.end)}: "
                     f"score {m.score:.2f}, confidence {m.confidence:.2f} — below #{top} "
                     f"({floor.score:.2f}, {floor.confidence:.2f}); "
                     + "; ".join(m.reasons or ("no reason scored",)))
    return [*lines, ""]


def write_report(folder: Path, *, result: AnalysisResult, brief: Brief,
                 targets: Sequence[dict[str, Any]], names: Mapping[str, str],
                 spools: Mapping[str, FileSpool], top: int = 10) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    document = {**brief_document(brief, targets), "summary": result.summary,
                "hero_moments": result.to_dict()["hero_moments"][:top],
                "sponsor_moments": result.to_dict()["sponsor_moments"],
                "sync": result.sync.to_dict()["files"] if result.sync is not None else []}
    (folder / "brief.json").write_text(json.dumps(document, indent=2))
    plot = plot_energy(result, names, folder / "energy.png")
    lines = [brief_markdown(brief, targets), "## Summary", "", result.summary, "",
             "## Energy", "", f"![energy curve]({plot.name})", "", "## Top moments", ""]
    for rank, m in enumerate(result.hero_moments[:top], start=1):
        thumb = _thumbnail(spools.get(m.file_id), (m.start + m.end) / 2,
                           folder / f"moment-{rank:02d}.jpg")
        lines.append(f"### {rank}. {names.get(m.file_id, m.file_id)} "
                     f"{mmss(m.start)}–{mmss(m.end)} (confidence {m.confidence:.2f})")
        lines.append("")
        if thumb:
            lines += [f"![moment {rank}]({thumb})", ""]
        lines += [f"- {reason}" for reason in m.reasons]
        lines += [f"- score {m.score:.2f}, confidence {m.confidence:.2f}"
                  + (f", tags {', '.join(m.tags)}" if m.tags else ""), ""]
    lines += _passed_over(result, names, top)
    lines += sync_markdown(result, names)
    lines += languages_markdown(result, names)
    reports = [r for r in result.file_reports if r.status != "analyzed"]
    if reports:
        lines += ["## Files with problems", ""]
        lines += [f"- {r.filename}: {r.status}; {'; '.join(r.messages)}" for r in reports]
        lines.append("")
    (folder / "brief.md").write_text("\n".join(lines))
    (folder / "transcript.md").write_text(transcript_markdown(result, names))
    (folder / "transcript.txt").write_text(transcript_text(result, names))
    return {"brief_json": str(folder / "brief.json"), "brief_md": str(folder / "brief.md"),
            "energy_png": str(plot), "transcript_md": str(folder / "transcript.md"),
            "transcript_txt": str(folder / "transcript.txt")}
