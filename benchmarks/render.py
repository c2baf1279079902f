"""Render speed: Editron's renderer against a hand-written ffmpeg command and MoviePy, and the
whole ``editron run`` lane against a decode-once + encode-once baseline, in one run.

    .venv/bin/python benchmarks/render.py                     # recap comparison + 10 min lane
    .venv/bin/python benchmarks/render.py --skip-lane         # the recap comparison only
    .venv/bin/python benchmarks/render.py --lane-minutes 3    # a shorter lane
    .venv/bin/python benchmarks/render.py --quick             # smoke run on short inputs

Targets (issue: Render, acceptance point):
  (a) a 59 s 1080p recap (>= 20 cuts, captions, logo): Editron wall time <= 1.15x one
      hand-written ffmpeg command making the same output, and >= 5x faster than MoviePy 2.x;
  (b) ``editron run`` on 10 minutes of 1080p event footage: total <= 1.5x the time to decode
      every source once plus encode every delivered output once, timed around the lane
      (before and after it, once an earlier run has kept its delivered files). The footage
      has camera-like one-second GOPs, as the recap's sources do; ``--lane-gop 250`` makes
      it with x264's default instead, where every cut's seek decodes ~4 s more.
Prints one JSON document on stdout; progress goes to stderr. MoviePy comes from
``make bench-deps``; without it that peer is reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.analysis_fixtures import make_event_audio  # noqa: E402
from tests.media_factory import X264  # noqa: E402

from editron.config import Settings  # noqa: E402
from editron.domain.timeline import (  # noqa: E402
    LOGO_WIDTH_SHARE,
    Caption,
    Clip,
    FrameRate,
    MediaInfo,
    Timeline,
)
from editron.edit.captions import safe_area  # noqa: E402
from editron.edit.exporters import export_timeline  # noqa: E402
from editron.media.ffmpeg import ffmpeg_path, run_ffmpeg  # noqa: E402
from editron.media.probe import declared_start  # noqa: E402
from editron.render.graph import build_render_args  # noqa: E402
from editron.render.loudness import plan_loudness  # noqa: E402
from editron.render.profiles import RenderProfile, profile_for  # noqa: E402
from editron.render.segments import RenderSource  # noqa: E402
from editron.services.lane import run_lane  # noqa: E402
from editron.story.styles import default_brand  # noqa: E402

WORK = HERE / ".work" / "render"
RATE = FrameRate(25)
SIZE = (1920, 1080)
CAMERA_GOP = 30  # frames: a one-second GOP at 30 fps, as cameras and phones write
X264_DEFAULT_GOP = 250
LINES = ["Welcome to the Aurora Summit", "Our first speaker of the evening",
         "Brought to you by Northwind Energy", "A huge round of applause",
         "The award for innovation goes to Borealis", "Thank you all for coming"]
LANE_BRIEF = ("Sponsors: Northwind Energy\nmust use: award, applause\n"
              "tone: upbeat\nA lively recap of the Aurora Summit.")
SPEECH = ["Welcome everyone to the Aurora Summit, we are so glad you could make it tonight.",
          "Please give a huge round of applause for our first speaker of the evening.",
          "This evening is brought to you by Northwind Energy and our friends at Borealis."]


def log(message: str) -> None:
    print(f"[render-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ffmpeg(args: list[str]) -> None:
    subprocess.run([ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
                    *args], check=True)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and every child it has waited for."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def describe(path: Path) -> dict[str, Any]:
    """Frames (counted by demuxing), duration and size of a rendered file."""
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for p in container.demux(video) if p.size)
        duration = float(container.duration or 0) / 1e6
        size = f"{video.codec_context.width}x{video.codec_context.height}"
        audio = bool(container.streams.audio)
    return {"frames": frames, "duration_seconds": round(duration, 3), "size": size,
            "has_audio": audio, "bytes": path.stat().st_size}


# --- (a) the 59 s recap --------------------------------------------------------------------


def make_recap_sources(seconds: int) -> list[Path]:
    """Three 1080p25 H.264/AAC files of moving lavfi pictures with tone and noise audio."""
    pictures = [("testsrc2", "mandelbrot"), ("life=mold=10:ratio=0.2:seed=3", "testsrc"),
                ("cellauto=rule=110:seed=3", "smptehdbars")]
    out: list[Path] = []
    for k, pair in enumerate(pictures):
        target = WORK / f"source{k}-{seconds}s-1080p25.mp4"
        out.append(target)
        if target.exists():
            continue
        WORK.mkdir(parents=True, exist_ok=True)
        log(f"making {target.name}")
        half = seconds / 2
        inputs: list[str] = []
        for src in pair:
            sep = ":" if "=" in src else "="
            inputs += ["-f", "lavfi", "-i", f"{src}{sep}size=1920x1080:rate=25,"
                       f"trim=duration={half},setpts=PTS-STARTPTS"]
        inputs += ["-f", "lavfi", "-i", f"sine=frequency={220 * (k + 1)}:sample_rate=48000",
                   "-f", "lavfi", "-i",
                   "anoisesrc=color=pink:amplitude=0.08:sample_rate=48000:seed=3"]
        graph = ("[0:v]format=yuv420p,setsar=1[p0];[1:v]format=yuv420p,setsar=1[p1];"
                 "[p0][p1]concat=n=2:v=1:a=0[v];"
                 "[2:a][3:a]amix=inputs=2:normalize=0,pan=stereo|c0=c0|c1=c0[a]")
        partial = target.with_suffix(".partial.mp4")
        ffmpeg([*inputs, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
                "-t", str(seconds), *X264, "-preset", "veryfast", "-crf", "23",
                "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", str(partial)])
        partial.rename(target)
    return out


def make_logo(path: Path) -> Path:
    from PIL import Image, ImageDraw

    if path.exists():
        return path
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 596, 196), radius=40, fill=(20, 40, 120, 230),
                           outline=(255, 196, 0, 255), width=8)
    draw.ellipse((30, 40, 150, 160), fill=(255, 196, 0, 255))
    for i in range(5):
        draw.rectangle((190 + i * 75, 70, 240 + i * 75, 130), fill=(255, 255, 255, 255))
    image.save(path)
    return path


def recap_timeline(sources: list[Path], source_seconds: int, total_frames: int, n_clips: int,
                   logo: Path) -> Timeline:
    """``n_clips`` cuts over the three sources, varied lengths, exactly ``total_frames``."""
    pattern = [50, 62, 75, 44, 88, 56, 70, 48]
    lengths = [pattern[i % len(pattern)] for i in range(n_clips)]
    scale = total_frames / sum(lengths)
    lengths = [max(8, round(n * scale)) for n in lengths]
    lengths[-1] += total_frames - sum(lengths)
    media = {f"src{k}": MediaInfo(f"src{k}", str(p), float(source_seconds), RATE.fps,
                                  *SIZE, order=k) for k, p in enumerate(sources)}
    available = source_seconds * RATE.num - 10
    clips: list[Clip] = []
    at = 0
    for i, length in enumerate(lengths):
        start = (i * 211 + 37) % max(1, available - length)
        clips.append(Clip(f"src{i % 3}", start, start + length, at, name=f"cut{i + 1}"))
        at += length
    box = safe_area("16:9", *SIZE)
    step = total_frames // 10
    captions = tuple(Caption(k * step + 5, k * step + step * 2 // 3, (LINES[k % len(LINES)],),
                             box=box) for k in range(10))
    return Timeline("bench recap", "recap", 1, "16:9", *SIZE, RATE, tuple(clips), media,
                    captions=captions, brand=default_brand(logo_path=str(logo)))


def hand_written_args(timeline: Timeline, profile: RenderProfile, ass: Path,
                      output: Path) -> list[str]:
    """What a skilled person writes by hand: every cut an input seeked with -ss/-t, one concat,
    the logo overlaid, the captions burnt in with ass, loudnorm on the audio."""
    brand = timeline.brand
    assert brand is not None and brand.logo_path
    args: list[str] = []
    clips = sorted(timeline.clips, key=lambda c: c.record_start)
    for c in clips:
        args += ["-ss", f"{RATE.seconds(c.source_start):.3f}", "-t",
                 f"{RATE.seconds(c.duration):.3f}", "-i", timeline.media[c.file_id].path]
    n = len(clips)
    args += ["-i", brand.logo_path]
    width = round(profile.width * LOGO_WIDTH_SHARE / 2) * 2
    margin = round(min(profile.width, profile.height) * 0.04)
    fonts = Path(brand.font_path).parent
    graph = ("".join(f"[{i}:v][{i}:a]" for i in range(n)) + f"concat=n={n}:v=1:a=1[v][a];"
             f"[{n}:v]format=rgba,scale={width}:-2,colorchannelmixer=aa={brand.logo_opacity}"
             "[logo];"
             f"[v][logo]overlay=W-w-{margin}:{margin},ass={ass}:fontsdir={fonts}[vout];"
             f"[a]loudnorm=I={profile.loudness_target_lufs:g}:TP={profile.true_peak:g}:"
             f"LRA={profile.loudness_range:g}[aout]")
    return [*args, "-filter_complex", graph, "-map", "[vout]", "-map", "[aout]",
            "-c:v", "libx264", "-profile:v", "high", "-preset", str(profile.preset),
            "-crf", str(profile.crf), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "256k", "-ar", "48000", "-ac", "2",
            "-movflags", "+faststart", str(output)]


def moviepy_render(timeline: Timeline, profile: RenderProfile, output: Path) -> None:
    """The same edit in MoviePy 2.x: subclips concatenated, the logo an ImageClip, captions
    TextClips, all composited and written with libx264 at the same preset and CRF."""
    from moviepy import (
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,
        concatenate_videoclips,
    )

    brand = timeline.brand
    assert brand is not None and brand.logo_path
    readers = {fid: VideoFileClip(m.path) for fid, m in timeline.media.items()}
    try:
        parts = [readers[c.file_id].subclipped(RATE.seconds(c.source_start),
                                               RATE.seconds(c.source_end))
                 for c in sorted(timeline.clips, key=lambda c: c.record_start)]
        video = concatenate_videoclips(parts)
        width = round(profile.width * LOGO_WIDTH_SHARE / 2) * 2
        margin = round(min(profile.width, profile.height) * 0.04)
        logo = (ImageClip(brand.logo_path).resized(width=width).with_opacity(brand.logo_opacity)
                .with_position((profile.width - width - margin, margin))
                .with_duration(video.duration))
        size = round(min(profile.width, profile.height) * 0.055)
        captions = [TextClip(font=brand.font_path, text=" ".join(c.lines), font_size=size,
                             color="white", stroke_color="black", stroke_width=max(2, size // 14))
                    .with_start(RATE.seconds(c.start)).with_duration(RATE.seconds(c.end - c.start))
                    .with_position(("center", round(profile.height * 0.82)))
                    for c in timeline.captions]
        final = CompositeVideoClip([video, logo, *captions], size=(profile.width, profile.height))
        final.write_videofile(str(output), fps=RATE.fps, codec="libx264",
                              preset=str(profile.preset), audio_codec="aac",
                              audio_bitrate="256k", audio_fps=profile.audio_rate,
                              ffmpeg_params=["-crf", str(profile.crf), "-profile:v", "high",
                                             "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
                              temp_audiofile_path=str(output.parent), logger=None)
    finally:
        for reader in readers.values():
            reader.close()


def moviepy_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("moviepy")
    except metadata.PackageNotFoundError:
        return None


def recap_comparison(*, seconds: int, n_clips: int, source_seconds: int, repeat: int,
                     moviepy_repeat: int) -> dict[str, Any]:
    sources = make_recap_sources(source_seconds)
    logo = make_logo(WORK / "logo.png")
    total = RATE.frames(seconds)
    timeline = recap_timeline(sources, source_seconds, total, n_clips, logo)
    profile = profile_for("16:9", "mp4")
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ass = out / "captions.ass"
    ass.write_text(str(export_timeline(timeline, "ass")), encoding="utf-8")
    render_sources = {fid: RenderSource(Path(m.path), m.width, m.height, True,
                                        declared_start(Path(m.path)))  # as a render job does
                      for fid, m in timeline.media.items()}
    has_moviepy = moviepy_version() is not None and moviepy_repeat > 0

    def editron(target: Path) -> None:
        # What a render job does before QC: measure the program's loudness (audio-only
        # passes, not cached here), then the one ffmpeg render with the planned gain.
        plan = plan_loudness(timeline, profile, sources=render_sources)
        args = build_render_args(timeline, profile, sources=render_sources, output=target,
                                 captions_ass=ass, gain_db=plan.gain_db)
        run_ffmpeg(args, duration=timeline.duration, label="render")

    def hand(target: Path) -> None:
        ffmpeg(hand_written_args(timeline, profile, ass, target))

    def moviepy(target: Path) -> None:
        moviepy_render(timeline, profile, target)

    contenders: dict[str, Callable[[Path], None]] = {"editron": editron, "hand_ffmpeg": hand}
    if has_moviepy:
        contenders["moviepy"] = moviepy
    times: dict[str, list[float]] = {k: [] for k in contenders}
    outputs: dict[str, dict[str, Any]] = {}
    order = list(contenders)
    for i in range(max(repeat, moviepy_repeat)):
        # Rotate who goes first each round, so the machine's other load and the page cache
        # do not always favour the same contender.
        for who in order[i % len(order):] + order[:i % len(order)]:
            wanted = moviepy_repeat if who == "moviepy" else repeat
            if i >= wanted:
                continue
            target = out / f"{who}-{i}.mp4"
            log(f"round {i + 1}: {who}")
            seconds_taken = timed(lambda who=who, target=target: contenders[who](target))
            times[who].append(round(seconds_taken, 2))
            log(f"  {who}: {seconds_taken:.1f} s")
            outputs[who] = describe(target)
            if i + 1 < wanted:
                target.unlink()
    best = {k: min(v) for k, v in times.items()}
    report: dict[str, Any] = {
        "recap": {"seconds": timeline.duration, "frames": total, "cuts": len(timeline.clips),
                  "captions": len(timeline.captions), "logo": True, "size": "1920x1080",
                  "rate": str(RATE), "profile": profile.name, "preset": profile.preset,
                  "crf": profile.crf, "sources": [f"{p.name}" for p in sources]},
        "runs_seconds": times, "best_seconds": best, "outputs": outputs,
        "ffmpeg_hand_written_command": " ".join(
            ["ffmpeg", *hand_written_args(timeline, profile, ass, out / "hand.mp4")]),
    }
    ratio_hand = best["editron"] / best["hand_ffmpeg"]
    report["editron_vs_hand_ffmpeg"] = {"ratio": round(ratio_hand, 3), "target": "<= 1.15",
                                        "met": ratio_hand <= 1.15}
    if has_moviepy:
        speedup = best["moviepy"] / best["editron"]
        report["editron_vs_moviepy"] = {
            "speedup": round(speedup, 2), "target": ">= 5", "met": speedup >= 5,
            "moviepy_version": moviepy_version(),
            "moviepy_edit": "subclipped + concatenate_videoclips, logo ImageClip with opacity, "
                            "captions as TextClip (bundled font), CompositeVideoClip, "
                            "write_videofile libx264 same preset/CRF, AAC 256k",
            "moviepy_differences": "no loudnorm (MoviePy has no loudness filter; this makes "
                                   "MoviePy's job lighter), captions drawn by PIL not libass"}
    else:
        report["editron_vs_moviepy"] = {"skipped": "--moviepy-repeat 0" if moviepy_repeat <= 0
                                        else "moviepy not installed; run make bench-deps"}
    return report


# --- (b) the whole lane -----------------------------------------------------------------------


def make_event_footage(minutes: float, gop: int = CAMERA_GOP) -> list[Path]:
    """``minutes`` of 1080p30 H.264 event footage over several files: lavfi scenes with hard
    cuts, room tone, espeak-ng speech (about a third of the time) and sox crowd bursts.

    ``gop`` is the longest keyframe interval in frames. Cameras and phones write short GOPs
    (about 0.5–1 s), and a render's accurate seek decodes from the keyframe before each cut,
    so the default is one second; 250 is x264's own default, for comparison."""
    total = minutes * 60
    files = max(3, math.ceil(total / 120))
    each = round(total / files, 1)
    folder = WORK / f"event-{minutes:g}min" if gop == X264_DEFAULT_GOP else \
        WORK / f"event-{minutes:g}min-gop{gop}"
    scenes = ["testsrc2", "mandelbrot", "life=mold=10:ratio=0.2:seed=3", "cellauto=rule=110:seed=3",
              "smptehdbars", "testsrc"]
    out: list[Path] = []
    for f in range(files):
        target = folder / f"camera{f + 1}.mp4"
        out.append(target)
        if target.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        log(f"making {target.name} ({each:g} s of 1080p30 event footage)")
        with tempfile.TemporaryDirectory(prefix="editron-bench-") as tmp:
            speech, cheers = [], []
            t = 2.0
            while t < each - 8:
                speech.append((t, SPEECH[(len(speech) + f) % len(SPEECH)]))
                if len(speech) % 2 == 0:
                    cheers.append((t + 6.0, 3.0, 0.6))
                t += 15.0
            audio = make_event_audio(Path(tmp) / "event.wav", seconds=each, speech=speech,
                                     cheers=cheers)
            shots = max(2, round(each / 10))
            inputs: list[str] = []
            for k in range(shots):
                src = scenes[(k + f) % len(scenes)]
                sep = ":" if "=" in src else "="
                inputs += ["-f", "lavfi", "-i", f"{src}{sep}size=1920x1080:rate=30,"
                           f"trim=duration={each / shots:.3f},setpts=PTS-STARTPTS"]
            graph = "".join(f"[{k}:v]format=yuv420p,setsar=1[v{k}];" for k in range(shots))
            graph += "".join(f"[v{k}]" for k in range(shots)) + f"concat=n={shots}:v=1:a=0[v]"
            partial = Path(tmp) / target.name
            ffmpeg([*inputs, "-i", str(audio), "-filter_complex", graph, "-map", "[v]",
                    "-map", f"{shots}:a", *X264, "-preset", "veryfast",
                    "-crf", "23", "-g", str(gop), "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-b:a", "160k", "-ar", "48000", "-ac", "2", "-shortest", str(partial)])
            shutil.move(partial, target)
    return out


