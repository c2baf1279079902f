"""Gradual transitions (cross-dissolves) on the fast shot detector's per-frame features.

A dissolve from picture A to picture B shows, frame by frame, ``(1 - t) A + t B`` with ``t``
rising steadily from 0 to 1. So within the right window — ``a`` the last frame of A alone, ``b``
the first of B alone — every frame between is well explained as the straight blend of the two
end frames at its place in the window (a *ramp fit*): the residual of that fit is small against
the direct difference between the ends, the per-frame steps are alike (no single jump: that is
a cut) and they add up to the direct difference (camera motion wanders: its steps do not
accumulate), and the luma histogram moves steadily away from A's.

Everything runs on the 16x9 block means and 32-bin histograms the fast detector keeps per frame
(``shots_fast.frame_features``), so the search costs little beside the decode: for each window
length the cheap tests screen every start frame at once, and the fit's residual comes in closed
form from running sums (of the frames, of frame index times frame, of squared norms), taken over
overlapping chunks so memory stays small. The windows explaining the most change win (the
direct difference, discounted by the fit's residual), overlapping ones are dropped, and a window
that ends where it began (a flash, a glitch) is no transition. Fades (a blend with black) are
found by the dip-to-black search in ``shots_fast`` and kept out of the windows searched here.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["Ramp", "find_dissolves", "ramp_lengths"]

ACROSS = 0.15  # the least change (block + histogram distance) between the pictures either side
BLOCK_ACROSS = 0.03  # ... and the least mean block difference (0..1) between them
RESIDUAL = 0.3  # the fit's RMS residual may be at most this share of the RMS direct difference
STRAIGHT = 0.55  # the direct difference is at least this share of the sum of the steps
JUMP = 0.4  # no single step may carry more than this share of the window's change
# No step in or within MARGIN frames of the window may carry this share of the direct
# difference between its ends: a picture that keeps changing right after a hard cut (a crowd,
# confetti, a screen) ramps too, but the cut beside it made more of the change in one step
# than a blend ever does
JUMP_DIRECT = 0.5
STEADY = 0.8  # share of steps that move the picture away from A and towards B
MOVED = 0.4  # the far end shifted matching the near one this much better: camera motion
RETURN = 0.04  # pictures either side closer than this: the change did not last (a flash)
SHORTEST, LONGEST = 0.3, 1.3  # seconds of blend searched
MARGIN = 3  # frames kept clear between two dissolves
CHUNK = 4096  # frames fitted at a time
THUMB = (9, 16)  # the fast detector's thumbnail (rows, columns)


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


class _Sums(NamedTuple):
    """Running sums over the frames for the ramp fit of every window at once."""

    x: npt.NDArray[np.float64]  # (n + 1, 144): sum of frames before each index
    kx: npt.NDArray[np.float64]  # ... of frame index times frame
    xx: npt.NDArray[np.float64]  # (n + 1,): of squared norms
    steps: npt.NDArray[np.float64]  # (n + 1,): of the per-frame steps


def _sums(thumbs: npt.NDArray[np.float32], steps: npt.NDArray[np.float32]) -> _Sums:
    x = thumbs.astype(np.float64)
    k = np.arange(len(x), dtype=np.float64)[:, None]

    def running(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])

    return _Sums(running(x), running(k * x), running((x * x).sum(axis=1)),
                 running(steps.astype(np.float64)))


def _windows(thumbs: npt.NDArray[np.float32], hists: npt.NDArray[np.float32],
             steps: npt.NDArray[np.float32], sums: _Sums, length: int
             ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The start frames of the windows of ``length`` that pass the tests, with each one's
    fit (RMS residual over RMS direct difference) and score (the change it explains).

    The residual of the straight blend ``x_a + t (x_b - x_a)`` over the frames between comes
    from the running sums in closed form, for every window at once; the screen asks for a
    large, lasting change with no jump, made in steps that add up."""
    n = len(thumbs)
    a = np.arange(1, n - length - 1, dtype=np.intp)  # a frame of context either side
    if a.size == 0:
        return a, np.zeros(0), np.zeros(0)
    direct = np.abs(thumbs[1 + length: n - 1] - thumbs[1: n - length - 1]).mean(axis=1) / 255.0
    path = sums.steps[a + length + 1] - sums.steps[a + 1]
    keep = (direct >= BLOCK_ACROSS) & (direct >= STRAIGHT * path)
    a, direct, path = a[keep], direct[keep], path[keep]
    jump = steps[a[:, None] + np.arange(1, length + 1)[None, :]].max(axis=1) \
        if a.size else np.zeros(0, np.float32)
    a, direct = a[jump <= JUMP * path], direct[jump <= JUMP * path]
    across = 0.6 * direct + 0.4 * _hist_distance(hists, a, a + length)
    a, direct = a[across >= ACROSS], direct[across >= ACROSS]
    b = a + length
    xa, xb = thumbs[a].astype(np.float64), thumbs[b].astype(np.float64)
    delta = xb - xa
    s0 = sums.x[b] - sums.x[a + 1]  # frames a+1 .. b-1
    s1 = sums.kx[b] - sums.kx[a + 1] - a[:, None] * s0  # weighted by j = k - a
    inner = length - 1
    uu = sums.xx[b] - sums.xx[a + 1] - 2 * (s0 * xa).sum(axis=1) + inner * (xa * xa).sum(axis=1)
    tu = ((s1 * delta).sum(axis=1) - length * inner / 2 * (xa * delta).sum(axis=1)) / length
    tt = inner * (2 * length - 1) / (6 * length)
    dd = (delta * delta).sum(axis=1)
    fit = np.sqrt(np.maximum(uu - 2 * tu + tt * dd, 0.0) / inner) / np.maximum(np.sqrt(dd), 1e-6)
    score = direct * (1.0 - 2.0 * fit)
    good = (fit <= RESIDUAL) & _peaks(a, score, n, max(1, length // 2))
    return a[good], fit[good], score[good]


def _peaks(a: npt.NDArray[np.intp], score: npt.NDArray[np.float64], n: int, radius: int
           ) -> npt.NDArray[np.bool_]:
    """Which windows score highest among the windows of their length starting within
    ``radius`` frames of theirs (the others cannot win the overlap)."""
    dense = np.full(n + 2 * radius, -np.inf)
    dense[a + radius] = score
    best = np.lib.stride_tricks.sliding_window_view(dense, 2 * radius + 1).max(axis=1)
    return np.asarray(score >= best[a], dtype=np.bool_)


def _steady(thumbs: npt.NDArray[np.float32], first: int, last: int) -> bool:
    """The picture moves steadily away from the outgoing one and towards the incoming one
    (block distances; a blend's luma histogram need not move steadily: mixing two pictures
    gathers their values in the middle)."""
    frames = thumbs[first: last + 1]
    away = np.abs(frames - frames[0]).mean(axis=1)
    towards = np.abs(frames - frames[-1]).mean(axis=1)
    slack = 0.02 * float(away[-1])
    rises = (np.diff(away) >= -slack) & (np.diff(towards) <= slack)
    return bool(rises.mean() >= STEADY)


def _moved(thumbs: npt.NDArray[np.float32], first: int, last: int) -> bool:
    """The far end is the near end moved (a pan or tilt): the middle of the far picture,
    shifted by up to a third of the picture in half blocks, matches the near one far better
    somewhere than in place (squared differences, hence the square of ``MOVED``)."""
    th, tw = THUMB
    near, far = (cv2.resize(thumbs[k].reshape(th, tw), (2 * tw, 2 * th),
                            interpolation=cv2.INTER_LINEAR) for k in (first, last))
    my, mx = 2 * th // 3, 2 * tw // 3
    errors = cv2.matchTemplate(near, np.ascontiguousarray(far[my:-my, mx:-mx]),
                               cv2.TM_SQDIFF)
    return bool(float(errors.min()) < MOVED ** 2 * float(errors[my, mx]))


def _cut_beside(thumbs: npt.NDArray[np.float32], steps: npt.NDArray[np.float32], a: int,
                b: int) -> bool:
    """A step in the window or within ``MARGIN`` frames of its ends as large as
    ``JUMP_DIRECT`` of the change between the ends: a hard cut, with the ramp beside it the
    picture changing inside one shot."""
    near = steps[max(1, a - MARGIN + 1): min(len(steps), b + MARGIN + 1)]
    direct = float(np.abs(thumbs[b] - thumbs[a]).mean()) / 255.0
    return bool(near.size and float(near.max()) > JUMP_DIRECT * direct)


def find_dissolves(thumbs: npt.NDArray[np.float32], hists: npt.NDArray[np.float32],
                   steps: npt.NDArray[np.float32], fps: float,
                   zones: list[tuple[int, int]]) -> list[Ramp]:
    """The dissolves in the series, outside ``zones`` (dips to black, padded).

    ``steps[i]`` is the change from frame i-1 to frame i (0 for the first), as the fast
    detector measures it. The windows that pass are taken best first (each scored by the
    change it explains: the direct difference times ``1 - 2 * fit``); one overlapping a window
    taken, or within ``MARGIN`` frames of it, is dropped, and so is one beside a hard cut
    (:func:`_cut_beside`)."""
    n = len(thumbs)
    first, last, fit, score = _candidates(thumbs, hists, steps, fps)
    taken: list[Ramp] = []
    busy = np.zeros(n + 1, dtype=np.bool_)  # frames taken (and the zones)
    for z0, z1 in zones:
        busy[max(0, z0): max(0, min(n, z1 + 1))] = True
    for i in np.argsort(-score, kind="stable"):
        a, b = int(first[i]), int(last[i])
        lo, hi = max(0, a - MARGIN), min(n, b + MARGIN + 1)
        if busy[lo:hi].any() or _cut_beside(thumbs, steps, a, b):
            continue
        if not _steady(thumbs, a, b) or _returns(thumbs, a, b, n) or _moved(thumbs, a, b):
            continue
        taken.append(Ramp(a, b, _middle(steps, a, b), float(fit[i])))
        busy[a:b + 1] = True
    return sorted(taken)


def _candidates(thumbs: npt.NDArray[np.float32], hists: npt.NDArray[np.float32],
                steps: npt.NDArray[np.float32], fps: float
                ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64],
                           npt.NDArray[np.float64]]:
    """Every window that passes, as (first, last, fit, score) arrays; the series is taken in
    overlapping chunks so the running sums stay small however long the file is."""
    n = len(thumbs)
    lengths = ramp_lengths(fps)
    overlap = max(lengths) + 3
    out: list[tuple[npt.NDArray[np.intp], int, npt.NDArray[np.float64],
                    npt.NDArray[np.float64]]] = []
    for lo in range(0, max(1, n - overlap), CHUNK):
        hi = min(n, lo + CHUNK + overlap)
        sums = _sums(thumbs[lo:hi], steps[lo:hi])
        for length in lengths:
            a, fit, score = _windows(thumbs[lo:hi], hists[lo:hi], steps[lo:hi], sums, length)
            out.append((a + lo, length, fit, score))
    if not out:
        return (np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0), np.zeros(0))
    first = np.concatenate([a for a, _, _, _ in out])
    last = np.concatenate([a + length for a, length, _, _ in out])
    fit = np.concatenate([f for _, _, f, _ in out])
    score = np.concatenate([s for _, _, _, s in out])
    _, unique = np.unique(first * (n + 1) + last, return_index=True)  # chunk overlaps
    return first[unique], last[unique], fit[unique], score[unique]


def _returns(thumbs: npt.NDArray[np.float32], a: int, b: int, n: int) -> bool:
    """The picture a little before the window matches the one a little after it."""
    before, after = max(0, a - 2), min(n - 1, b + 2)
    return float(np.abs(thumbs[after] - thumbs[before]).mean()) / 255.0 < RETURN


def _middle(steps: npt.NDArray[np.float32], a: int, b: int) -> int:
    """The frame by which half the change across the window has happened."""
    inside = steps[a + 1: b + 1]
    half = float(inside.sum()) / 2
    return a + 1 + int(np.searchsorted(np.cumsum(inside), half))
