"""Every kind of generated test media is fully specified: made twice, in two folders, it
decodes to the same pictures and the same samples (ffmpeg's framemd5 of every stream), and its
truth (boundaries, word times, burst levels) is the same.

A fixture with a random element (an unseeded lavfi source, ``gradients`` without its colours,
sox noise without ``-R``, an encoder whose output depends on the machine) fails here rather
than moving a threshold now and then in the test that uses it."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from editron import demo
from tests import media_factory as mf
from tests.analysis_fixtures import (
    SOURCES,
    make_cut_clip,
    make_event_audio,
    make_event_clip,
    make_face_clip,
    make_logo,
    make_logo_clip,
)
from tests.audio_fixtures import event_audio, mux_with_picture

Made = tuple[list[Path], object]  # the files, and the truth the maker returned about them


def fingerprint(path: Path) -> str:
    """The MD5 of every decoded frame and audio packet of every stream; for a file with
    nothing to decode (text, empty, an mp4 without its index), the SHA-256 of its bytes."""
    proc = subprocess.run([mf.FFMPEG, "-hide_banner", "-loglevel", "quiet", "-i", str(path),
                           "-map", "0", "-f", "framemd5", "-"],
                          capture_output=True, text=True, check=False)
    frames = [line for line in proc.stdout.splitlines() if line and not line.startswith("#")]
    if frames:
        return hashlib.sha256("\n".join(frames).encode()).hexdigest()
    return "bytes:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _cut_clip(folder: Path) -> Made:
    # One shot of each lavfi source, every kind of join, a flash, B-frames (veryfast).
    clip = make_cut_clip(folder / "cuts.mp4", shot_seconds=[1.0] * len(SOURCES),
                         transitions=["cut", "dissolve", "fade", "cut", "dissolve", "fade",
                                      "cut"][: len(SOURCES) - 1],
                         flash_at=[12], preset="veryfast")
    return [clip.path], dataclasses.replace(clip, path=Path(clip.path.name))


def _face_clip(folder: Path) -> Made:
    pytest.importorskip("skimage", reason="scikit-image (dev extra) ships the face photograph")
    return [make_face_clip(folder / "face.mp4", before=1.0, face=1.0)], None


def _logo_clip(folder: Path) -> Made:
    logo = make_logo(folder / "logo.png")
    return [logo, make_logo_clip(folder / "logo.mp4", logo, seconds=5.0)], None


def _sox_event(folder: Path) -> Made:
    audio = make_event_audio(folder / "event.wav", seconds=4.0,
                             speech=[(0.4, "welcome to the summit")],
                             cheers=[(2.2, 1.5, 0.6)])
    return [audio, make_event_clip(folder / "event.mp4", audio, seconds=4.0)], None


def _numpy_event(folder: Path) -> Made:
    truth = event_audio(folder / "event.wav", seconds=4.0, speech=[(0.3, "welcome everyone")],
                        cheers=[(2.6, 1.0, 0.5)], sponsor=(1.3, "thanks Northwind", "Northwind"))
    clip = mux_with_picture(truth.path, folder / "event.mp4", seconds=4.0)
    return [truth.path, clip], dataclasses.replace(truth, path=Path(truth.path.name))


def _busy_clip(folder: Path) -> Made:
    return [mf.make_busy_clip(folder / "busy.mp4", seconds=1.0, size="320x180")], None


def _sample_event(folder: Path) -> Made:
    # The demo's own clips (every picture source it uses), each cut to two seconds.
    short = tuple(dataclasses.replace(c, seconds=2.0, speech_at=0.2, cheers=((1.0, 0.8),))
                  for c in demo.SAMPLE_CLIPS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "SAMPLE_CLIPS", short)
        return demo.make_sample_event(folder, size="160x90", fps=25), None


MAKERS: dict[str, Callable[[Path], Made]] = {
    "cut_clip": _cut_clip,
    "face_clip": _face_clip,
    "logo_clip": _logo_clip,
    "sox_event": _sox_event,
    "numpy_event": _numpy_event,
    "busy_clip": _busy_clip,
    "sample_event": _sample_event,
}


def _fingerprints(folder: Path, files: list[Path]) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): fingerprint(p) for p in files}


def _assert_same(kind: str, first: dict[str, str], second: dict[str, str]) -> None:
    assert [n for n, d in first.items() if not d.startswith("bytes:")], \
        f"{kind}: nothing decodable to compare"
    assert sorted(first) == sorted(second), f"{kind}: made different files"
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, f"{kind}: made twice, these differ: {differ}"


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_fixture_made_twice_decodes_the_same(kind: str, tmp_path: Path) -> None:
    runs = []
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        folder.mkdir()
        files, truth = MAKERS[kind](folder)
        runs.append((_fingerprints(folder, files), truth))
    (first, first_truth), (second, second_truth) = runs
    _assert_same(kind, first, second)
    assert first_truth == second_truth


def test_media_set_made_again_decodes_like_the_sessions(media_dir: Path, tmp_path: Path) -> None:
    """The ingest set behind ``media_dir`` (made once per session, maybe by this test) against
    a second copy; it also catches a test that changed a file of the read-only set."""
    again = tmp_path / "again"
    files = list(mf.make_media_set(again).values())
    session = [media_dir / p.relative_to(again) for p in files]
    _assert_same("media_set", _fingerprints(media_dir, session), _fingerprints(again, files))


def test_fingerprint_sees_one_changed_sample(tmp_path: Path) -> None:
    """The comparison above is only as good as the fingerprint: one sample in two seconds."""
    wav = mf.make_audio_wav(tmp_path / "tone.wav")
    data = bytearray(wav.read_bytes())
    before = fingerprint(wav)
    data[-100] ^= 0x01  # the low bit of a sample near the end (the header is at the start)
    changed = tmp_path / "changed.wav"
    changed.write_bytes(bytes(data))
    assert fingerprint(changed) != before
    assert fingerprint(wav) == before