def encode_outputs(rows: list[dict[str, Any]], scratch: Path) -> list[dict[str, Any]]:
    """The baseline's encode half: every delivered file re-encoded once with its profile's
    codec settings (its decode included), one timing per file."""
    scratch.mkdir(parents=True, exist_ok=True)
    encode: list[dict[str, Any]] = []
    for k, row in enumerate(rows):
        profile = profile_for(row["aspect_ratio"], row["format"])
        target = scratch / f"{k}.{profile.container}"
        args = ["-i", row["path"], *profile.video_codec_args]
        if profile.preset is not None:
            args += ["-preset", profile.preset]
        if profile.crf is not None:
            args += ["-crf", str(profile.crf)]
        args += ["-pix_fmt", profile.pix_fmt, *profile.audio_codec_args,
                 "-ar", str(profile.audio_rate), "-ac", "2", str(target)]
        seconds_taken = timed(lambda args=args: ffmpeg(args))
        encode.append({"deliverable": row["deliverable"], "aspect_ratio": row["aspect_ratio"],
                       "duration_seconds": row["duration_seconds"],
                       "encode_seconds": round(seconds_taken, 2)})
        target.unlink()
    return encode


def decode_sources(footage: list[Path]) -> list[float]:
    """The baseline's decode half: every source decoded once, one timing per file."""
    return [timed(lambda src=src: ffmpeg(["-i", str(src), "-f", "null", "-"]))
            for src in footage]


