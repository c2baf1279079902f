"""Gradual transitions (cross-dissolves) on the fast shot detector's per-frame features.

A dissolve from picture A to picture B shows, frame by frame, ``(1 - t) A + t B`` with ``t``
rising steadily from 0 to 1. So within the right window — ``a`` the last frame of A alone, ``b``
the first of B alone — every frame between is well explained as the straight blend of the two
end frames at its place in the window (a *ramp fit*): the residual of that fit is small against
the direct difference between the ends, the per-frame steps are alike (no single jump: that is
a cut) and they add up to the direct difference (camera motion wanders: its steps do not
accumulate), and the luma histogram moves steadily away from A's.

Everything runs on the 16x9 block means and 32-bin histograms the fast detector keeps per frame
(``shots_fast.frame_features``), so the search costs little beside the decode: each window
length is screened with running sums for every start frame at once, and only the windows that
pass the screen are fitted. The best-fitting windows win, longest change first; a window that
ends where it began (a flash, a glitch) is no transition. Fades (a blend with black) are found
by the dip-to-black search in ``shots_fast`` and kept out of the windows searched here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Ramp", "find_dissolves", "ramp_lengths"]

ACROSS = 0.15  # the least change (block + histogram distance) between the pictures either side
BLOCK_ACROSS = 0.03  # ... and the least mean block difference (0..1) between them
RESIDUAL = 0.35  # the fit's residual may be at most this share of the direct difference
STRAIGHT = 0.55  # the direct difference is at least this share of the sum of the steps
JUMP = 0.4  # no single step may carry more than this share of the window's change
STEADY = 0.8  # share of steps in which the histogram moves further from A's
RETURN = 0.04  # pictures either side closer than this: the change did not last (a flash)
SHORTEST, LONGEST = 0.2, 1.3  # seconds of blend searched


class Ramp(NamedTuple):
    """A dissolve: ``first`` is the last frame of the outgoing picture alone, ``last`` the first
    frame of the incoming one alone; ``middle`` the frame by which half the change is made."""

    first: int
    last: int
    middle: int
    fit: float  # residual / direct difference (0: a perfect blend)


def ramp_lengths(fps: float) -> list[int]:
    """The window lengths (``last - first``, in frames) searched: SHORTEST..LONGEST seconds,
    about 12 % apart."""
    lo, hi = max(4, round(SHORTEST * fps)), max(6, round(LONGEST * fps))
    out: list[int] = []
    length = float(lo)
    while round(length) <= hi:
        if not out or round(length) != out[-1]:
            out.append(round(length))
        length *= 1.12
    return out


def _hist_distance(hists: npt.NDArray[np.float32], a: npt.NDArray[np.intp],
                   b: npt.NDArray[np.intp]) -> npt.NDArray[np.float32]:
    return np.asarray(np.abs(hists[a] - hists[b]).sum(axis=-1) / 2.0, np.float32)


def _screen(thumbs: npt.NDArray[np.float32], hists: npt.NDArray[np.float32],
            steps: npt.NDArray[np.float32], length: int) -> npt.NDArray[np.intp]:
    """Start frames whose window of ``length`` passes the cheap tests: a large, lasting change
    with no jump, made in steps that add up."""
    n = len(thumbs)
    a = np.arange(0, n - length, dtype=np.intp)
    if a.size == 0:
        return a
    b = a + length
    direct = np.abs(thumbs[b] - thumbs[a]).mean(axis=1) / 255.0
    across = 0.6 * direct + 0.4 * _hist_distance(hists, a, b)
    total = np.cumsum(np.concatenate([[0.0], steps]))
    path = (total[b + 1] - total[a + 1]).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(steps[1:], length)[: a.size]
    jump = windows.max(axis=1)
    keep = ((across >= ACROSS) & (direct >= BLOCK_ACROSS) & (direct >= STRAIGHT * path)
            & (jump <= JUMP * np.maximum(path, 1e-6)))
    return a[keep]


def _fit(thumbs: npt.NDArray[np.float32], starts: npt.NDArray[np.intp], length: int
         ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """For each window: the residual of the straight blend between its end frames, and the
    direct difference between them (both mean absolute block values, 0..255)."""
    offsets = np.arange(length + 1)
    frames = thumbs[starts[:, None] + offsets[None, :]]  # (m, length + 1, 144)
    ends_a, ends_b = frames[:, :1], frames[:, -1:]
    t = (offsets / length).astype(np.float32)[None, :, None]
    predicted = ends_a + t * (ends_b - ends_a)
    residual = np.abs(frames[:, 1:-1] - predicted[:, 1:-1]).mean(axis=(1, 2))
    direct = np.abs(ends_b - ends_a).mean(axis=(1, 2))
    return residual.astype(np.float32), direct.astype(np.float32)


def _steady(hists: npt.NDArray[np.float32], first: int, last: int) -> bool:
    """The histogram moves steadily away from the outgoing picture's."""
    idx = np.arange(first, last + 1)
    away = _hist_distance(hists, np.full_like(idx, first), idx)
    rises = np.diff(away) >= -0.01
    return bool(rises.mean() >= STEADY)


def find_dissolves(thumbs: npt.NDArray[np.float32], hists: npt.NDArray[np.float32],
                   steps: npt.NDArray[np.float32], fps: float,
                   zones: list[tuple[int, int]]) -> list[Ramp]:
    """The dissolves in the series, outside ``zones`` (dips to black, padded).

    ``steps[i]`` is the change from frame i-1 to frame i (0 for the first), as the fast
    detector measures it. The windows that pass the screen are fitted; the best fits are
    taken first (each window scored by the change it explains, the direct difference less
    twice the residual), and a window overlapping one taken is dropped."""
    n = len(thumbs)
    candidates: list[tuple[float, int, int, float]] = []
    for length in ramp_lengths(fps):
        starts = _screen(thumbs, hists, steps, length)
        if starts.size == 0:
            continue
        residual, direct = _fit(thumbs, starts, length)
        good = residual <= RESIDUAL * direct
        for a, r, d in zip(starts[good], residual[good], direct[good], strict=True):
            candidates.append((float(d - 2.0 * r), int(a), int(a) + length, float(r / d)))
    taken: list[Ramp] = []
    for _, a, b, fit in sorted(candidates, reverse=True):
        if any(a <= z1 and b >= z0 for z0, z1 in zones) \
                or any(a < r.last and b > r.first for r in taken):
            continue
        if not _steady(hists, a, b) or _returns(thumbs, a, b, n):
            continue
        taken.append(Ramp(a, b, _middle(steps, a, b), fit))
    return sorted(taken)


def _returns(thumbs: npt.NDArray[np.float32], a: int, b: int, n: int) -> bool:
    """The picture a little before the window matches the one a little after it."""
    before, after = max(0, a - 2), min(n - 1, b + 2)
    return float(np.abs(thumbs[after] - thumbs[before]).mean()) / 255.0 < RETURN


def _middle(steps: npt.NDArray[np.float32], a: int, b: int) -> int:
    """The frame by which half the change across the window has happened."""
    inside = steps[a + 1: b + 1]
    half = float(inside.sum()) / 2
    return a + 1 + int(np.searchsorted(np.cumsum(inside), half))
