"""The ffmpeg argument list that renders one ``Timeline`` with one ``RenderProfile``: a single
ffmpeg process per output, built by a pure function and run by ``media.ffmpeg.run_ffmpeg``.

Every clip is its own input, seeked with ``-ss``/``-t``, conformed to the timeline rate and
padded or trimmed to exactly its frame count, so the file has ``timeline.duration_frames``
frames whatever the sources' rates. Transitions never change the duration: a crossfade
lengthens the outgoing clip by the transition (from the media's handles, else by holding its
last frame), a dip to black fades out and in around the cut. Brand cards overlay the picture;
audio is cut identically, mixed with the ducked music bed and normalised to the profile.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from editron.domain.timeline import BrandPod, Clip, FrameRate, Timeline
from editron.errors import InputError
from editron.render.filters import (
    crop_filter,
    filter_spec,
    fit_filters,
    number,
    piecewise_linear,
    seconds,
    statement,
)
from editron.render.profiles import RenderProfile
from editron.render.qc import black_tap
from editron.story.styles import bundled_font_path

__all__ = ["LOGO_WIDTH_SHARE", "LOWER_THIRD_SECONDS", "RenderSource", "build_loudness_probe_args",
           "build_render_args"]

LOGO_WIDTH_SHARE = 0.12
LIMITER_HEADROOM_DB = 1.0  # the limiter's ceiling under the profile's true peak (encoder overshoot)
LOWER_THIRD_SECONDS = 4.0
_SEEK_SLACK_FRAMES = 2  # read a little past the cut so rate conversion never runs dry
_STEREO = {"sample_fmts": "fltp", "channel_layouts": "stereo"}


@dataclass(frozen=True, slots=True)
class RenderSource:
    """The file read for one ``file_id``: the original, or a proxy for previews. Its size
    scales the timeline's crop keyframes, which are in the original's pixels."""

    path: Path
    width: int
    height: int
    has_audio: bool = True
    # The container's start time when its header alone describes every stream (MP4/MOV, see
    # ``media.probe.declared_start``). Its inputs then skip ffmpeg's stream probe, which
    # decodes a few frames per input: most of an audio pass over two dozen cuts, and
    # seconds of a render that opens each source twice per cut. ffmpeg only learns the start
    # time from that probe, so the seek adds it here. None: probe as usual.
    start_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class _Segment:
    index: int
    clip: Clip
    frames: int  # frames this clip contributes to the graph, crossfade extension included
    read_frames: int  # frames read from the source (the rest hold the last frame)
    xfade_in: int  # crossfade frames shared with the previous segment
    fade_in: int  # dip-to-black frames at the start
    fade_out: int  # dip-to-black frames at the end


def build_render_args(timeline: Timeline, profile: RenderProfile, *,
                      sources: Mapping[str, RenderSource], output: Path,
                      captions_ass: Path | None = None,
                      gain_db: float | None = None,
                      black_log: Path | None = None) -> list[str]:
    """ffmpeg arguments (without the binary) that write ``timeline`` to ``output``.

    ``black_log``: also log the black runs of the finished frames there (``qc.black_tap``), so
    QC need not decode the output's every frame again to find them.

    ``gain_db`` (from ``render.loudness.plan_gain``, measured on the same program) brings the
    mix to the profile's loudness with a fixed gain and a true-peak limiter; without it the
    single-pass ``loudnorm`` estimates as it goes, which misses peaky programs by a few LU."""
    segments = _segments(timeline)
    rate = timeline.rate
    args: list[str] = []  # the runner adds -y and the progress pipe
    graph: list[str] = []
    audio: list[str] = []
    # Each clip's picture and sound are read through separate inputs (-an / -vn). With one
    # input for both, the audio chain (cheap, and run ahead by the muxer and the limiter's
    # lookahead) makes ffmpeg decode the video of later clips long before the video concat
    # wants it, and those frames wait in memory: gigabytes for a recap of two dozen cuts.
    audio_args: list[str] = []
    next_input = len(segments)
    for seg in segments:
        clip = seg.clip
        if clip.file_id not in sources:
            raise InputError(f"no source file for {clip.file_id!r} (clip {clip.name or seg.index})")
        src = sources[clip.file_id]
        window = _input_window(seg, rate, src)
        args += ["-an", *window, "-i", str(src.path)]
        graph += _clip_video(seg, src, timeline, profile)
        audio_in = None
        if _clip_has_audio(seg, src, timeline):
            audio_args += ["-vn", *window, "-i", str(src.path)]
            audio_in, next_input = f"{next_input}:a", next_input + 1
        graph.append(_clip_audio(seg, audio_in, timeline, profile.audio_rate))
        audio.append(f"a{seg.index}")
    args += audio_args
    total = timeline.duration_frames
    video = _join_video(segments, rate, graph)
    graph.append(statement([video], ["tpad=stop_mode=clone:stop=-1",
                                     f"trim=end_frame={total}", "setpts=PTS-STARTPTS"], "prog"))
    video = "prog"
    brand = timeline.brand
    if brand is not None and brand.logo_path:
        # One decoded frame, scaled once: overlay repeats the last logo frame to the end
        # (eof_action=repeat), where -loop 1 would decode and scale the image every frame.
        args += ["-i", brand.logo_path]
        graph += _logo(brand, profile, video, f"{next_input}:v", "logo_on")
        video, next_input = "logo_on", next_input + 1
    if brand is not None:
        cards = _cards(brand, rate, total, profile)
        if cards:
            graph.append(statement([video], cards, "cards_on"))
            video = "cards_on"
    if captions_ass is not None:
        graph.append(statement([video], [_captions(captions_ass, brand)], "captions_on"))
        video = "captions_on"
    finished = filter_spec("format", {"pix_fmts": profile.pix_fmt})
    if black_log is None:
        graph.append(statement([video], [finished], "vout"))
    else:
        graph.append(f"[{video}]{finished},split[vout][vqc]")
        graph.append(f"[vqc]{black_tap(black_log)}")
    total_samples = _samples(total, rate, profile.audio_rate)
    graph.append(statement(audio, [f"concat=n={len(audio)}:v=0:a=1"], "aprog"))
    sound = "aprog"
    if timeline.music is not None:
        args += ["-stream_loop", "-1", "-i", timeline.music.path]
        graph += _music(timeline, f"{next_input}:a", sound, total_samples, profile.audio_rate)
        sound = "amixed"
    graph.append(statement([sound], _loudness(profile, total_samples, gain_db), "aout"))
    args += ["-filter_complex", ";".join(graph)]
    return args + _output_args(profile, output)


def _segments(timeline: Timeline) -> list[_Segment]:
    """The clips in record order, checked to tile ``[0, duration_frames)`` with no gap."""
    clips = sorted(timeline.clips, key=lambda c: c.record_start)
    if not clips:
        raise InputError(f"timeline {timeline.name!r} has no clips to render")
    at = 0
    for c in clips:
        if c.duration <= 0:
            raise InputError(f"clip {c.name or c.file_id!r} is empty")
        if c.record_start != at:
            raise InputError(f"timeline {timeline.name!r} is not contiguous: a clip starts at "
                             f"frame {c.record_start}, expected {at}")
        if c.file_id not in timeline.media:
            raise InputError(f"clip {c.name or c.file_id!r} uses unknown media {c.file_id!r}")
        at = c.record_end
    joins = [_join(prev, cur) for prev, cur in itertools.pairwise(clips)]
    out: list[_Segment] = []
    for i, c in enumerate(clips):
        kind_in, t_in = joins[i - 1] if i > 0 else ("cut", 0)
        kind_out, t_out = joins[i] if i < len(joins) else ("cut", 0)
        ext = t_out if kind_out == "crossfade" else 0
        handles = timeline.rate.frames_floor(timeline.media[c.file_id].duration) - c.source_end
        out.append(_Segment(
            index=i, clip=c, frames=c.duration + ext,
            read_frames=c.duration + min(ext, max(handles, 0)),
            xfade_in=t_in if kind_in == "crossfade" else 0,
            fade_in=t_in // 2 if kind_in == "dip_to_black" else 0,
            fade_out=t_out - t_out // 2 if kind_out == "dip_to_black" else 0,
        ))
    return out


def _join(prev: Clip, cur: Clip) -> tuple[str, int]:
    kind = cur.transition_in.kind
    if kind not in ("cut", "crossfade", "dip_to_black"):
        raise InputError(f"unknown transition {kind!r} into clip {cur.name or cur.file_id!r}")
    frames = min(cur.transition_in.frames, prev.duration, cur.duration)
    return (kind, frames) if kind != "cut" and frames > 0 else ("cut", 0)


def _clip_video(seg: _Segment, src: RenderSource, timeline: Timeline,
                profile: RenderProfile) -> list[str]:
    clip, i, rate = seg.clip, seg.index, timeline.rate
    info = timeline.media[clip.file_id]
    head = ["setpts=PTS-STARTPTS", filter_spec("fps", {"fps": f"{rate.num}/{rate.den}"})]
    crop = crop_filter(clip.crop, scale_x=src.width / info.width,
                       scale_y=src.height / info.height, src_w=src.width, src_h=src.height)
    if crop is not None:
        head.append(crop)
    tail = ["tpad=stop_mode=clone:stop=-1", f"trim=end_frame={seg.frames}",
            "setpts=PTS-STARTPTS"]
    if seg.fade_in:
        tail.append(filter_spec("fade", {"t": "in", "start_frame": 0,
                                         "nb_frames": seg.fade_in}))
    if seg.fade_out:
        # fade's last frame is still 1/nb lit: end one frame early so the cut itself is black.
        nb = max(1, seg.fade_out - 1)
        tail.append(filter_spec("fade", {"t": "out", "start_frame": max(0, seg.frames - 1 - nb),
                                         "nb_frames": nb}))
    return [statement([f"{i}:v"], head, f"c{i}"),
            *fit_filters(f"c{i}", f"f{i}", width=profile.width, height=profile.height,
                         pad_blur=clip.pad_blur),
            statement([f"f{i}"], tail, f"v{i}")]


def _input_window(seg: _Segment, rate: FrameRate, src: RenderSource) -> list[str]:
    """The seek and read length of a clip's input: a little past the cut, so rate
    conversion never runs dry (see ``RenderSource.start_seconds`` for the stream probe)."""
    read = seg.read_frames + _SEEK_SLACK_FRAMES
    length = ["-t", seconds(read, rate.num, rate.den)]
    if src.start_seconds is None:
        return ["-ss", seconds(seg.clip.source_start, rate.num, rate.den), *length]
    start = Fraction(src.start_seconds) + rate.exact(seg.clip.source_start)
    return ["-nofind_stream_info", "-ss", number(start), *length]


def _clip_has_audio(seg: _Segment, src: RenderSource, timeline: Timeline) -> bool:
    return seg.clip.audio and src.has_audio and timeline.media[seg.clip.file_id].has_audio


def _clip_audio(seg: _Segment, audio_in: str | None, timeline: Timeline, audio_rate: int) -> str:
    """The clip's sound from input ``audio_in``, or silence when it has none (``None``)."""
    clip, rate = seg.clip, timeline.rate
    start = _samples(clip.record_start, rate, audio_rate)
    count = _samples(clip.record_end, rate, audio_rate) - start
    fades: list[str] = []
    if seg.fade_in:
        fades.append(filter_spec("afade", {"t": "in", "start_sample": 0, "nb_samples":
                                           _samples(seg.fade_in, rate, audio_rate)}))
    if seg.fade_out:
        n = _samples(seg.fade_out, rate, audio_rate)
        fades.append(filter_spec("afade", {"t": "out", "start_sample": count - n,
                                           "nb_samples": n}))
    trim = [f"atrim=end_sample={count}", "asetpts=PTS-STARTPTS"]
    fmt = filter_spec("aformat", {**_STEREO, "sample_rates": audio_rate})
    if audio_in is not None:
        return statement([audio_in], ["asetpts=PTS-STARTPTS",
                                              f"aresample={audio_rate}", fmt, "apad",
                                              *trim, *fades], f"a{seg.index}")
    silence = filter_spec("anullsrc", {"r": audio_rate, "cl": "stereo"})
    return statement([], [silence, fmt, *trim], f"a{seg.index}")


