"""Faces tracked frame to frame with their mouth movement (issue 22.3), in pass 1 on the
shared decode, stored per shot in the analysis document (schema 3; older ones still read)."""

from __future__ import annotations

import numpy as np
import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.analysis.tracking import TRACK_FPS
from editron.domain.analysis import ANALYSIS_SCHEMA_VERSION, AnalysisResult, FaceTrack
from editron.media.probe import probe
from tests.speaker_fixtures import FACES, SECONDS, SpeakerClip, make_speaker_clip, speaker_at

W, H = 640, 360


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory: pytest.TempPathFactory) -> tuple[SpeakerClip, AnalysisResult]:
    root = tmp_path_factory.mktemp("tracking")
    clip = make_speaker_clip(root / "two.mp4")
    ctx = FileContext("two", clip.path, probe(clip.path), parse_brief(None), root / "w")
    result, _ = analyze_files([ctx], max_iterations=1)
    return clip, result


def _who(track: FaceTrack) -> int:
    x, _, w, _ = track.boxes[len(track.boxes) // 2]
    return 0 if (x + w / 2) * W < W / 2 else 1


def test_both_faces_are_followed_in_every_step(two_faces: tuple[SpeakerClip, AnalysisResult]
                                               ) -> None:
    _, result = two_faces
    tracks = [t for s in result.shot_signals for t in s.face_tracks]
    assert {_who(t) for t in tracks} == {0, 1}
    for k in (0, 1):
        mine = [t for t in tracks if _who(t) == k]
        steps = sum(len(t.boxes) for t in mine)
        assert steps >= 0.9 * SECONDS * TRACK_FPS, f"face {k} followed in {steps} steps"
        fx, fy, fw, fh = FACES[k]
        for t in mine:
            assert t.step == pytest.approx(1 / TRACK_FPS)
            for x, y, w, h in t.boxes:  # every box on the face, not interpolated elsewhere
                cx, cy = (x + w / 2) * W, (y + h / 2) * H
                assert fx <= cx <= fx + fw and fy <= cy <= fy + fh


def test_the_speakers_mouth_moves_with_the_speech_and_the_listeners_does_not(
        two_faces: tuple[SpeakerClip, AnalysisResult]) -> None:
    clip, result = two_faces
    tracks = [t for s in result.shot_signals for t in s.face_tracks]
    for k in (0, 1):
        own, other = [], []
        for t in (t for t in tracks if _who(t) == k):
            for i, m in enumerate(t.mouth):
                who = speaker_at(clip, t.start + i * t.step)
                (own if who == k else other).append(m)
        assert np.mean(own) > 5 * max(np.mean(other), 1e-3), (k, np.mean(own), np.mean(other))


def test_tracks_round_trip_and_older_documents_still_read(
        two_faces: tuple[SpeakerClip, AnalysisResult]) -> None:
    _, result = two_faces
    assert ANALYSIS_SCHEMA_VERSION == 3
    back = AnalysisResult.from_dict(result.to_dict())
    assert back.shot_signals == result.shot_signals
    old = result.to_dict()
    old["schema_version"] = 2
    for s in old["shot_signals"]:
        del s["face_tracks"]
    read = AnalysisResult.from_dict(old)
    assert read.schema_version == 3 and all(not s.face_tracks for s in read.shot_signals)
