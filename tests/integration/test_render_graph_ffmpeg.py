"""Render graphs run by the real ffmpeg on small generated sources, checked with PyAV and the
ebur128 meter: exact frame counts, sizes, rates, codecs, loudness, burned captions."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import av
import numpy as np
import pytest

from editron.domain.timeline import (
    Caption,
    Clip,
    CropKeyframe,
    DuckKeyframe,
    FrameRate,
    MediaInfo,
    MusicBed,
    Timeline,
    Transition,
)
from editron.edit.captions import safe_area, to_ass
from editron.media.ffmpeg import FfmpegProgress, ffmpeg_path, run_ffmpeg
from editron.media.probe import declared_start
from editron.render.graph import build_render_args
from editron.render.profiles import RenderProfile, codec_names, profile_for
from editron.render.qc import run_qc
from editron.render.qc_parse import QcSpec, read_black_log
from editron.render.segments import RenderSource
from editron.story.styles import default_brand
from tests import media_factory as mf


@dataclass(frozen=True)
class Sources:
    media: dict[str, MediaInfo]
    files: dict[str, RenderSource]
    logo: Path
    music: Path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    root = tmp_path_factory.mktemp("render_sources")
    a = mf.make_clip(root / "a.mp4", seconds=3.0, size="640x360", fps=25, tone_hz=440)
    b = mf.make_clip(root / "b.mp4", seconds=3.0, size="640x360", fps=29.97, tone_hz=660)
    c = mf.make_clip(root / "c.mp4", seconds=2.0, size="640x360", fps=25, audio=False)
    logo = root / "logo.png"
    mf.run_ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=200x100,format=rgba",
                   "-frames:v", "1", str(logo)])
    music = mf.make_audio_wav(root / "music.wav", seconds=1.5, tone_hz=220)
    media = {
        "a": MediaInfo("a", str(a), 3.0, 25.0, 640, 360),
        "b": MediaInfo("b", str(b), 3.0, 29.97, 640, 360),
        "c": MediaInfo("c", str(c), 2.0, 25.0, 640, 360, has_audio=False),
    }
    files = {k: RenderSource(Path(m.path), m.width, m.height, m.has_audio)
             for k, m in media.items()}
    return Sources(media, files, logo, music)


def small(aspect: str = "16:9", fmt: str = "mp4", name: str | None = None) -> RenderProfile:
    base = profile_for(aspect, fmt, name)
    w, h = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (180, 180)}[aspect]
    fast = {"preset": "ultrafast", "crf": 30} if base.preset is not None else {}
    return replace(base, width=w, height=h, **fast)  # type: ignore[arg-type]


def timeline(src: Sources, *, kind: str = "cut", frames: int = 8, aspect: str = "16:9",
             rate: FrameRate = FrameRate(25), **extra: object) -> Timeline:
    # a (25 fps) 1.2 s, b (29.97 fps) 1.4 s, c (no audio) 1.0 s at the timeline rate.
    lengths = [(("a", 10), 30), (("b", 5), 35), (("c", 0), 25)]
    clips: list[Clip] = []
    at = 0
    for i, ((fid, start), n) in enumerate(lengths):
        n = round(n * rate.fps / 25)
        clips.append(Clip(fid, start, start + n, at, name=f"{i + 1:02d} {fid}",
                          transition_in=Transition(kind if i else "cut", frames if i else 0),
                          audio=src.media[fid].has_audio))
        at += n
    w, h = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}[aspect]
    return Timeline("render test", "recap", 1, aspect, w, h, rate, tuple(clips), src.media,
                    **extra)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Probe:
    frames: int
    width: int
    height: int
    rate: str
    video_codec: str
    pix_fmt: str
    audio_codec: str | None
    sample_rate: int
    channels: int
    samples: int


def probe(path: Path) -> Probe:
    with av.open(str(path)) as f:
        v = f.streams.video[0].codec_context
        rate = str(f.streams.video[0].average_rate)
        frames = sum(1 for _ in f.decode(video=0))
        video = (v.width, v.height, rate, v.name, v.pix_fmt or "")
    with av.open(str(path)) as f:
        if not f.streams.audio:
            return Probe(frames, *video, None, 0, 0, 0)
        a = f.streams.audio[0].codec_context
        samples = sum(fr.samples for fr in f.decode(audio=0))
        return Probe(frames, *video, a.name, a.sample_rate, a.channels, samples)


def frame_at(path: Path, index: int) -> np.ndarray:
    with av.open(str(path)) as f:
        for i, frame in enumerate(f.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"{path} has no frame {index}")


def integrated_lufs(path: Path) -> float:
    proc = subprocess.run([ffmpeg_path(), "-hide_banner", "-nostats", "-i", str(path),
                           "-map", "0:a", "-af", "ebur128", "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    found = re.findall(r"^\s+I:\s+(-?[\d.]+) LUFS", proc.stderr, flags=re.MULTILINE)
    assert found, proc.stderr[-2000:]
    return float(found[-1])


def qc_spec(tl: Timeline) -> QcSpec:
    return QcSpec(expected_frames=tl.duration_frames, rate_num=tl.rate.num,
                  rate_den=tl.rate.den, width=320, height=180, video_codec="h264",
                  audio_codec="aac", loudness_target=None)


def render(tl: Timeline, profile: RenderProfile, src: Sources, out: Path,
           captions: Path | None = None, black_log: Path | None = None) -> Probe:
    args = build_render_args(tl, profile, sources=src.files, output=out, captions_ass=captions,
                             black_log=black_log)
    seen: list[FfmpegProgress] = []
    run_ffmpeg(args, duration=tl.duration, on_progress=seen.append, label="render", path=out)
    assert seen and seen[-1].done
    return probe(out)


def test_mixed_rates_render_exact_frames_size_codecs_and_loudness(
        sources: Sources, tmp_path: Path) -> None:
    tl = timeline(sources, rate=FrameRate(30000, 1001))
    p = render(tl, small(), sources, tmp_path / "cut.mp4")
    assert p.frames == tl.duration_frames
    assert (p.width, p.height, p.rate) == (320, 180, "30000/1001")
    assert (p.video_codec, p.pix_fmt, p.audio_codec) == ("h264", "yuv420p", "aac")
    assert (p.sample_rate, p.channels) == (48_000, 2)
    assert abs(p.samples - round(tl.duration * 48_000)) <= 1024  # one AAC frame of priming
    assert abs(integrated_lufs(tmp_path / "cut.mp4") - -14.0) <= 1.0


@pytest.mark.parametrize("kind", ["crossfade", "dip_to_black"])
def test_transitions_keep_the_exact_duration(sources: Sources, tmp_path: Path,
                                             kind: str) -> None:
    # NTSC, so xfade offsets are not whole milliseconds and the count cannot be luck
    tl = timeline(sources, kind=kind, frames=10, rate=FrameRate(30000, 1001))
    out = tmp_path / f"{kind}.mp4"
    p = render(tl, small(), sources, out)
    assert p.frames == tl.duration_frames
    assert abs(p.samples - round(tl.duration * 48_000)) <= 1024  # one AAC frame of priming
    if kind == "dip_to_black":
        cut = tl.clips[1].record_start
        assert frame_at(out, cut - 1).mean() < 20  # black at the cut
        assert frame_at(out, cut - 8).mean() > 60  # picture before the dip


def test_black_tap_finds_what_decoding_the_output_finds(sources: Sources,
                                                        tmp_path: Path) -> None:
    # The tap on the encoder's frames and a full decode of the written file (QC's other mode)
    # see the same black runs, to the frame: one at the bottom of each dip.
    tl = timeline(sources, kind="dip_to_black", frames=12)
    out, log = tmp_path / "dip.mp4", tmp_path / "black.log"
    render(tl, small(), sources, out, black_log=log)
    tapped = read_black_log(log, until=tl.duration)
    spec = replace(qc_spec(tl), max_black_seconds=0.05)
    decoded = run_qc(out, spec).black_segments
    assert len(tapped) == len(decoded) == 2
    frame = 1 / tl.rate.fps
    for got, want in zip(tapped, decoded, strict=True):
        assert all(abs(a - b) <= frame + 1e-6 for a, b in zip(got, want, strict=True))
    for (start, end), clip in zip(tapped, tl.clips[1:], strict=True):
        assert start <= tl.rate.seconds(clip.record_start) <= end
    fast = run_qc(out, spec, black_segments=tapped)
    assert fast.black_segments == tapped and fast.frames == tl.duration_frames
    assert fast.flags == ["black_segment"]  # unplanned at these limits
    assert run_qc(out, replace(spec, max_black_seconds=0.5), black_segments=tapped).passed


def test_captions_are_burned_in_from_an_awkward_path(sources: Sources, tmp_path: Path) -> None:
    brand = default_brand()
    box = safe_area("16:9", 1920, 1080)
    tl = timeline(sources, brand=brand,
                  captions=(Caption(5, 40, ("Hello, world: it's us",), box=box),))
    folder = tmp_path / "it's, a: [dir]"
    folder.mkdir()
    ass = folder / "captions, v1.ass"
    ass.write_text(to_ass(tl, brand, font_name=brand.font_name), encoding="utf-8")
    plain = render(tl, small(), sources, tmp_path / "plain.mp4")
    burned = render(tl, small(), sources, tmp_path / "burned.mp4", captions=ass)
    assert plain.frames == burned.frames == tl.duration_frames
    lower = slice(130, 175)  # the caption-safe band of a 180 px frame
    diff = np.abs(frame_at(tmp_path / "burned.mp4", 20) - frame_at(tmp_path / "plain.mp4", 20))
    assert diff[lower].mean() > 3.0
    after = np.abs(frame_at(tmp_path / "burned.mp4", 60) - frame_at(tmp_path / "plain.mp4", 60))
    assert after.mean() < 1.0  # nothing burned once the caption has ended


def test_vertical_render_with_crop_keyframes_logo_cards_and_ducked_music(
        sources: Sources, tmp_path: Path) -> None:
    base = timeline(sources, aspect="9:16", kind="crossfade", frames=6,
                    brand=default_brand(logo_path=str(sources.logo), title_card="Summit: Day 1",
                                        lower_third="Jane, CEO", outro_card="Thanks!",
                                        card_seconds=0.5),
                    music=MusicBed(str(sources.music), gain_db=-6.0,
                                   ducking=(DuckKeyframe(0, 0.0), DuckKeyframe(20, -12.0))))
    first = base.clips[0]
    moving = (CropKeyframe(0, 0.0, 0.0, 202.5, 360.0),
              CropKeyframe(first.duration - 1, 437.5, 0.0, 202.5, 360.0))
    tl = replace(base, clips=(replace(first, crop=moving),
                              replace(base.clips[1], pad_blur=True), *base.clips[2:]))
    out = tmp_path / "vertical.mp4"
    p = render(tl, small("9:16"), sources, out)
    assert p.frames == tl.duration_frames
    assert (p.width, p.height, p.audio_codec) == (180, 320, "aac")
    start, end = frame_at(out, 2), frame_at(out, first.duration - 3)
    assert np.abs(start - end)[100:220].mean() > 10  # the window panned across the source
    # The same cut without brand or music, to see what the brand and the bed added.
    plain = tmp_path / "plain.mp4"
    render(replace(tl, brand=None, music=None), small("9:16"), sources, plain)
    last = tl.duration_frames - 1

    def changed(index: int) -> float:  # in the band across the middle, where cards sit
        return float(np.abs(frame_at(out, index) - frame_at(plain, index))[140:180].mean())

    assert changed(3) > 8 and changed(last - 3) > 8, "title and outro cards are drawn"
    assert changed(tl.duration_frames // 2) < 3, "no card between them"

    middle = tl.duration_frames // 2  # between the cards: the logo is in one corner
    added = np.abs(frame_at(out, middle) - frame_at(plain, middle)).mean(axis=2)
    corners = [float(added[y:y + 40, x:x + 40].mean()) for y in (0, 280) for x in (0, 140)]
    assert max(corners) > 12 and sorted(corners)[-2] < 3, corners
    # The bed (a 220 Hz tone) is ducked from 0 to -12 dB over the first 20 frames (0.8 s);
    # the clips' own tones are 440 and 660 Hz.
    with av.open(str(out)) as f:
        rate = f.streams.audio[0].codec_context.sample_rate
        sound = np.concatenate([fr.to_ndarray()[0] for fr in f.decode(audio=0)])

    def bed_level(t0: float, t1: float) -> float:
        part = sound[int(t0 * rate): int(t1 * rate)]
        spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
        freqs = np.fft.rfftfreq(len(part), 1 / rate)
        return float(spectrum[(freqs > 210) & (freqs < 230)].max())

    ducked_db = 20 * np.log10(bed_level(0.0, 0.3) / bed_level(0.9, 1.2))
    assert 8.0 < ducked_db < 16.0, f"the bed fell {ducked_db:.1f} dB"


def test_master_prores_mov(sources: Sources, tmp_path: Path) -> None:
    tl = timeline(sources)
    profile = replace(profile_for("16:9", "mov"), width=160, height=90)
    out = tmp_path / "master.mov"
    p = render(tl, profile, sources, out, black_log=tmp_path / "black.log")  # 10-bit tap
    assert read_black_log(tmp_path / "black.log", until=tl.duration) == []
    assert p.frames == tl.duration_frames
    assert (p.video_codec, p.pix_fmt, p.audio_codec) == ("prores", "yuv422p10le", "pcm_s24le")
    assert (p.width, p.height) == (160, 90)
    assert abs(integrated_lufs(out) - -23.0) <= 1.0


def test_web_profile_is_vp9_and_opus_in_webm_and_passes_qc(sources: Sources,
                                                            tmp_path: Path) -> None:
    tl = timeline(sources, kind="crossfade")
    profile = replace(profile_for("16:9", "webm"), width=320, height=180)
    out = tmp_path / "web.webm"
    p = render(tl, profile, sources, out, black_log=tmp_path / "black.log")
    assert p.frames == tl.duration_frames
    assert (p.video_codec, p.pix_fmt, p.audio_codec) == ("vp9", "yuv420p", "opus")
    assert (p.sample_rate, p.channels) == (48_000, 2)
    assert abs(integrated_lufs(out) - -14.0) <= 1.0
    video_codec, audio_codec = codec_names(profile)
    spec = replace(qc_spec(tl), video_codec=video_codec, audio_codec=audio_codec,
                   loudness_target=-14.0)
    report = run_qc(out, spec, black_segments=read_black_log(tmp_path / "black.log",
                                                               until=tl.duration))
    assert report.passed, report.flags


def _decoded_digests(path: Path) -> list[str]:
    """MD5 of the decoded picture and of the decoded sound."""
    done = subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:v",
                           "-f", "md5", "-", "-map", "0:a", "-f", "md5", "-"],
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_skipping_the_stream_probe_renders_the_same_frames_and_sound(tmp_path: Path) -> None:
    """An MP4 that starts 1.5 s in (as trimmed or camera files can): opened without
    ffmpeg's stream probe and seeked past its declared start, a cut from it decodes to the
    same pictures and samples as through the usual probe."""
    late = tmp_path / "late.mp4"
    mf.run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi",
                   "-i", "sine=frequency=440:sample_rate=48000", "-t", "4",
                   "-output_ts_offset", "1.5", "-c:v", "libx264", "-preset", "ultrafast",
                   "-g", "50", "-c:a", "aac", "-shortest", str(late)])
    start = declared_start(late)
    assert start is not None and 1.4 < start < 1.6
    mkv = tmp_path / "late.mkv"
    mf.run_ffmpeg(["-i", str(late), "-c", "copy", str(mkv)])
    assert declared_start(mkv) is None  # other containers keep the probe
    media = {"late": MediaInfo("late", str(late), 4.0, 25.0, 320, 180)}
    tl = Timeline("late", "recap", 1, "16:9", 320, 180, FrameRate(25),
                  (Clip("late", 30, 60, 0),), media)
    digests = []
    for declared in (None, start):
        out = tmp_path / f"cut-{declared is not None}.mp4"
        source = RenderSource(late, 320, 180, True, declared)
        args = build_render_args(tl, small(), sources={"late": source}, output=out)
        assert ("-nofind_stream_info" in args) is (declared is not None)
        run_ffmpeg(args)
        digests.append(_decoded_digests(out))
    assert digests[0] == digests[1]