def _join_video(segments: Sequence[_Segment], rate: FrameRate, graph: list[str]) -> str:
    """Cut-joined runs are concatenated, runs meet in an ``xfade`` at each crossfade."""
    runs: list[list[_Segment]] = []
    for seg in segments:
        if seg.xfade_in and runs:
            runs.append([seg])
        elif runs:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    labels: list[tuple[str, int]] = []
    for r, run in enumerate(runs):
        names = [f"v{s.index}" for s in run]
        frames = sum(s.frames for s in run)
        if len(names) == 1:
            labels.append((names[0], frames))
            continue
        graph.append(statement(names, [f"concat=n={len(names)}:v=1:a=0"], f"run{r}"))
        labels.append((f"run{r}", frames))
    label, length = labels[0]
    for r in range(1, len(runs)):
        nxt, frames = labels[r]
        overlap = runs[r][0].xfade_in
        out = f"xf{r}"
        graph.append(statement([label, nxt], [filter_spec("xfade", {
            "transition": "fade", "duration": seconds(overlap, rate.num, rate.den),
            "offset": seconds(length - overlap, rate.num, rate.den)})], out))
        label, length = out, length + frames - overlap
    return label


def _logo(brand: BrandPod, profile: RenderProfile, video: str, logo_in: str,
          out: str) -> list[str]:
    margin = round(min(profile.width, profile.height) * 0.04)
    width = max(2, round(profile.width * LOGO_WIDTH_SHARE / 2) * 2)
    left, top = str(margin), str(margin)
    right, bottom = f"main_w-overlay_w-{margin}", f"main_h-overlay_h-{margin}"
    corners = {"top-left": (left, top), "top-right": (right, top),
               "bottom-left": (left, bottom), "bottom-right": (right, bottom)}
    if brand.logo_position not in corners:
        raise InputError(f"unknown logo position {brand.logo_position!r}; use "
                         + ", ".join(corners))
    x, y = corners[brand.logo_position]
    opacity = min(1.0, max(0.0, brand.logo_opacity))
    return [statement([logo_in], ["format=rgba", filter_spec("scale", {"w": width, "h": -2}),
                                  filter_spec("colorchannelmixer", {"aa": number(opacity)})],
                      "logo"),
            statement([video, "logo"], [filter_spec("overlay", {
                "x": x, "y": y, "eof_action": "repeat",
                "format": _overlay_format(profile.pix_fmt)})], out)]


