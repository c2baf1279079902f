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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from editron.domain.timeline import Timeline
from editron.errors import InputError
from editron.render.filters import (
    filter_spec,
    statement,
)
from editron.render.graph_audio import (
    loudness_chain,
    music_bed,
    run_audio,
    run_has_audio,
    run_window,
)
from editron.render.graph_overlays import brand_cards, burned_captions, logo_overlay
from editron.render.graph_video import clip_video, input_window, join_video
from editron.render.profiles import RenderProfile
from editron.render.qc_parse import black_tap
from editron.render.segments import (
    RenderSource,
    Segment,
    audio_runs,
    samples_at,
    segments_of,
)

__all__ = ["build_render_args"]


def build_render_args(timeline: Timeline, profile: RenderProfile, *,
                      sources: Mapping[str, RenderSource], output: Path,
                      captions_ass: Path | None = None,
                      gain_db: float | None = None,
                      black_log: Path | None = None,
                      captions_fonts: Path | None = None) -> list[str]:
    """ffmpeg arguments (without the binary) that write ``timeline`` to ``output``.

    ``captions_fonts``: the folder of the burned captions' fonts (``story.fonts.fonts_folder``;
    default: the brand font's folder).

    ``black_log``: also log the black runs of the finished frames there (``qc.black_tap``), so
    QC need not decode the output's every frame again to find them.

    ``gain_db`` (from ``render.loudness.plan_gain``, measured on the same program) brings the
    mix to the profile's loudness with a fixed gain and a true-peak limiter; without it the
    single-pass ``loudnorm`` estimates as it goes, which misses peaky programs by a few LU."""
    segments = segments_of(timeline)
    rate = timeline.rate
    build = _Build()  # the runner adds -y and the progress pipe
    audio = _clip_inputs(build, segments, sources, timeline, profile)
    total = timeline.duration_frames
    video = join_video(segments, rate, build.graph)
    build.graph.append(statement([video], ["tpad=stop_mode=clone:stop=-1",
                                           f"trim=end_frame={total}", "setpts=PTS-STARTPTS"],
                                 "prog"))
    video = _branding(build, timeline, profile, "prog", captions_ass, captions_fonts)
    finished = filter_spec("format", {"pix_fmts": profile.pix_fmt})
    if black_log is None:
        build.graph.append(statement([video], [finished], "vout"))
    else:
        build.graph.append(f"[{video}]{finished},split[vout][vqc]")
        build.graph.append(f"[vqc]{black_tap(black_log)}")
    total_samples = samples_at(total, rate, profile.audio_rate)
    build.graph.append(statement(audio, [f"concat=n={len(audio)}:v=0:a=1"], "aprog"))
    sound = "aprog"
    if timeline.music is not None:
        build.args += ["-stream_loop", "-1", "-i", timeline.music.path]
        build.graph += music_bed(timeline, f"{build.take_input()}:a", sound, total_samples,
                                 profile.audio_rate)
        sound = "amixed"
    build.graph.append(statement([sound], loudness_chain(profile, total_samples, gain_db),
                                 "aout"))
    return [*build.args, "-filter_complex", ";".join(build.graph),
            *_output_args(profile, output)]


@dataclass(slots=True)
class _Build:
    """The inputs and filter statements gathered so far, and the next input's index."""

    args: list[str] = field(default_factory=list)
    graph: list[str] = field(default_factory=list)
    next_input: int = 0

    def take_input(self) -> int:
        index, self.next_input = self.next_input, self.next_input + 1
        return index


def _clip_inputs(build: _Build, segments: Sequence[Segment],
                 sources: Mapping[str, RenderSource], timeline: Timeline,
                 profile: RenderProfile) -> list[str]:
    """Each clip's picture input and chain, then each audio run's sound input and chain; the
    audio labels, in order.

    Picture and sound are read through separate inputs (-an / -vn). With one input for
    both, the audio chain (cheap, and run ahead by the muxer and the limiter's lookahead)
    makes ffmpeg decode the video of later clips long before the video concat wants it, and
    those frames wait in memory: gigabytes for a recap of two dozen cuts. The sound is read
    per run (``segments.audio_runs``), not per clip: a moment cut between angles plays its
    microphone as one trim across the picture cuts."""
    for seg in segments:
        src = _source(sources, seg.clip.file_id, seg)
        build.args += ["-an", *input_window(seg, timeline.rate, src), "-i", str(src.path)]
        build.graph += clip_video(seg, src, timeline, profile)
    build.next_input = len(segments)
    audio: list[str] = []
    for run in audio_runs(list(segments)):
        src = _source(sources, run.first.sound_file, run.segments[0])
        audio_in = None
        if run_has_audio(run, src, timeline):
            build.args += ["-vn", *run_window(run, timeline.rate, src), "-i", str(src.path)]
            audio_in = f"{build.take_input()}:a:{src.audio_stream}"
        build.graph.append(run_audio(run, audio_in, timeline, profile.audio_rate))
        audio.append(f"a{run.index}")
    return audio


def _source(sources: Mapping[str, RenderSource], file_id: str, seg: Segment) -> RenderSource:
    if file_id not in sources:
        raise InputError(f"no source file for {file_id!r} (clip {seg.clip.name or seg.index})")
    return sources[file_id]


def _branding(build: _Build, timeline: Timeline, profile: RenderProfile, video: str,
              captions_ass: Path | None, captions_fonts: Path | None = None) -> str:
    """Logo, brand cards and burned captions over the programme; the label of the result."""
    brand = timeline.brand
    if brand is not None and brand.logo_path:
        # One decoded frame, scaled once: overlay repeats the last logo frame to the end
        # (eof_action=repeat), where -loop 1 would decode and scale the image every frame.
        build.args += ["-i", brand.logo_path]
        build.graph += logo_overlay(brand, profile, video, f"{build.take_input()}:v",
                                    "logo_on")
        video = "logo_on"
    if brand is not None:
        cards = brand_cards(brand, timeline.rate, timeline.duration_frames, profile)
        if cards:
            build.graph.append(statement([video], cards, "cards_on"))
            video = "cards_on"
    if captions_ass is not None:
        build.graph.append(statement([video], [burned_captions(captions_ass, brand,
                                                                  captions_fonts)],
                                     "captions_on"))
        video = "captions_on"
    return video


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