def _encoded(encode: list[dict[str, Any]]) -> float:
    return float(sum(e["encode_seconds"] for e in encode))


def _footage_signature(footage: list[Path]) -> list[list[Any]]:
    return [[f.name, f.stat().st_size] for f in footage]


def _signature(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["deliverable"], r["variant"], r["aspect_ratio"], r["format"],
                   r["duration_seconds"]) for r in rows)


def _kept_outputs(folder: Path, footage: list[Path]) -> list[dict[str, Any]] | None:
    """The delivered files an earlier lane run kept for this footage, or None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    rows: list[dict[str, Any]] = manifest.get("rows", [])
    if manifest.get("sources") != _footage_signature(footage) or not rows or not all(
            Path(r["path"]).is_file() for r in rows):
        return None
    return rows


def _keep_outputs(folder: Path, footage: list[Path], rows: list[dict[str, Any]]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    kept = []
    for k, row in enumerate(rows):
        target = folder / f"{k}-{Path(row['path']).name}"
        shutil.copy2(row["path"], target)
        kept.append({**row, "path": str(target)})
    (folder / "manifest.json").write_text(json.dumps(
        {"sources": _footage_signature(footage), "rows": kept}))


def lane_comparison(minutes: float, ratios: str | None = None,
                    gop: int = CAMERA_GOP) -> dict[str, Any]:
    """``editron run`` against decoding every source once plus encoding every output once.

    The machine's speed drifts by a tenth or more over the quarter hour a lane takes, so the
    baseline brackets the lane when it can: the sources are decoded before and after it, and
    the delivered files an earlier run kept (same footage, same deliverables) are re-encoded
    before it as well as this run's after it; the ratio uses the means. A first run (nothing
    kept) compares with the after-lane baseline alone, as the JSON says."""
    footage = make_event_footage(minutes, gop)
    work = WORK / "lane"
    kept_dir = WORK / (f"lane-outputs-{minutes:g}min-gop{gop}-"
                       f"{(ratios or 'all').replace(':', 'x')}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(home=work / "home")
    kept = _kept_outputs(kept_dir, footage)
    cpu_started = cpu_seconds()
    encode_before = None
    if kept is not None:
        log(f"re-encoding the {len(kept)} files an earlier run delivered (before the lane)")
        encode_before = encode_outputs(kept, work / "baseline-before")
    log("decoding the sources once before the lane")
    decode_before = decode_sources(footage)
    before_cpu = cpu_seconds() - cpu_started
    log(f"editron run on {len(footage)} files ({minutes:g} min)")
    last = [""]

    def on_stage(stage: str, fraction: float, detail: str) -> None:
        line = f"{stage} {detail}".strip()
        if line != last[0]:
            last[0] = line
            log(f"  {line} ({fraction * 100:.0f} %)")

    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = run_lane(source=str(footage[0].parent), out=work / "out", brief=LANE_BRIEF,
                      name="Bench event", ratios=ratios, settings=settings, on_stage=on_stage)
    wall, lane_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    rows = result.deliverables()
    log(f"lane done in {wall:.1f} s, ok={result.ok}; measuring the baseline")

    cpu_started = cpu_seconds()
    decode = decode_sources(footage)
    delivered = [r for r in rows if r["path"] and r["status"] == "complete"]
    encode = encode_outputs(delivered, work / "baseline")
    after_cpu = cpu_seconds() - cpu_started
    after = sum(decode) + _encoded(encode)
    total = result.stage_seconds.get("total", wall)
    same = kept is not None and _signature(kept) == _signature(delivered)
    bracketed = None
    if encode_before is not None and same:
        bracketed = (sum(decode_before) + sum(decode) + _encoded(encode_before)
                     + _encoded(encode)) / 2
    if result.ok:
        _keep_outputs(kept_dir, footage, delivered)
    baseline = bracketed if bracketed is not None else after
    ratio = total / baseline if baseline else float("inf")
    cpu_baseline = (before_cpu + after_cpu) / 2 if bracketed is not None else after_cpu
    return {
        "ratios": ratios or "16:9,9:16,1:1 (editron run's default)",
        "footage": {"files": len(footage), "minutes": minutes, "size": "1920x1080",
                    "rate": 30, "codec": "H.264 veryfast CRF 23, AAC",
                    "gop_frames": gop},
        "ok": result.ok, "stage_seconds": result.stage_seconds, "wall_seconds": round(wall, 2),
        "deliverables": [{k: r[k] for k in ("deliverable", "variant", "aspect_ratio",
                                             "duration_seconds", "size_bytes", "qc")}
                         for r in rows],
        "baseline": {
            "how": "ffmpeg -i SRC -f null - for every source, plus a re-encode of every "
                   "delivered file with its profile's codec settings; timed after the lane, "
                   "and before it too when an earlier run kept its delivered files "
                   "(bracketed: the mean of both)",
            "after_lane": {"decode_seconds": round(sum(decode), 2),
                           "decode_per_file": [round(d, 2) for d in decode],
                           "encode_seconds": round(_encoded(encode), 2),
                           "encode_per_output": encode, "total_seconds": round(after, 2)},
            "before_lane": {
                "decode_seconds": round(sum(decode_before), 2),
                "encode_seconds": round(_encoded(encode_before), 2)
                if encode_before is not None else None,
                "kept_outputs": "none kept yet (first run)" if kept is None else (
                    "same deliverables as this run" if same else
                    "kept deliverables differ from this run's: not used")},
            "bracketed_seconds": round(bracketed, 2) if bracketed is not None else None,
            "total_seconds": round(baseline, 2)},
        "lane_vs_baseline": {"ratio": round(ratio, 3), "target": "<= 1.5", "met": ratio <= 1.5,
                             "baseline_used": "bracketed" if bracketed is not None
                             else "after the lane only",
                             "ratio_to_after_lane_only": round(total / after, 3)},
        # The same comparison in CPU time (this process, its threads and every ffmpeg it
        # ran). It drifts too: a busy host slows the same work in CPU seconds as well.
        "cpu_seconds": {"lane": round(lane_cpu, 1), "baseline": round(cpu_baseline, 1),
                        "ratio": round(lane_cpu / cpu_baseline, 3) if cpu_baseline else None},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of Editron and of the hand-written command (best kept)")
    parser.add_argument("--moviepy-repeat", type=int, default=None,
                        help="runs of MoviePy (default: --repeat)")
    parser.add_argument("--recap-seconds", type=int, default=59)
    parser.add_argument("--cuts", type=int, default=24)
    parser.add_argument("--lane-minutes", type=float, default=10.0)
    parser.add_argument("--lane-ratios", default=None,
                        help="aspect ratios for the lane (default: editron run's, all three)")
    parser.add_argument("--lane-gop", type=int, default=CAMERA_GOP,
                        help="keyframe interval of the lane's generated footage in frames "
                             f"(default {CAMERA_GOP}, camera-like; {X264_DEFAULT_GOP} is "
                             "x264's default)")
    parser.add_argument("--skip-lane", action="store_true")
    parser.add_argument("--skip-recap", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a 10 s recap from 20 s sources, a 0.6 min lane in "
                             "16:9 only, one run each")
    args = parser.parse_args()
    recap_seconds, source_seconds, lane_minutes = args.recap_seconds, 50, args.lane_minutes
    repeat = args.repeat
    moviepy_repeat = args.moviepy_repeat if args.moviepy_repeat is not None else repeat
    if args.quick:
        recap_seconds, source_seconds, lane_minutes = 10, 20, 0.6
        args.lane_ratios = args.lane_ratios or "16:9"
        repeat = moviepy_repeat = 1
    report: dict[str, Any] = {"benchmark": "render", "quick": args.quick,
                              "ffmpeg": ffmpeg_path(), "cpus": _cpus()}
    if not args.skip_recap:
        report["recap_render"] = recap_comparison(
            seconds=recap_seconds, n_clips=args.cuts, source_seconds=source_seconds,
            repeat=repeat, moviepy_repeat=moviepy_repeat)
    if not args.skip_lane:
        report["lane"] = lane_comparison(lane_minutes, args.lane_ratios, args.lane_gop)
    report["load_average_at_end"] = [round(x, 2) for x in _loadavg()]
    print(json.dumps(report, indent=2))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _loadavg() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    main()