def _overlay_format(pix_fmt: str) -> str:
    """overlay's working format for the profile's pixel format. ``auto`` costs a tenth of a
    1080p render (measured in benchmarks/render.py); naming the format keeps a 4:2:2 10-bit
    master at 4:2:2 10-bit without it."""
    chroma = "yuv444" if pix_fmt.startswith("yuv444") else \
        "yuv422" if pix_fmt.startswith("yuv422") else "yuv420"
    return chroma + ("p10" if "10" in pix_fmt else "")


def _cards(brand: BrandPod, rate: FrameRate, total: int, profile: RenderProfile) -> list[str]:
    """Title card over the first ``card_seconds``, the lower third after it, the outro card
    over the last ``card_seconds``; ``n`` is the program's frame, so cards never move a cut."""
    card = min(rate.frames(brand.card_seconds), total)
    short = min(profile.width, profile.height)
    out: list[str] = []
    if brand.title_card:
        out.append(_text(brand, brand.title_card, round(short * 0.09), brand.primary_color,
                         "(w-text_w)/2", "(h-text_h)/2", 0, card - 1))
    if brand.lower_third:
        start = card if brand.title_card else 0
        end = min(total, start + rate.frames(LOWER_THIRD_SECONDS)) - 1
        out.append(_text(brand, brand.lower_third, round(short * 0.05), brand.accent_color,
                         "w*0.06", "h*0.64", start, end))
    if brand.outro_card:
        out.append(_text(brand, brand.outro_card, round(short * 0.08), brand.primary_color,
                         "(w-text_w)/2", "(h-text_h)/2", total - card, total - 1))
    return out


