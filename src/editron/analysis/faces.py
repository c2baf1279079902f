"""Faces on sampled frames with OpenCV's bundled Haar cascade (no weights to fetch).

Runs in pass 2 on the spooled grey frames, only inside the windows pass 1 marked plus a coarse
sample of every shot, and adds counts and normalised boxes to each shot's signals."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings, PassTwo, SpoolAnalyser, register
from editron.domain.analysis import FaceBox, ShotSignals

__all__ = ["FaceCounter", "detect_faces", "faces_per_shot"]

cv2_any: Any = cv2  # the cascade API is missing from the type stubs


_local = threading.local()


def _cascade() -> Any:
    """This thread's cascade: one classifier used from two threads at once (pass 1's tracker
    and pass 2's face count run side by side) crashes OpenCV."""
    cascade = getattr(_local, "cascade", None)
    if cascade is None:
        path = Path(cv2_any.data.haarcascades) / "haarcascade_frontalface_default.xml"
        cascade = cv2_any.CascadeClassifier(str(path))
        if cascade.empty():
            raise RuntimeError(f"OpenCV face cascade missing at {path}")
        _local.cascade = cascade
    return cascade


def detect_faces(gray: npt.NDArray[np.uint8], t: float) -> list[FaceBox]:
    h, w = gray.shape
    found = _cascade().detectMultiScale(cv2.equalizeHist(gray), scaleFactor=1.1, minNeighbors=5,
                                        minSize=(max(16, w // 20), max(16, w // 20)))
    return [FaceBox(t, round(float(x) / w, 4), round(float(y) / h, 4), round(float(bw) / w, 4),
                    round(float(bh) / h, 4))
            for (x, y, bw, bh) in found]


def faces_per_shot(signals: Sequence[ShotSignals], frames: npt.NDArray[np.uint8],
                   times: Sequence[float], windows: Sequence[tuple[float, float]],
                   *, per_shot: int = 3) -> list[ShotSignals]:
    """Sample up to ``per_shot`` frames in each shot (more inside windows) and count faces."""
    times_arr = np.asarray(times)
    out = []
    for shot in signals:
        inside = np.flatnonzero((times_arr >= shot.start) & (times_arr < shot.end))
        if inside.size == 0:
            out.append(shot)
            continue
        hot = any(a < shot.end and b > shot.start for a, b in windows)
        count = min(inside.size, per_shot * (3 if hot else 1))
        picks = inside[np.linspace(0, inside.size - 1, count).astype(int)]
        boxes: list[FaceBox] = []
        most = 0
        for k in picks:
            found = detect_faces(np.asarray(frames[k]), float(times_arr[k]))
            most = max(most, len(found))
            boxes.extend(found)
        out.append(replace(shot, faces=most, face_boxes=tuple(boxes)))
    return out


@register
class FaceCounter(SpoolAnalyser):
    """Pass 2: faces counted in every shot, sampled harder inside the windows where something
    happened (a crowd, a loud or moving stretch, a mention, a logo)."""

    NAME = "faces"
    AFTER = ("shots_transnet", "mentions", "logos")
    FOCUS_REASONS = frozenset({"crowd", "loud", "motion", "mention", "logo"})

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        return job.context.probe.has_video and bool(job.spool.frame_times)

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        if not findings.shot_signals:
            return
        focus = [(w.start, w.end) for w in findings.windows
                 if self.FOCUS_REASONS & set(w.why.split("+"))]
        findings.shot_signals[:] = faces_per_shot(
            findings.shot_signals, job.spool.frames(), job.spool.frame_times, focus)
