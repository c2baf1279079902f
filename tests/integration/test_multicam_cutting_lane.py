"""Multicam cutting on generated footage, through edit and a real render (issue 21.4/21.6):
three cameras hear one sound field from their own start times (off the frame grid), at their
own rates, gains, self-noise and microphone colours; each camera's picture is one solid
colour (red, green, blue) that is well exposed only in its turns on the event clock and dark
otherwise, so every change of shade is a shot boundary and a rendered frame says which
camera it came from and when. The wide camera's microphone is by far the cleanest.

The recap (in the standard style: cuts, shots of 2–6 s) must cut its long moments between
the angles on those boundaries, play the wide camera's sound right across the picture cuts
(the rendered waveform follows that microphone's through each cut, with no step), and never
show one event time twice."""

from __future__ import annotations

import subprocess
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from editron.config import Settings
from editron.domain.timeline import Clip, Timeline
from editron.media.ffmpeg import ffmpeg_path
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits, session_timelines
from editron.services.ingest import ingest_media_batch
from editron.services.render import process_render_job, render_video_deliverables
from tests.multicam_fixtures import (
    Camera,
    Recording,
    record,
    shaded_picture,
    sound_field,
    write_camera_file,
)

pytestmark = pytest.mark.slow
RATE = 48_000
F32 = npt.NDArray[np.float32]
# Event seconds at which each camera is the well-exposed one; dark the rest of the time.
TURNS = {
    "wide": [(0.0, 9.0), (17.0, 21.0), (29.0, 33.0)],
    "stage": [(9.0, 13.0), (21.0, 25.0), (33.0, 37.0)],
    "phone": [(13.0, 17.0), (25.0, 29.0), (37.0, 60.0)],
}
BOUNDARIES = (9.0, 13.0, 17.0, 21.0, 25.0, 29.0, 33.0, 37.0)
COLOURS = {
    "wide": ("0xE63C3C", "0x3A0F0F", 0),
    "stage": ("0x3CAA3C", "0x0F2B0F", 1),
    "phone": ("0x4678FF", "0x111E40", 2),
}  # bright, dark, dominant channel
CAMERAS = (
    (
        Camera("wide", 1.013_711, 40, rate=48_000, gain=0.8, noise_db=-62, colour="dull", seed=1),
        "mov",
        "pcm_s16le",
    ),
    (Camera("stage", 6.520_113, 34, rate=44_100, gain=0.5, noise_db=-34, seed=2), "mp4", "aac"),
    (
        Camera(
            "phone", 11.371_707, 30, rate=48_000, gain=1.5, noise_db=-32, colour="phone", seed=3
        ),
        "mp4",
        "aac",
    ),
)
START = {cam.name: cam.start for cam, _, _ in CAMERAS}


@pytest.fixture(scope="module")
def cut_event(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Recording]]:
    work = tmp_path_factory.mktemp("multicam_cut")
    folder = work / "event"
    folder.mkdir()
    field = sound_field(work / "parts", seconds=45, rate=RATE, seed=71)
    recordings = {}
    for cam, ext, codec in CAMERAS:
        rec = record(field, RATE, cam)
        bright, dark, _ = COLOURS[cam.name]
        lit = [
            (max(0.0, a - cam.start), b - cam.start) for a, b in TURNS[cam.name] if b > cam.start
        ]
        write_camera_file(
            rec,
            folder / f"{cam.name}.{ext}",
            audio_codec=codec,
            picture=shaded_picture(bright, dark, lit),
        )
        recordings[cam.name] = rec
    return folder, recordings


def _decode(path: Path, args: list[str]) -> bytes:
    cmd = [ffmpeg_path(), "-v", "error", "-nostdin", "-i", str(path), *args, "-"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def _frames(path: Path) -> npt.NDArray[np.uint8]:
    """Every frame of ``path`` shrunk to 32x18, as (frames, 18, 32, 3) RGB."""
    raw = _decode(path, ["-vf", "scale=32:18:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24"])
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18, 32, 3)


def _camera_of(frame: npt.NDArray[np.uint8]) -> tuple[str, bool]:
    """Which camera a frame shows (its dominant channel) and whether it is the bright shade;
    read from the middle of the frame, clear of burned captions."""
    rgb = np.median(frame[5:12, 8:24].reshape(-1, 3), axis=0)
    name = next(n for n, (_, _, ch) in COLOURS.items() if ch == int(np.argmax(rgb)))
    return name, bool(rgb.max() > 110)


