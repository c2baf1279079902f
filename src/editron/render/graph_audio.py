"""The audio half of the render graph: each clip's sound cut like its picture, the music bed
ducked under it, and the program's gain, limiter and loudness measurement (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from editron.domain.timeline import FrameRate, Timeline
from editron.render.filters import (
    filter_spec,
    number,
    piecewise_linear,
    statement,
)
from editron.render.graph_video import source_window
from editron.render.profiles import RenderProfile
from editron.render.segments import (
    STEREO,
    AudioRun,
    RenderSource,
    audio_runs,
    samples_at,
    segments_of,
)

__all__ = [
    "LIMITER_ATTACK_MS",
    "LIMITER_HEADROOM_DB",
    "build_loudness_probe_args",
    "gain_chain",
    "loudness_chain",
    "music_bed",
    "run_audio",
    "run_has_audio",
    "run_window",
]


LIMITER_HEADROOM_DB = 1.0  # the limiter's ceiling under the profile's true peak (encoder overshoot)
LIMITER_ATTACK_MS = 5  # the limiter's lookahead; its output lags its input by exactly this


def run_has_audio(run: AudioRun, src: RenderSource, timeline: Timeline) -> bool:
    clip = run.first
    return clip.audio and src.has_audio and timeline.media[clip.sound_file].has_audio


def run_window(run: AudioRun, rate: FrameRate, src: RenderSource) -> list[str]:
    """The seek and read length of a run's sound: from its first clip's sound frame, for
    the run's whole length (the sound is continuous across the run's picture cuts)."""
    return source_window(run.first.sound_start, run.frames, rate, src)


def run_audio(run: AudioRun, audio_in: str | None, timeline: Timeline, audio_rate: int) -> str:
    """The run's sound from input ``audio_in`` as label ``a<index>``, trimmed once to the
    run's samples, or silence when it has none (``None``)."""
    rate = timeline.rate
    start = samples_at(run.record_start, rate, audio_rate)
    count = samples_at(run.record_end, rate, audio_rate) - start
    fades: list[str] = []
    if run.fade_in:
        fades.append(filter_spec("afade", {"t": "in", "start_sample": 0, "nb_samples":
                                           samples_at(run.fade_in, rate, audio_rate)}))
    if run.fade_out:
        n = samples_at(run.fade_out, rate, audio_rate)
        fades.append(filter_spec("afade", {"t": "out", "start_sample": count - n,
                                           "nb_samples": n}))
    trim = [f"atrim=end_sample={count}", "asetpts=PTS-STARTPTS"]
    fmt = filter_spec("aformat", {**STEREO, "sample_rates": audio_rate})
    if audio_in is not None:
        return statement([audio_in], ["asetpts=PTS-STARTPTS",
                                              f"aresample={audio_rate}", fmt, "apad",
                                              *trim, *fades], f"a{run.index}")
    silence = filter_spec("anullsrc", {"r": audio_rate, "cl": "stereo"})
    return statement([], [silence, fmt, *trim], f"a{run.index}")


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
    runs = audio_runs(segments_of(timeline))
    args: list[str] = []
    graph: list[str] = []
    for k, run in enumerate(runs):
        src = sources[run.first.sound_file]
        args += ["-vn", *run_window(run, timeline.rate, src), "-i", str(src.path)]
        graph.append(run_audio(run, f"{k}:a:{src.audio_stream}"
                               if run_has_audio(run, src, timeline) else None,
                               timeline, profile.audio_rate))
    total_samples = samples_at(timeline.duration_frames, timeline.rate, profile.audio_rate)
    graph.append(statement([f"a{run.index}" for run in runs],
                           [f"concat=n={len(runs)}:v=0:a=1"], "aprog"))
    sound = "aprog"
    if timeline.music is not None:
        args += ["-vn", "-stream_loop", "-1", "-i", timeline.music.path]
        graph += music_bed(timeline, f"{len(runs)}:a", sound, total_samples,
                        profile.audio_rate)
        sound = "amixed"
    chain = [*gain_chain(profile, gain_db), "ebur128=peak=true"] if gain_db is not None \
        else ["ebur128=peak=true"]
    graph.append(statement([sound], chain, "ameasure"))
    return [*args, "-filter_complex", ";".join(graph), "-map", "[ameasure]", "-f", "null", "-"]


def gain_chain(profile: RenderProfile, gain_db: float | None) -> list[str]:
    # alimiter sees sample peaks only: limiting at 4x the rate catches the peaks between
    # samples (as a true-peak meter does), and a dB of room absorbs the encoder's overshoot.
    # Its lookahead delays the sound by the attack time; cutting that lead keeps the sound
    # on the picture (alimiter's own latency=1 compensation flushes its buffer unlimited at
    # the end, which let a true peak past the ceiling). The lost tail is padded later.
    ceiling = 10 ** ((profile.true_peak - LIMITER_HEADROOM_DB) / 20)
    oversampled = 4 * profile.audio_rate
    lead = oversampled * LIMITER_ATTACK_MS // 1000
    return [f"aresample={oversampled}",
            filter_spec("volume", {"volume": f"{number(gain_db or 0.0)}dB"}),
            filter_spec("alimiter", {"limit": f"{ceiling:.4f}", "attack": LIMITER_ATTACK_MS,
                                     "release": 50, "level": 0}),
            f"atrim=start_sample={lead}", "asetpts=PTS-STARTPTS"]


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
