"""Per-shot picture measures from the shared frames: motion energy and where it happens,
sharpness (variance of the Laplacian) and exposure (mean luma), so blurred or black shots can
be avoided and reframing knows where the action is."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings, FrameSample, VideoAnalyser, register
from editron.domain.analysis import FaceTrack, ShotSignals

__all__ = ["VisualSignals", "aggregate_per_shot", "signals_from_series", "tracks_in"]

SMALL = (64, 36)
SHARPNESS_EVERY = 6  # frames
_XS = np.arange(SMALL[0], dtype=np.float32)
_YS = np.arange(SMALL[1], dtype=np.float32)


@register
class VisualSignals(VideoAnalyser):
    NAME = "visual"
    AFTER = ("shots_fast",)

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._prev: npt.NDArray[np.float32] | None = None
        self._prev_index = -1
        self._seen = 0
        self.times: list[float] = []
        self.motion: list[float] = []
        self.centre: list[tuple[float, float]] = []
        self.brightness: list[float] = []
        self.sharp_times: list[float] = []
        self.sharpness: list[float] = []

    def on_frame(self, frame: FrameSample) -> None:
        small = cv2.resize(frame.gray, SMALL, interpolation=cv2.INTER_AREA).astype(np.float32)
        self.times.append(frame.t)
        self.brightness.append(float(small.mean()))
        if self._prev is None:
            self.motion.append(0.0)
            self.centre.append((0.5, 0.5))
        else:
            diff = cv2.absdiff(small, self._prev)
            # Per source frame: when the decoder skipped frames, the change spans several.
            gap = max(1, frame.index - self._prev_index)
            total = float(diff.sum())
            self.motion.append(total / diff.size / 255.0 / gap)
            if total > 1e-3:
                # Centre of the change: column and row sums against the pixel centres.
                self.centre.append((float(diff.sum(axis=0) @ _XS) / total / SMALL[0],
                                    float(diff.sum(axis=1) @ _YS) / total / SMALL[1]))
            else:
                self.centre.append(self.centre[-1])
        self._prev, self._prev_index = small, frame.index
        self._seen += 1
        if (self._seen - 1) % SHARPNESS_EVERY == 0:
            self.sharp_times.append(frame.t)
            self.sharpness.append(float(cv2.Laplacian(frame.gray, cv2.CV_32F).var()))

    def finish(self, findings: FileFindings) -> None:
        if not self.times:
            return
        series = findings.series
        series["motion"] = np.asarray(self.motion, dtype=np.float32)
        series["motion_times"] = np.asarray(self.times, dtype=np.float32)
        centre = np.asarray(self.centre, dtype=np.float32)
        series["motion_cx"], series["motion_cy"] = centre[:, 0], centre[:, 1]
        series["brightness"] = np.asarray(self.brightness, dtype=np.float32)
        series["sharp_times"] = np.asarray(self.sharp_times, dtype=np.float32)
        series["sharpness"] = np.asarray(self.sharpness, dtype=np.float32)
        findings.shot_signals.extend(signals_from_series(findings))


def signals_from_series(findings: FileFindings) -> list[ShotSignals]:
    """Per-shot signals for ``findings.shots`` from the series pass 1 kept, so they can be
    recomputed when a later pass changes the shots (the accurate detector)."""
    series = findings.series
    if "motion_times" not in series:
        return []
    return aggregate_per_shot(
        findings, series["motion_times"].astype(np.float64), series["motion"].astype(np.float64),
        np.stack([series["motion_cx"], series["motion_cy"]], axis=1).astype(np.float64),
        series["brightness"].astype(np.float64), series["sharp_times"].astype(np.float64),
        series["sharpness"].astype(np.float64))


def aggregate_per_shot(findings: FileFindings, times: npt.NDArray[np.float64],
                       motion: npt.NDArray[np.float64], centre: npt.NDArray[np.float64],
                       brightness: npt.NDArray[np.float64], sharp_times: npt.NDArray[np.float64],
                       sharpness: npt.NDArray[np.float64]) -> list[ShotSignals]:
    shots = findings.shots or []
    out = []
    for shot in shots:
        # Series times may be float32: compare with a margin well under one frame.
        inside = (times >= shot.start - 1e-3) & (times < shot.end - 1e-3)
        # The first frame of a shot differs from the last of the previous one: not motion.
        inside_motion = inside & (times > shot.start + 1e-3)
        m = motion[inside_motion]
        weights = m if m.size and m.sum() > 0 else None
        cx, cy = (np.average(centre[inside_motion], axis=0, weights=weights)
                  if inside_motion.any() else (0.5, 0.5))
        s_inside = (sharp_times >= shot.start - 1e-3) & (sharp_times < shot.end - 1e-3)
        out.append(ShotSignals(
            file_id=findings.file_id, start=shot.start, end=shot.end,
            motion=round(float(np.clip(m.mean() * 8.0, 0, 1)) if m.size else 0.0, 4),
            sharpness=round(float(np.median(sharpness[s_inside])) if s_inside.any() else 0.0, 2),
            brightness=round(float(brightness[inside].mean()) if inside.any() else 0.0, 2),
            motion_center=(round(float(cx), 3), round(float(cy), 3)),
            face_tracks=tracks_in(findings, shot.start, shot.end),
        ))
    return out


def tracks_in(findings: FileFindings, start: float, end: float) -> tuple[FaceTrack, ...]:
    """The parts of the file's face tracks inside one shot."""
    parts = (t.between(start, end) for t in findings.face_tracks)
    return tuple(p for p in parts if p is not None)
