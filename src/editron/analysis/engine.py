"""Run the analysis passes over a batch's files and assemble the result.

Pass 1: one decode per file feeding the cheap analysers (shots, picture signals, loudness,
        crowd, audio labels); it marks the windows worth a closer look (``focus.py``).
Pass 2: the expensive analysers on the spool pass 1 wrote, focused on those windows: speech,
        sponsor/keyword mentions, logos, faces, and accurate shots (TransNetV2 checking the
        fast detector's unsure calls) when ``model_hint="accurate"`` and the ml extra is
        installed.
Pass 3: hero-moment boundaries refined to shot cuts and word gaps.
Then sync: the files that share sound are put on one event clock (``sync.py``), from the
        16 kHz audio pass 1 spooled, so each file is still decoded once; placements made by
        hand (``manual``) are laid over it.
A file that fails is reported and skipped; the batch goes on.

A file's pass 2 needs only its own pass 1, so it runs on a worker thread while pass 1 reads
the next file: pass 1 mostly keeps one core busy (Python feeding the decoder), and speech and
faces (CTranslate2, OpenCV; both let go of the GIL) fill the other.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import pkgutil
import shutil
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

import editron.analysis as analysis_package
from editron.analysis.base import (
    AVAILABLE_ANALYSERS,
    UNAVAILABLE_ANALYSERS,
    Analyser,
    AudioAnalyser,
    FileContext,
    FileFindings,
    PassTwo,
    SpoolAnalyser,
    Transcriber,
    VideoAnalyser,
    Window,
)
from editron.analysis.decode import FileSpool, decode_pass
from editron.analysis.focus import focus_windows
from editron.analysis.refine import refine_window
from editron.analysis.scoring import score_hero_moments
from editron.analysis.sync import sync_batch
from editron.domain.analysis import AnalysisResult, EnergyPoint, FileReport, HeroMoment
from editron.errors import EditronError, InputError
from editron.story.multicam import distinct_hero_moments

__all__ = ["Progress", "analyze_files", "selected_analysers"]

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]  # (stage description, 0..1)

# Every module of the package is imported, so each analyser registers where it is defined
# (a new one is a new module); this one is not an analyser.
for _module in pkgutil.iter_modules(analysis_package.__path__):
    if _module.name != "engine":
        importlib.import_module(f"{analysis_package.__name__}.{_module.name}")


def selected_analysers(number: int, wanted: Collection[str] | None = None
                       ) -> list[type[Analyser]]:
    """The registered analysers of pass ``number`` (all, or those in ``wanted``), each after
    the ones its ``AFTER`` names. InputError for a wanted name nobody registered."""
    if wanted is not None:
        unknown = set(wanted) - set(AVAILABLE_ANALYSERS) - set(UNAVAILABLE_ANALYSERS)
        if unknown:
            raise InputError(f"unknown analyser(s) {', '.join(sorted(unknown))}; known: "
                             f"{', '.join(AVAILABLE_ANALYSERS)}")
    pending = [n for n, cls in AVAILABLE_ANALYSERS.items()
               if number == cls.PASS and (wanted is None or n in wanted)]
    done: list[str] = []
    while pending:
        ready = [n for n in pending if all(d in done or d not in pending
                                           for d in AVAILABLE_ANALYSERS[n].AFTER)]
        if not ready:
            raise InputError(f"analysers {', '.join(pending)} wait on each other (AFTER)")
        done += ready
        pending = [n for n in pending if n not in ready]
    return [AVAILABLE_ANALYSERS[n] for n in done]


def _wants_accurate(ctx: FileContext) -> bool:
    return ctx.model_hint == "accurate" and ctx.probe.has_video and \
        "shots_transnet" in AVAILABLE_ANALYSERS


def _pass_one(ctx: FileContext, progress: Callable[[float], None] | None,
              wanted: Collection[str] | None) -> tuple[FileFindings, FileSpool]:
    analysers = [cls(ctx) for cls in selected_analysers(1, wanted)]
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


def _pass_two(ctx: FileContext, findings: FileFindings, spool: FileSpool,
              transcriber: Transcriber | None, wanted: Collection[str] | None) -> None:
    job = PassTwo(ctx, spool, transcriber)
    for cls in selected_analysers(2, wanted):
        if issubclass(cls, SpoolAnalyser) and cls.applies(job):
            cls(ctx).analyse(findings, job)


_PassOne = tuple[dict[str, FileFindings], dict[str, FileSpool], list[FileReport],
                 list[tuple[FileContext, Future[None]]]]


def _run_passes(contexts: Sequence[FileContext], max_iterations: int,
                transcriber: Transcriber | None, progress: Progress | None,
                pass_two: ThreadPoolExecutor, wanted: Collection[str] | None) -> _PassOne:
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
            found, spool = _pass_one(ctx, step, wanted)
        except EditronError as exc:
            reports.append(FileReport(ctx.file_id, ctx.path.name, "failed", (exc.message,)))
            continue
        except Exception as exc:  # one bad file never fails the batch
            log.exception("analysis of %s failed", ctx.path.name)
            reports.append(FileReport(ctx.file_id, ctx.path.name, "failed",
                                      (f"{type(exc).__name__}: {exc}",)))
            continue
        if ctx.model_hint == "accurate" and ctx.probe.has_video and (
                "shots_transnet" not in AVAILABLE_ANALYSERS or max_iterations < 2):
            why = UNAVAILABLE_ANALYSERS.get("shots_transnet", "it runs in pass 2 and "
                                            "max_iterations is 1")
            found.messages.append(f"accurate shots unavailable: {why}; used the fast detector")
        findings[ctx.file_id], spools[ctx.file_id] = found, spool
        if max_iterations >= 2:  # with the caller's logging context (job id) on the thread
            run = contextvars.copy_context().run
            second.append((ctx, pass_two.submit(run, _checked_pass_two, ctx, found, spool,
                                                transcriber, wanted)))
    return findings, spools, reports, second


def _checked_pass_two(ctx: FileContext, findings: FileFindings, spool: FileSpool,
                      transcriber: Transcriber | None, wanted: Collection[str] | None) -> None:
    """Pass 2 of one file; a failure becomes a message and pass 1's findings stand."""
    try:
        _pass_two(ctx, findings, spool, transcriber, wanted)
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
                  keep_spool: bool = False, analysers: Collection[str] | None = None,
                  manual_sync: Mapping[str, float] | None = None
                  ) -> tuple[AnalysisResult, dict[str, FileSpool]]:
    """Analyse every file with every registered analyser (or only ``analysers``) and sync the
    batch (``manual_sync``: event offsets set by hand, kept); returns the result and each
    file's spool (for thumbnails)."""
    if not 1 <= max_iterations <= 3:
        raise ValueError("max_iterations must be 1, 2 or 3")
    wanted = None if analysers is None else set(analysers)
    selected_analysers(1, wanted)  # an unknown name fails before any decode
    pass_two = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis-pass2")
    try:
        findings, spools, reports, second = _run_passes(contexts, max_iterations, transcriber,
                                                        progress, pass_two, wanted)
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
        moments = _refined(moments, findings)
        passes = 3
    _report_files(contexts, findings, reports, keep_spool=keep_spool)
    if progress is not None:
        progress("sync: placing the files on the event clock", 1.0)
    sync = sync_batch(contexts, spools, manual_sync)
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
        sync=sync,
    )
    # Of a moment several synced cameras caught, the top moments list the best angle once.
    result.hero_moments = distinct_hero_moments(result)
    result.summary = _summary(result, len(contexts))
    return result, spools


