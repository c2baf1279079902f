"""Faces followed frame to frame, with how much each one's mouth moves (pass 1, on the shared
decode: nothing is decoded again).

About once a second the frame goes through the Haar face detector (``faces.detect_faces``);
in between, every face already found is followed by template matching on the small grey
frames the decode pass already made (ten times a second: ``TRACK_FPS``), searching around its
last place. A face is lost when the match falls below ``MATCH_MIN`` (a cut, or it left the
frame) or after ``MISSES`` detections in a row that did not see it; a detection refreshes its
box and template. A face the detector saw only once and that did not end soon after is
dropped (a false detection on the background matches itself for ever).

At every step the mouth region (the lower middle of the box, below the eyes) is compared with
the same region a step earlier; the mean difference, less that of the forehead (head moves and
light changes move both), is the mouth-motion signal ``edit.speaker`` matches against the
speech to tell who is talking. Tracks are cut at shot boundaries into each shot's signals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileContext, FileFindings, FrameSample, VideoAnalyser, register
from editron.analysis.faces import detect_faces
from editron.analysis.visual import tracks_in
from editron.domain.analysis import Box, FaceTrack

__all__ = ["DETECT_SECONDS", "TRACK_FPS", "FaceTracker", "mouth_motion"]

TRACK_FPS = 10.0  # boxes per second kept per face (the tracks' frame rate)
DETECT_SECONDS = 1.0
MATCH_MIN = 0.55  # normalised correlation below which the face is lost
SEARCH = 0.5  # look this share of the box's size around its last place
SAME_FACE = 0.3  # a detection overlapping a track this much (IoU) is that face
MISSES = 3
MOUTH = (0.25, 0.65, 0.75, 0.95)  # the mouth region as shares of the box: x0, y0, x1, y1
BROW = (0.25, 0.05, 0.75, 0.3)  # the forehead: moves with the head, not with speech
U8 = npt.NDArray[np.uint8]
PxBox = tuple[float, float, float, float]  # pixels of the analysis frame


@dataclass(slots=True)
class _Live:
    track: int
    template: U8
    box: PxBox
    times: list[float] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    mouth: list[float] = field(default_factory=list)
    prev: tuple[U8, U8] | None = None  # the last step's mouth and forehead patches
    hits: int = 1
    last_hit: float = 0.0
    misses: int = 0
    ended_unseen: bool = False  # ended by ``MISSES``: the tail after the last hit is doubtful


def _patch(gray: U8, box: PxBox, part: tuple[float, float, float, float]) -> U8:
    x, y, w, h = box
    x0, y0 = round(x + part[0] * w), round(y + part[1] * h)
    x1, y1 = max(x0 + 1, round(x + part[2] * w)), max(y0 + 1, round(y + part[3] * h))
    return gray[max(0, y0):max(1, y1), max(0, x0):max(1, x1)]


def mouth_motion(prev: tuple[U8, U8] | None, now: tuple[U8, U8]) -> float:
    """Mean change of the mouth region since the last step, less the forehead's (0..1)."""
    if prev is None:
        return 0.0

    def change(a: U8, b: U8) -> float:
        if a.size == 0 or b.size == 0:
            return 0.0
        if a.shape != b.shape:
            a = np.asarray(cv2.resize(a, (b.shape[1], b.shape[0]),
                                      interpolation=cv2.INTER_AREA), np.uint8)
        return float(cv2.absdiff(a, b).mean()) / 255.0

    return max(0.0, change(prev[0], now[0]) - change(prev[1], now[1]))


def _follow(gray: U8, live: _Live) -> PxBox | None:
    """Where the face went: the best template match around its last box, or None."""
    x, y, w, h = live.box
    th, tw = live.template.shape
    rows, cols = gray.shape
    x0, y0 = int(max(0, x - SEARCH * w)), int(max(0, y - SEARCH * h))
    x1, y1 = int(min(cols, x + w + SEARCH * w)), int(min(rows, y + h + SEARCH * h))
    region = gray[y0:y1, x0:x1]
    if region.shape[0] < th or region.shape[1] < tw or th < 4 or tw < 4:
        return None
    scores = cv2.matchTemplate(region, live.template, cv2.TM_CCOEFF_NORMED)
    _, best, _, at = cv2.minMaxLoc(scores)
    if not math.isfinite(best) or best < MATCH_MIN:
        return None
    return float(x0 + at[0]), float(y0 + at[1]), w, h


