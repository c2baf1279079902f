"""Run the analysis passes over a batch's files and assemble the result.

Pass 1: one decode per file feeding the cheap analysers (shots, picture signals, loudness,
        crowd, audio labels); it marks the windows worth a closer look.
Pass 2: the expensive analysers on the spool pass 1 wrote, focused on those windows: speech,
        sponsor/keyword mentions, faces.
Pass 3: hero-moment boundaries refined to shot cuts and word gaps.
A file that fails is reported and skipped; the batch goes on.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from editron.analysis import audio_energy, audio_labels, crowd, shots_fast, visual  # noqa: F401
from editron.analysis.base import (
    AVAILABLE_ANALYSERS,
    UNAVAILABLE_ANALYSERS,
    Analyser,
    AudioAnalyser,
    FileContext,
    FileFindings,
    VideoAnalyser,
    Window,
    register_unavailable,
)
from editron.analysis.decode import FileSpool, decode_pass
from editron.analysis.faces import faces_per_shot
from editron.analysis.logos import find_logos, load_logo
from editron.analysis.refine import refine_window
from editron.analysis.scoring import score_hero_moments
from editron.analysis.speech import Transcriber, speech_windows, transcribe_windows
from editron.analysis.sponsors import find_mentions
from editron.domain.analysis import AnalysisResult, EnergyPoint, FileReport
from editron.errors import EditronError

__all__ = ["Progress", "analyze_files"]

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]  # (stage description, 0..1)
PASS1 = ("shots_fast", "visual", "audio_energy", "crowd", "audio_labels")

register_unavailable(
    "shots_transnet",
    "the accurate shot mode is not wired into the analysis passes yet (TransNetV2 scoring is "
    "in analysis/shots_transnet.py and measured by benchmarks/shots.py with the ml extra)",
)


def _ordered(names: Sequence[str]) -> list[type[Analyser]]:
    done: list[str] = []
    pending = [n for n in names if n in AVAILABLE_ANALYSERS]
    while pending:
        for name in list(pending):
            if all(dep in done or dep not in pending for dep in AVAILABLE_ANALYSERS[name].AFTER):
                done.append(name)
                pending.remove(name)
    return [AVAILABLE_ANALYSERS[n] for n in done]


def _pass_one(ctx: FileContext, progress: Callable[[float], None] | None
              ) -> tuple[FileFindings, FileSpool]:
    analysers = [cls(ctx) for cls in _ordered(PASS1)]
    if not ctx.probe.has_video:
        analysers = [a for a in analysers if not isinstance(a, VideoAnalyser)]
    if not ctx.probe.has_audio:
        analysers = [a for a in analysers if not isinstance(a, AudioAnalyser)]
    spool = decode_pass(ctx, [a for a in analysers if isinstance(a, VideoAnalyser)],
                        [a for a in analysers if isinstance(a, AudioAnalyser)],
                        progress=progress)
    findings = FileFindings(ctx.file_id, ctx.probe.duration_seconds, ctx.probe.fps)
    for analyser in analysers:
        analyser.finish(findings)
    if ctx.probe.has_video and not findings.shots:
        findings.messages.append("no video frames could be decoded")
    for peak in findings.crowd_peaks:
        findings.windows.append(Window(max(0, peak.start - 5), peak.start + peak.duration + 2,
                                       "crowd"))
    return findings, spool


def _pass_two(ctx: FileContext, findings: FileFindings, spool: FileSpool,
              transcriber: Transcriber | None) -> None:
    if ctx.probe.has_audio and transcriber is not None:
        windows = speech_windows(findings.audio_segments, findings.duration)
        audio = spool.audio()
        findings.transcript.extend(transcribe_windows(ctx.file_id, audio, windows, transcriber))
        names = [*ctx.brief.sponsors, *ctx.brief.must_use]
        findings.sponsor_moments.extend(find_mentions(findings.transcript, names))
        findings.windows.extend(Window(m.start - 2, m.end + 2, "mention")
                                for m in findings.sponsor_moments)
    if ctx.probe.has_video and ctx.brief.sponsor_logos and spool.frame_times:
        logos = [load_logo(Path(p)) for p in ctx.brief.sponsor_logos]
        found = find_logos(ctx.file_id, logos, spool.frames(), spool.frame_times)
        findings.sponsor_moments.extend(found)
        findings.windows.extend(Window(m.start, m.end, "logo") for m in found)
    if ctx.probe.has_video and findings.shot_signals and spool.frame_times:
        findings.shot_signals[:] = faces_per_shot(
            findings.shot_signals, spool.frames(), spool.frame_times,
            [(w.start, w.end) for w in findings.windows])


def _normalise_energy(findings: Sequence[FileFindings]) -> list[EnergyPoint]:
    levels = [p.loudness_db for f in findings for p in f.energy]
    if not levels:
        return []
    lo, hi = float(np.percentile(levels, 5)), float(np.percentile(levels, 99))
    span = max(hi - lo, 1e-3)
    return [replace(p, energy=round(float(np.clip((p.loudness_db - lo) / span, 0, 1)), 4))
            for f in findings for p in f.energy]


def analyze_files(contexts: Sequence[FileContext], *, max_iterations: int = 3,
                  transcriber: Transcriber | None = None, progress: Progress | None = None,
                  keep_spool: bool = False) -> tuple[AnalysisResult, dict[str, FileSpool]]:
    """Analyse every file; returns the result and each file's spool (for thumbnails)."""
    if not 1 <= max_iterations <= 3:
        raise ValueError("max_iterations must be 1, 2 or 3")
    findings: dict[str, FileFindings] = {}
    spools: dict[str, FileSpool] = {}
    reports: list[FileReport] = []
    hint = contexts[0].model_hint if contexts else None
    for n, ctx in enumerate(contexts):
        def step(fraction: float, n: int = n, name: str = ctx.path.name) -> None:
            if progress is not None:
                progress(f"pass 1: {name}", (n + fraction) / max(len(contexts), 1))

        try:
            found, spool = _pass_one(ctx, step)
        except EditronError as exc:
            reports.append(FileReport(ctx.file_id, ctx.path.name, "failed", (exc.message,)))
            continue
        except Exception as exc:  # one bad file never fails the batch
            log.exception("analysis of %s failed", ctx.path.name)
            reports.append(FileReport(ctx.file_id, ctx.path.name, "failed",
                                      (f"{type(exc).__name__}: {exc}",)))
            continue
        if hint == "accurate":
            found.messages.append("accurate shots unavailable: "
                                  + UNAVAILABLE_ANALYSERS.get("shots_transnet", "unknown")
                                  + "; used the fast detector")
        findings[ctx.file_id], spools[ctx.file_id] = found, spool
    passes = 1
    if max_iterations >= 2:
        for n, ctx in enumerate(c for c in contexts if c.file_id in findings):
            if progress is not None:
                progress(f"pass 2: {ctx.path.name}", n / max(len(findings), 1))
            try:
                _pass_two(ctx, findings[ctx.file_id], spools[ctx.file_id], transcriber)
            except EditronError as exc:
                findings[ctx.file_id].messages.append(f"pass 2: {exc.message}")
        passes = 2
    brief = contexts[0].brief if contexts else None
    moments = score_hero_moments(findings, brief) if brief is not None else []
    if max_iterations >= 3:
        refined = []
        for m in moments:
            f = findings[m.file_id]
            words = [w for seg in f.transcript for w in seg.words]
            start, end = refine_window(m.start, m.end, shots=f.shots, words=words,
                                       duration=f.duration)
            refined.append(replace(m, start=start, end=end))
        moments = refined
        passes = 3
    for ctx in contexts:
        if ctx.file_id in findings:
            messages = tuple(findings[ctx.file_id].messages)
            reports.append(FileReport(ctx.file_id, ctx.path.name,
                                      "partial" if messages else "analyzed", messages))
        if not keep_spool and ctx.file_id not in findings:
            shutil.rmtree(ctx.work_dir, ignore_errors=True)
    ordered = list(findings.values())
    result = AnalysisResult(
        passes_completed=passes,
        shots=[s for f in ordered for s in f.shots],
        shot_signals=[s for f in ordered for s in f.shot_signals],
        transcript=[t for f in ordered for t in f.transcript],
        energy_curve=_normalise_energy(ordered),
        crowd_peaks=[p for f in ordered for p in f.crowd_peaks],
        audio_segments=[a for f in ordered for a in f.audio_segments],
        hero_moments=moments,
        sponsor_moments=[m for f in ordered for m in f.sponsor_moments],
        file_reports=reports,
    )
    result.summary = _summary(result, len(contexts))
    return result, spools


def _summary(result: AnalysisResult, file_count: int) -> str:
    analysed = sum(1 for r in result.file_reports if r.status != "failed")
    words = sum(len(t.words) for t in result.transcript)
    parts = [f"{analysed} of {file_count} file(s) analysed in {result.passes_completed} "
             f"pass(es)", f"{len(result.shots)} shots", f"{words} words transcribed",
             f"{len(result.crowd_peaks)} crowd reactions",
             f"{len(result.sponsor_moments)} sponsor/keyword mentions",
             f"{len(result.hero_moments)} hero moments"]
    if result.hero_moments:
        top = result.hero_moments[0]
        parts.append(f"top moment: {top.reasons[0]}")
    return "; ".join(parts) + "."
