"""Per-shot picture measures from the shared frames: motion energy and where it happens,
sharpness (variance of the Laplacian) and exposure (mean luma), so blurred or black shots can
be avoided and reframing knows where the action is."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings, FrameSample, VideoAnalyser, register
from editron.domain.analysis import ShotSignals

__all__ = ["VisualSignals", "aggregate_per_shot"]

SMALL = (64, 36)
SHARPNESS_EVERY = 6  # frames


@register
class VisualSignals(VideoAnalyser):
    NAME = "visual"
    AFTER = ("shots_fast",)

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._prev: npt.NDArray[np.float32] | None = None
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
            diff = np.abs(small - self._prev)
            self.motion.append(float(diff.mean()) / 255.0)
            total = float(diff.sum())
            if total > 1e-3:
                ys, xs = np.indices(diff.shape)
                self.centre.append((float((xs * diff).sum() / total) / SMALL[0],
                                    float((ys * diff).sum() / total) / SMALL[1]))
            else:
                self.centre.append(self.centre[-1])
        self._prev = small
        if frame.index % SHARPNESS_EVERY == 0:
            self.sharp_times.append(frame.t)
            self.sharpness.append(float(cv2.Laplacian(frame.gray, cv2.CV_32F).var()))

    def finish(self, findings: FileFindings) -> None:
        if not self.times:
            return
        findings.series["motion"] = np.asarray(self.motion, dtype=np.float32)
        findings.series["motion_times"] = np.asarray(self.times, dtype=np.float32)
        findings.shot_signals.extend(aggregate_per_shot(
            findings, np.asarray(self.times), np.asarray(self.motion),
            np.asarray(self.centre), np.asarray(self.brightness),
            np.asarray(self.sharp_times), np.asarray(self.sharpness)))


def aggregate_per_shot(findings: FileFindings, times: npt.NDArray[np.float64],
                       motion: npt.NDArray[np.float64], centre: npt.NDArray[np.float64],
                       brightness: npt.NDArray[np.float64], sharp_times: npt.NDArray[np.float64],
                       sharpness: npt.NDArray[np.float64]) -> list[ShotSignals]:
    shots = findings.shots or []
    out = []
    for shot in shots:
        inside = (times >= shot.start) & (times < shot.end)
        # The first frame of a shot differs from the last of the previous one: not motion.
        inside_motion = inside & (times > shot.start + 1e-6)
        m = motion[inside_motion]
        weights = m if m.size and m.sum() > 0 else None
        cx, cy = (np.average(centre[inside_motion], axis=0, weights=weights)
                  if inside_motion.any() else (0.5, 0.5))
        s_inside = (sharp_times >= shot.start) & (sharp_times < shot.end)
        out.append(ShotSignals(
            file_id=findings.file_id, start=shot.start, end=shot.end,
            motion=round(float(np.clip(m.mean() * 8.0, 0, 1)) if m.size else 0.0, 4),
            sharpness=round(float(np.median(sharpness[s_inside])) if s_inside.any() else 0.0, 2),
            brightness=round(float(brightness[inside].mean()) if inside.any() else 0.0, 2),
            motion_center=(round(float(cx), 3), round(float(cy), 3)),
        ))
    return out