def _text(brand: BrandPod, text: str, size: int, colour: str, x: str, y: str,
          first: int, last: int) -> str:
    return filter_spec("drawtext", {
        "fontfile": brand.font_path, "text": text, "expansion": "none",
        "fontsize": max(8, size), "fontcolor": _colour(colour),
        "borderw": max(1, size // 16), "bordercolor": _colour(brand.outline_color),
        "box": 1, "boxcolor": f"{_colour(brand.outline_color)}@0.45",
        "boxborderw": max(2, size // 3), "x": x, "y": y,
        "enable": f"between(n,{max(0, first)},{max(0, last)})"})


def _captions(path: Path, brand: BrandPod | None) -> str:
    fonts = Path(brand.font_path).parent if brand is not None else bundled_font_path().parent
    return filter_spec("ass", {"filename": str(path), "fontsdir": str(fonts)})


def _music(timeline: Timeline, music_in: str, program: str, total_samples: int,
           audio_rate: int) -> list[str]:
    music = timeline.music
    assert music is not None
    rate = timeline.rate
    fmt = filter_spec("aformat", {**_STEREO, "sample_rates": audio_rate})
    chain = [f"aresample={audio_rate}", fmt, f"atrim=end_sample={total_samples}",
             "asetpts=PTS-STARTPTS",
             filter_spec("volume", {"volume": f"{number(music.gain_db)}dB"})]
    if music.ducking:
        db = piecewise_linear([(rate.seconds(k.frame), k.gain_db) for k in music.ducking], "t")
        chain.append(filter_spec("volume", {"volume": f"pow(10,({db})/20)", "eval": "frame"}))
    return [statement([music_in], chain, "music"),
            statement([program, "music"], [filter_spec("amix", {
                "inputs": 2, "normalize": 0, "duration": "first", "dropout_transition": 0})],
                "amixed")]


def build_loudness_probe_args(timeline: Timeline, profile: RenderProfile, *,
                              sources: Mapping[str, RenderSource],
                              gain_db: float | None = None) -> list[str]:
    """An audio-only pass over the same program mix (no video is decoded) ending in
    ``ebur128``, optionally after ``gain_db`` and the limiter, for ``plan_gain``."""
    segments = _segments(timeline)
    args: list[str] = []
    graph: list[str] = []
    for seg in segments:
        src = sources[seg.clip.file_id]
        args += ["-vn", *_input_window(seg, timeline.rate, src), "-i", str(src.path)]
        graph.append(_clip_audio(seg, f"{seg.index}:a" if _clip_has_audio(seg, src, timeline)
                                 else None, timeline, profile.audio_rate))
    total_samples = _samples(timeline.duration_frames, timeline.rate, profile.audio_rate)
    graph.append(statement([f"a{seg.index}" for seg in segments],
                           [f"concat=n={len(segments)}:v=0:a=1"], "aprog"))
    sound = "aprog"
    if timeline.music is not None:
        args += ["-vn", "-stream_loop", "-1", "-i", timeline.music.path]
        graph += _music(timeline, f"{len(segments)}:a", sound, total_samples,
                        profile.audio_rate)
        sound = "amixed"
    chain = [*_gain_chain(profile, gain_db), "ebur128=peak=true"] if gain_db is not None \
        else ["ebur128=peak=true"]
    graph.append(statement([sound], chain, "ameasure"))
    return [*args, "-filter_complex", ";".join(graph), "-map", "[ameasure]", "-f", "null", "-"]


def _gain_chain(profile: RenderProfile, gain_db: float | None) -> list[str]:
    # alimiter sees sample peaks only: limiting at 4x the rate catches the peaks between
    # samples (as a true-peak meter does), and a dB of room absorbs the encoder's overshoot.
    ceiling = 10 ** ((profile.true_peak - LIMITER_HEADROOM_DB) / 20)
    return [f"aresample={4 * profile.audio_rate}",
            filter_spec("volume", {"volume": f"{number(gain_db or 0.0)}dB"}),
            filter_spec("alimiter", {"limit": f"{ceiling:.4f}", "attack": 5, "release": 50,
                                     "level": 0})]


def _loudness(profile: RenderProfile, total_samples: int,
              gain_db: float | None = None) -> list[str]:
    if gain_db is not None:
        chain = _gain_chain(profile, gain_db)
    else:
        # loudnorm upsamples to 192 kHz internally: bring it back below.
        chain = [filter_spec("loudnorm", {"I": number(profile.loudness_target_lufs),
                                          "TP": number(profile.true_peak),
                                          "LRA": number(profile.loudness_range)})]
    # pin the exact length whatever the filters did to it
    return [*chain, f"aresample={profile.audio_rate}", "apad",
            f"atrim=end_sample={total_samples}", "asetpts=PTS-STARTPTS"]


def _output_args(profile: RenderProfile, output: Path) -> list[str]:
    # No -frames:v: the graph already ends at exactly the timeline's frames (tpad + trim),
    # and with ffmpeg 9 an output frame cap cuts the AAC track ~0.1 s short at NTSC rates.
    args = ["-map", "[vout]", "-map", "[aout]", *profile.video_codec_args]
    if profile.preset is not None:
        args += ["-preset", profile.preset]
    if profile.crf is not None:
        args += ["-crf", str(profile.crf)]
    args += ["-pix_fmt", profile.pix_fmt, *profile.audio_codec_args,
             "-ar", str(profile.audio_rate), "-ac", "2"]
    if profile.faststart:
        args += ["-movflags", "+faststart"]
    return [*args, "-f", profile.container, str(output)]


def _samples(frames: int, rate: FrameRate, audio_rate: int) -> int:
    """Audio samples before timeline frame ``frames``; per-clip counts telescope to the
    program's exact length."""
    return round(rate.exact(frames) * audio_rate)


def _colour(hex_colour: str) -> str:
    return "0x" + hex_colour.lstrip("#").upper()
