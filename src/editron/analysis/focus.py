"""Where pass 2 looks: the windows pass 1 found worth a closer look, plus a coarse sampling so
no stretch of a long file goes wholly unseen.

Pass 1 signals that raise a window: crowd response, loudness highs, motion highs and shot
changes. Windows are padded and merged; pass 2 analysers (faces, accurate shots) spend their
effort inside them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings, Window

__all__ = ["COARSE_EVERY_SECONDS", "focus_windows", "merge_windows"]

COARSE_EVERY_SECONDS = 30.0  # one short look this often, whatever pass 1 found
COARSE_SECONDS = 2.0
HIGH_PERCENTILE = 90.0
PAD_SECONDS = 1.0


def _highs(values: npt.NDArray[np.float32], times: npt.NDArray[np.float32], why: str,
           *, min_spread: float) -> list[Window]:
    """Runs where ``values`` sit in their own top decile, when the series varies at all."""
    if values.size < 4:
        return []
    level = float(np.percentile(values, HIGH_PERCENTILE))
    if level - float(np.median(values)) < min_spread:
        return []  # flat: nothing stands out
    high = values >= level
    edges = np.diff(np.concatenate([[0], high.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [Window(float(times[a]), float(times[b]), why) for a, b in zip(starts, ends,
                                                                          strict=True)]


def merge_windows(windows: list[Window], duration: float, *, pad: float = PAD_SECONDS
                  ) -> list[Window]:
    """Pad, clamp to the media and merge overlapping windows (their reasons joined)."""
    spans = sorted((max(0.0, w.start - pad), min(duration, w.end + pad), w.why)
                   for w in windows)
    merged: list[Window] = []
    for start, end, why in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1].end:
            last = merged[-1]
            whys = last.why.split("+")
            joined = "+".join([*whys, why]) if why not in whys else last.why
            merged[-1] = Window(last.start, max(last.end, end), joined)
        else:
            merged.append(Window(start, end, why))
    return merged


def focus_windows(findings: FileFindings) -> list[Window]:
    """The merged windows for one file from its pass 1 findings."""
    found = list(findings.windows)
    found += [Window(p.start, p.start + p.duration, "crowd") for p in findings.crowd_peaks]
    series = findings.series
    if "level_db" in series:
        level = series["level_db"]
        times = np.arange(level.size, dtype=np.float32) * 0.1  # audio_energy's 100 ms hop
        found += _highs(level, times, "loud", min_spread=6.0)
    if "motion" in series and "motion_times" in series:
        found += _highs(series["motion"], series["motion_times"], "motion", min_spread=0.005)
    found += [Window(s.start - 0.5, s.start + 0.5, "cut") for s in findings.shots[1:]]
    t = 0.0
    while t < findings.duration:
        found.append(Window(t, min(findings.duration, t + COARSE_SECONDS), "coarse"))
        t += COARSE_EVERY_SECONDS
    return merge_windows(found, findings.duration)