def _iou(a: PxBox, b: PxBox) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1e-9, a[2] * a[3] + b[2] * b[3] - inter)


@register
class FaceTracker(VideoAnalyser):
    """Pass 1: every face followed frame to frame, with its mouth movement."""

    NAME = "tracking"
    AFTER = ("visual",)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._live: list[_Live] = []
        self._done: list[_Live] = []
        self._next = 0.0
        self._next_detect = 0.0
        self._ids = 0

    def on_frame(self, frame: FrameSample) -> None:
        if frame.t + 1e-6 < self._next:
            return
        self._next = (math.floor(frame.t * TRACK_FPS + 1e-6) + 1) / TRACK_FPS
        gray = frame.gray
        kept = []
        for live in self._live:
            box = _follow(gray, live)
            if box is None:
                self._done.append(live)
                continue
            live.box = box
            self._record(live, gray, frame.t)
            kept.append(live)
        self._live = kept
        if frame.t + 1e-6 >= self._next_detect:
            self._next_detect = frame.t + DETECT_SECONDS
            self._detect(gray, frame.t)

    def _record(self, live: _Live, gray: U8, t: float) -> None:
        rows, cols = gray.shape
        now = (_patch(gray, live.box, MOUTH), _patch(gray, live.box, BROW))
        x, y, w, h = live.box
        if live.times and abs(live.times[-1] - t) < 1e-6:  # a detection refreshed this step
            live.boxes[-1] = (round(x / cols, 4), round(y / rows, 4), round(w / cols, 4),
                              round(h / rows, 4))
            live.prev = now
            return
        live.mouth.append(round(mouth_motion(live.prev, now), 4))
        live.prev = now
        live.times.append(t)
        live.boxes.append((round(x / cols, 4), round(y / rows, 4), round(w / cols, 4),
                           round(h / rows, 4)))

    def _detect(self, gray: U8, t: float) -> None:
        rows, cols = gray.shape
        found = [(f.x * cols, f.y * rows, f.w * cols, f.h * rows) for f in detect_faces(gray, t)]
        seen: set[int] = set()
        for box in found:
            best = max(self._live, key=lambda lv: _iou(lv.box, box), default=None)
            if best is not None and best.track not in seen and _iou(best.box, box) >= SAME_FACE:
                seen.add(best.track)
                best.box, best.hits, best.last_hit, best.misses = box, best.hits + 1, t, 0
            else:
                self._ids += 1
                best = _Live(self._ids, gray[:1, :1], box, last_hit=t)
                self._live.append(best)
                seen.add(best.track)
            best.template = np.ascontiguousarray(_patch(gray, box, (0.0, 0.0, 1.0, 1.0)))
            self._record(best, gray, t)
        for live in self._live:
            if live.track not in seen:
                live.misses += 1
        for live in self._live:
            live.ended_unseen = live.misses >= MISSES
        self._done += [lv for lv in self._live if lv.ended_unseen]
        self._live = [lv for lv in self._live if lv.misses < MISSES]

    def finish(self, findings: FileFindings) -> None:
        self._done += self._live
        self._live = []
        findings.face_tracks[:] = [t for t in (_track(lv) for lv in self._done)
                                   if t is not None]
        findings.shot_signals[:] = [replace(s, face_tracks=tracks_in(findings, s.start, s.end))
                                    for s in findings.shot_signals]


def _track(live: _Live) -> FaceTrack | None:
    """The live record on the ``TRACK_FPS`` grid (a face the detector stopped seeing ends one
    detection after it last saw it); None for a face seen once that did not end soon after."""
    until = live.last_hit + DETECT_SECONDS if live.ended_unseen else math.inf
    keep = [i for i, t in enumerate(live.times) if t <= until]
    if not keep or (live.hits < 2 and len(live.times) > 1.5 * TRACK_FPS):
        return None
    slots = [round(live.times[i] * TRACK_FPS) for i in keep]
    first = slots[0]
    boxes: list[Box] = []
    mouth: list[float] = []
    for i, slot in zip(keep, slots, strict=True):
        while first + len(boxes) < slot:  # a step the decoder skipped: hold the last box
            boxes.append(boxes[-1])
            mouth.append(mouth[-1])
        if first + len(boxes) == slot:
            boxes.append(live.boxes[i])
            mouth.append(live.mouth[i])
    return FaceTrack(live.track, round(first / TRACK_FPS, 4), 1 / TRACK_FPS, tuple(boxes),
                     tuple(mouth))
