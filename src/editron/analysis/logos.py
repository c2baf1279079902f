"""Sponsor logos on screen: ORB features of each logo image matched against sampled frames
from the spool (ratio test, then a RANSAC homography; enough inliers means the logo is there).
Runs in pass 2 only when the brief supplies logo images."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from editron.analysis.base import FileFindings, PassTwo, SpoolAnalyser, Window, register
from editron.domain.analysis import SponsorMoment
from editron.errors import InputError

__all__ = ["LogoFinder", "LogoModel", "find_logos", "load_logo"]

cv2_any: Any = cv2
MIN_INLIERS = 12
RATIO = 0.75
GAP_SECONDS = 1.5


@dataclass(frozen=True)
class LogoModel:
    name: str
    keypoints: Any
    descriptors: npt.NDArray[np.uint8]
    size: tuple[int, int]


def _orb() -> Any:
    return cv2_any.ORB_create(nfeatures=1500, scaleFactor=1.2, nlevels=8)


def load_logo(path: Path) -> LogoModel:
    image = cv2_any.imread(str(path), cv2_any.IMREAD_GRAYSCALE)
    if image is None:
        raise InputError(f"sponsor logo {path} cannot be read as an image (PNG or JPEG)")
    if max(image.shape) < 400:  # small logos give few features: enlarge first
        scale = 400 / max(image.shape)
        image = cv2_any.resize(image, None, fx=scale, fy=scale,
                               interpolation=cv2_any.INTER_CUBIC)
    keypoints, descriptors = _orb().detectAndCompute(image, None)
    if descriptors is None or len(keypoints) < MIN_INLIERS:
        raise InputError(f"sponsor logo {path} has too little detail to recognise on screen")
    return LogoModel(path.stem, keypoints, descriptors, (image.shape[1], image.shape[0]))


def _inliers(logo: LogoModel, frame: npt.NDArray[np.uint8], matcher: Any, orb: Any) -> int:
    keypoints, descriptors = orb.detectAndCompute(frame, None)
    if descriptors is None or len(keypoints) < MIN_INLIERS:
        return 0
    pairs = matcher.knnMatch(logo.descriptors, descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return 0
    src = np.array([logo.keypoints[m.queryIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    dst = np.array([keypoints[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    _, mask = cv2_any.findHomography(src, dst, cv2_any.RANSAC, 5.0)
    return int(mask.sum()) if mask is not None else 0


def find_logos(file_id: str, logos: Sequence[LogoModel], frames: npt.NDArray[np.uint8],
               times: Sequence[float], *, every: int = 2) -> list[SponsorMoment]:
    """Spans where each logo is visible, from every ``every``-th spooled frame."""
    matcher = cv2_any.BFMatcher(cv2_any.NORM_HAMMING)
    orb = _orb()
    out: list[SponsorMoment] = []
    for logo in logos:
        hits: list[tuple[float, int]] = []
        for k in range(0, len(times), every):
            count = _inliers(logo, np.asarray(frames[k]), matcher, orb)
            if count >= MIN_INLIERS:
                hits.append((float(times[k]), count))
        span: list[tuple[float, int]] = []
        for hit in [*hits, (float("inf"), 0)]:
            if span and hit[0] - span[-1][0] > GAP_SECONDS:
                best = max(c for _, c in span)
                out.append(SponsorMoment(file_id, span[0][0], span[-1][0] + 0.5, logo.name,
                                         "logo", f"{best} matching features",
                                         round(min(1.0, best / 60), 3)))
                span = []
            if hit[1]:
                span.append(hit)
    return out


@register
class LogoFinder(SpoolAnalyser):
    """Pass 2: the brief's sponsor logos seen in the spooled frames; each sighting is a sponsor
    moment and a window."""

    NAME = "logos"

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        ctx = job.context
        return ctx.probe.has_video and bool(ctx.brief.sponsor_logos) and bool(
            job.spool.frame_times)

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        logos = [load_logo(Path(p)) for p in job.context.brief.sponsor_logos]
        found = find_logos(findings.file_id, logos, job.spool.frames(), job.spool.frame_times)
        findings.sponsor_moments.extend(found)
        findings.windows.extend(Window(m.start, m.end, "logo") for m in found)
