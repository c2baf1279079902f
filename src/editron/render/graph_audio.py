"""The audio half of the render graph: each clip's sound cut like its picture, the music bed
ducked under it, and the program's gain, limiter and loudness measurement (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from editron.domain.timeline import Timeline
from editron.render.filters import (
    filter_spec,
    number,
    piecewise_linear,
    statement,
)
from editron.render.graph_video import input_window
from editron.render.profiles import RenderProfile
from editron.render.segments import STEREO, RenderSource, Segment, samples_at, segments_of

__all__ = [
    "LIMITER_HEADROOM_DB",
    "build_loudness_probe_args",
    "clip_audio",
    "clip_has_audio",
    "gain_chain",
    "loudness_chain",
    "music_bed",
]


LIMITER_HEADROOM_DB = 1.0  # the limiter's ceiling under the profile's true peak (encoder overshoot)


def clip_has_audio(seg: Segment, src: RenderSource, timeline: Timeline) -> bool:
    return seg.clip.audio and src.has_audio and timeline.media[seg.clip.file_id].has_audio


def clip_audio(seg: Segment, audio_in: str | None, timeline: Timeline, audio_rate: int) -> str:
    """The clip's sound from input ``audio_in``, or silence when it has none (``None``)."""
    clip, rate = seg.clip, timeline.rate
    start = samples_at(clip.record_start, rate, audio_rate)
    count = samples_at(clip.record_end, rate, audio_rate) - start
    fades: list[str] = []
    if seg.fade_in:
        fades.append(filter_spec("afade", {"t": "in", "start_sample": 0, "nb_samples":
                                           samples_at(seg.fade_in, rate, audio_rate)}))
    if seg.fade_out:
        n = samples_at(seg.fade_out, rate, audio_rate)
        fades.append(filter_spec("afade", {"t": "out", "start_sample": count - n,
                                           "nb_samples": n}))
    trim = [f"atrim=end_sample={count}", "asetpts=PTS-STARTPTS"]
    fmt = filter_spec("aformat", {**STEREO, "sample_rates": audio_rate})
    if audio_in is not None:
        return statement([audio_in], ["asetpts=PTS-STARTPTS",
                                              f"aresample={audio_rate}", fmt, "apad",
                                              *trim, *fades], f"a{seg.index}")
    silence = filter_spec("anullsrc", {"r": audio_rate, "cl": "stereo"})
    return statement([], [silence, fmt, *trim], f"a{seg.index}")


def music_bed(timeline: Timeline, music_in: str, program: str, total_samples: int,
           audio_rate: int) -> list[str]:
    music = timeline.music
    assert music is not None
    rate = timeline.rate
    fmt = filter_spec("aformat", {**STEREO, "sample_rates": audio_rate})
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
    segments = segments_of(timeline)
    args: list[str] = []
    graph: list[str] = []
    for seg in segments:
        src = sources[seg.clip.file_id]
        args += ["-vn", *input_window(seg, timeline.rate, src), "-i", str(src.path)]
        graph.append(clip_audio(seg, f"{seg.index}:a" if clip_has_audio(seg, src, timeline)
                                 else None, timeline, profile.audio_rate))
    total_samples = samples_at(timeline.duration_frames, timeline.rate, profile.audio_rate)
    graph.append(statement([f"a{seg.index}" for seg in segments],
                           [f"concat=n={len(segments)}:v=0:a=1"], "aprog"))
    sound = "aprog"
    if timeline.music is not None:
        args += ["-vn", "-stream_loop", "-1", "-i", timeline.music.path]
        graph += music_bed(timeline, f"{len(segments)}:a", sound, total_samples,
                        profile.audio_rate)
        sound = "amixed"
    chain = [*gain_chain(profile, gain_db), "ebur128=peak=true"] if gain_db is not None \
        else ["ebur128=peak=true"]
    graph.append(statement([sound], chain, "ameasure"))
    return [*args, "-filter_complex", ";".join(graph), "-map", "[ameasure]", "-f", "null", "-"]


def gain_chain(profile: RenderProfile, gain_db: float | None) -> list[str]:
    # alimiter sees sample peaks only: limiting at 4x the rate catches the peaks between
    # samples (as a true-peak meter does), and a dB of room absorbs the encoder's overshoot.
    ceiling = 10 ** ((profile.true_peak - LIMITER_HEADROOM_DB) / 20)
    return [f"aresample={4 * profile.audio_rate}",
            filter_spec("volume", {"volume": f"{number(gain_db or 0.0)}dB"}),
            filter_spec("alimiter", {"limit": f"{ceiling:.4f}", "attack": 5, "release": 50,
                                     "level": 0})]


def loudness_chain(profile: RenderProfile, total_samples: int,
              gain_db: float | None = None) -> list[str]:
    if gain_db is not None:
        chain = gain_chain(profile, gain_db)
    else:
        # loudnorm upsamples to 192 kHz internally: bring it back below.
        chain = [filter_spec("loudnorm", {"I": number(profile.loudness_target_lufs),
                                          "TP": number(profile.true_peak),
                                          "LRA": number(profile.loudness_range)})]
    # pin the exact length whatever the filters did to it
    return [*chain, f"aresample={profile.audio_rate}", "apad",
            f"atrim=end_sample={total_samples}", "asetpts=PTS-STARTPTS"]