def _refined(moments: list[HeroMoment], findings: Mapping[str, FileFindings]
             ) -> list[HeroMoment]:
    """Pass 3: each moment's edges snapped to a nearby cut, and out of any word they split."""
    refined = []
    for m in moments:
        f = findings[m.file_id]
        words = [w for seg in f.transcript for w in seg.words]
        start, end = refine_window(m.start, m.end, shots=f.shots, words=words,
                                   duration=f.duration)
        refined.append(replace(m, start=start, end=end))
    return refined


def _report_files(contexts: Sequence[FileContext], findings: Mapping[str, FileFindings],
                  reports: list[FileReport], *, keep_spool: bool) -> None:
    """Add the report of each analysed file to ``reports``; drop the work of the others."""
    for ctx in contexts:
        if ctx.file_id in findings:
            messages = tuple(findings[ctx.file_id].messages)
            reports.append(FileReport(ctx.file_id, ctx.path.name,
                                      "partial" if messages else "analyzed", messages,
                                      findings[ctx.file_id].language))
        if not keep_spool and ctx.file_id not in findings:
            shutil.rmtree(ctx.work_dir, ignore_errors=True)


def _summary(result: AnalysisResult, file_count: int) -> str:
    analysed = sum(1 for r in result.file_reports if r.status != "failed")
    words = sum(len(t.words) for t in result.transcript)
    parts = [f"{analysed} of {file_count} file(s) analysed in {result.passes_completed} "
             f"pass(es)", f"{len(result.shots)} shots", f"{words} words transcribed",
             f"{len(result.crowd_peaks)} crowd reactions",
             f"{len(result.sponsor_moments)} sponsor/keyword mentions",
             f"{len(result.hero_moments)} hero moments"]
    if result.sync is not None and len(result.sync.files) > 1:
        groups = result.sync.groups()
        synced = sum(len(g) for g in groups.values())
        parts.append(f"{synced} of {len(result.sync.files)} file(s) on "
                     f"{len(groups)} event clock(s)")
    if result.hero_moments:
        top = result.hero_moments[0]
        parts.append(f"top moment: {top.reasons[0]}")
    return "; ".join(parts) + "."