def _event_t(name: str, frame: float, fps: float) -> float:
    return START[name] + frame / fps  # the truth: each camera's clock is exact here


def _lit(name: str, event_t: float) -> bool:
    return any(a <= event_t < b for a, b in TURNS[name])


def _moment_key(c: Clip) -> tuple[str, ...]:
    return tuple(w for w in c.why if not w.startswith("angle: "))


def _moments(tl: Timeline) -> list[list[Clip]]:
    """The timeline's clips grouped into moments: pieces whose sound runs on, cut-joined."""
    out: list[list[Clip]] = []
    for c in tl.clips:
        prev = out[-1][-1] if out else None
        if (
            prev is not None
            and c.audio_file_id is not None
            and c.transition_in.kind == "cut"
            and c.sound_file == prev.sound_file
            and c.sound_start == prev.sound_start + prev.duration
        ):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _check_picture(tl: Timeline, names: dict[str, str], frames: npt.NDArray[np.uint8]) -> None:
    """Every clip shows its camera at its event time; the picture cuts inside a blueprint
    moment fall on shot boundaries, mostly to the camera whose turn it is."""
    fps = tl.rate.fps
    bright = []
    moments = _moments(tl)
    for k, moment in enumerate(moments):
        # frames under the transitions into and out of the moment show two things at once
        first = moment[0].record_start + moment[0].transition_in.frames + 2
        last = (
            moment[-1].record_end
            - 2
            - (moments[k + 1][0].transition_in.frames if k + 1 < len(moments) else 0)
        )
        for n, c in enumerate(moment):
            name = names[c.file_id]
            for r in (c.record_start + c.duration // 2, c.record_start + 2, c.record_end - 3):
                t = _event_t(name, c.source_start + r - c.record_start, fps)
                if (
                    min(abs(t - b) for b in BOUNDARIES) < 3 / fps
                    or r >= len(frames)
                    or not first <= r < last
                ):
                    continue
                assert _camera_of(frames[r]) == (name, _lit(name, t)), (c, r, t)
            if len(moment) > 1:
                mid = _event_t(name, c.source_start + c.duration / 2, fps)
                bright.append(_lit(name, mid))
            if n and _moment_key(moment[n - 1]) == _moment_key(c):  # an angle cut
                t0 = _event_t(name, c.source_start, fps)
                assert min(abs(t0 - b) for b in BOUNDARIES) <= 1.5 / fps, (c, t0)
    assert bright and sum(bright) >= 0.75 * len(bright), bright


def _residual(y: F32, x: F32) -> tuple[float, float]:
    """The gain that best maps ``x`` onto ``y`` and what is left, relative to ``y``."""
    gain = float(np.dot(x, y) / max(float(np.dot(x, x)), 1e-12))
    left = float(np.sqrt(np.mean((y - gain * x) ** 2)) / max(np.sqrt(np.mean(y**2)), 1e-9))
    return gain, left


def _check_sound_at_cut(out: F32, master: F32, record_t: float, file_t: float) -> None:
    """Around a picture cut the program is the master microphone's sound, unbroken: one
    gain fits both sides, and little is left on either side."""
    half = int(0.3 * RATE)
    y = out[int(record_t * RATE) - half : int(record_t * RATE) + half]
    at = int(file_t * RATE)
    # the limiter's lookahead is trimmed off, so the program sits on its sources; AAC's
    # framing can still shift it a little: search ±10 ms for the alignment
    lags = range(-480, 481, 4)
    best = max(lags, key=lambda k: float(np.dot(y, master[at - half + k : at + half + k])))
    best = max(
        range(best - 4, best + 5),
        key=lambda k: float(np.dot(y, master[at - half + k : at + half + k])),
    )
    x = master[at - half + best : at + half + best]
    assert abs(best) <= 480 and x.size == y.size
    _, whole = _residual(y, x)
    gains = [_residual(y[s], x[s])[0] for s in (slice(0, half), slice(half, None))]
    lefts = [_residual(y[s], x[s])[1] for s in (slice(0, half), slice(half, None))]
    # AAC (the phone's file, then the program) keeps a noisy microphone's waveform only
    # roughly, so up to about half is left over in quiet stretches; the far side of a change
    # of microphone would leave all of it (a residual near 1)
    assert whole < 0.6 and max(lefts) < 0.6, (whole, lefts)
    # the program's limiter rides the level a little (a crowd burst on one side); a change
    # of microphone would leave a gain tens of dB off on one side
    assert abs(20 * np.log10(gains[0] / gains[1])) < 3.0, gains


def _check_event_times_once(tl: Timeline, names: dict[str, str]) -> None:
    """No two clips show the same event time (beyond a transition's overlap)."""
    fps = tl.rate.fps
    spans = [
        (
            _event_t(names[c.file_id], c.source_start, fps),
            _event_t(names[c.file_id], c.source_end, fps),
        )
        for c in tl.clips
    ]
    longest = max(c.transition_in.frames for c in tl.clips) / fps
    for (a0, a1), (b0, b1) in combinations(spans, 2):  # no event time used twice
        assert min(a1, b1) - max(a0, b0) <= longest + 1 / fps, spans


def _check_sound(
    path: Path,
    tl: Timeline,
    names: dict[str, str],
    switched: list[list[Clip]],
    folder: Path,
    recordings: dict[str, Recording],
) -> None:
    """At every picture cut of the switched moments the program plays its microphone's
    file unbroken."""
    fps = tl.rate.fps
    out = np.frombuffer(
        _decode(path, ["-map", "0:a", "-ac", "1", "-ar", str(RATE), "-f", "f32le"]),
        dtype=np.float32,
    )
    cuts = [
        (c.record_start / fps, c.sound_start / fps, names[c.sound_file])
        for m in switched
        for c in m[1:]
    ]
    assert cuts
    files = {cam.name: folder / f"{cam.name}.{ext}" for cam, ext, _ in CAMERAS}
    heard = {
        mic: np.frombuffer(
            _decode(files[mic], ["-map", "0:a", "-ac", "1", "-ar", str(RATE), "-f", "f32le"]),
            dtype=np.float32,
        )
        for _, _, mic in cuts
    }
    assert np.allclose(heard["wide"][:RATE], recordings["wide"].samples[:RATE], atol=1e-3)
    for record_t, file_t, mic in cuts:  # against what that microphone's file holds
        _check_sound_at_cut(out, heard[mic], record_t, file_t)


def test_long_moments_cut_between_angles_over_one_microphone(
    cut_event: tuple[Path, dict[str, Recording]], settings: Settings, tmp_path: Path
) -> None:
    folder, recordings = cut_event
    batch = ingest_media_batch(source_url=str(folder), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    names = {r["file_id"]: Path(r["filename"]).stem for r in doc.file_reports}
    assert all(r["event_offset"] is not None for r in doc.sync), doc.sync
    session = generate_video_edits(
        batch_id=batch.batch_id,
        deliverable_type="recap",
        aspect_ratios="16:9",
        reference_style="standard",
        settings=settings,
    )
    _, timelines = session_timelines(session.session_id, settings=settings)
    tl = timelines[0]
    moments = _moments(tl)
    switched = [m for m in moments if len({c.file_id for c in m}) > 1]
    assert switched, [(names[c.file_id], c.record_start, c.duration) for c in tl.clips]
    for m in moments:  # the sound: one microphone per moment, the cleanest one of those
        # that heard all of it
        if any(w.startswith("sound from") for w in m[0].why):
            assert {names[c.sound_file] for c in m} == {"wide"}, m
    assert any(names[m[0].sound_file] == "wide" for m in switched)
    # some of those cuts are inside one blueprint moment (its pieces share its explanation)
    inside = [(p, c) for m in switched for p, c in pairwise(m) if _moment_key(p) == _moment_key(c)]
    assert inside and all(c.file_id != p.file_id for p, c in inside)
    _check_event_times_once(tl, names)

    request = render_video_deliverables(
        edit_session_id=session.session_id,
        destinations=str(tmp_path / "out"),
        profile="preview",
        settings=settings,
        enqueue_jobs=False,
        no_review=True,
    )
    job = process_render_job(request.render_job_ids[0], settings=settings)
    assert job.status == "complete", job.last_error
    path = Path(job.output_urls[0].removeprefix("file://"))
    _check_picture(tl, names, _frames(path))
    _check_sound(path, tl, names, switched, folder, recordings)
