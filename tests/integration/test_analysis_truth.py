"""Analysis against generated footage whose truth is known: shot boundaries at known frames,
words at known times, crowd bursts at known times, a sponsor name spoken once."""

from __future__ import annotations

import itertools
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.analysis.speech import WhisperTranscriber
from editron.domain.analysis import AnalysisResult
from editron.media.probe import probe
from tests.analysis_fixtures import (
    make_cut_clip,
    make_event_audio,
    make_event_clip,
    make_logo,
    make_logo_clip,
    speak,
)
from tests.media_factory import run_ffmpeg

PHRASES = ["welcome everyone to the summit", "the keynote starts in five minutes",
           "please find your seats", "thank you all for coming tonight"]
PHRASE_AT = (1.0, 4.5, 36.0, 39.5)
CHEERS = [(9.0, 3.0, 0.4), (30.0, 4.0, 0.9)]  # start, length, volume: the second is loudest
SPONSOR_AT = 18.0


@dataclass(frozen=True)
class Truth:
    path: Path
    # (word, true time, "start" or "end"): the first word's onset and the last word's end of
    # each phrase, read from the synthesised audio itself.
    word_times: list[tuple[str, float, str]]


def _speech_span(path: Path) -> tuple[float, float]:
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)
    loud = np.flatnonzero(np.abs(data) > 0.05 * np.abs(data).max())
    if not loud.size:
        return 0.0, 0.0
    return float(loud[0]) / rate, float(loud[-1]) / rate


@pytest.fixture(scope="module")
def event(tmp_path_factory: pytest.TempPathFactory) -> Truth:
    """45 s of event audio: isolated words at known onsets, a sponsor line, two crowd bursts."""
    root = tmp_path_factory.mktemp("event")
    speech: list[tuple[float, str]] = []
    truth: list[tuple[str, float, str]] = []
    for k, (at, phrase) in enumerate(zip(PHRASE_AT, PHRASES, strict=True)):
        onset, offset = _speech_span(speak(phrase, root / f"probe_{k}.wav"))
        speech.append((at, phrase))
        words = phrase.split()
        truth += [(words[0], at + onset, "start"), (words[-1], at + offset, "end")]
    speech.append((SPONSOR_AT, "This evening is sponsored by Northwind Energy."))
    audio = make_event_audio(root / "event.wav", seconds=45.0, speech=speech, cheers=CHEERS)
    clip = make_event_clip(root / "event.mp4", audio, seconds=45.0)
    return Truth(clip, truth)


@pytest.fixture(scope="module")
def analysed(event: Truth, tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    work = tmp_path_factory.mktemp("work")
    ctx = FileContext("event", event.path, probe(event.path),
                      parse_brief("Sponsors: Northwind"), work)
    result, _ = analyze_files([ctx], max_iterations=3, transcriber=WhisperTranscriber())
    return result


def _same_word(heard: str, expected: str) -> bool:
    from difflib import SequenceMatcher

    letters = "".join(ch for ch in heard.lower() if ch.isalpha())
    return SequenceMatcher(None, letters, expected).ratio() >= 0.8


def test_word_timing_error(analysed: AnalysisResult, event: Truth) -> None:
    words = [w for seg in analysed.transcript for w in seg.words]
    errors = []
    for expected, at, edge in event.word_times:
        # ASR may write "seat" for "seats": compare letters, loosely.
        matches = [w for w in words if _same_word(w.word, expected)]
        assert matches, f"{expected!r} not transcribed: {[w.word for w in words]}"
        errors.append(min(abs((w.start if edge == "start" else w.end) - at) for w in matches))
    print("word timing errors (s):", [round(float(e), 3) for e in errors])
    assert float(np.median(errors)) <= 0.1, errors
    assert max(errors) <= 0.4, errors
    assert all(seg.language == "en" for seg in analysed.transcript)


def test_crowd_peaks_at_known_times(analysed: AnalysisResult) -> None:
    starts = sorted(p.start for p in analysed.crowd_peaks)
    assert len(starts) == len(CHEERS), analysed.crowd_peaks
    for found, (truth, _, _) in zip(starts, CHEERS, strict=True):
        assert abs(found - truth) <= 0.5
    loudest = max(analysed.crowd_peaks, key=lambda p: p.strength_db)
    assert abs(loudest.start - CHEERS[1][0]) <= 0.5
    points_per_second = len(analysed.energy_curve) / 45.0
    assert points_per_second >= 4


def test_sponsor_and_loudest_burst_are_hero_moments(analysed: AnalysisResult) -> None:
    assert [m.name for m in analysed.sponsor_moments] == ["Northwind"]
    mention = analysed.sponsor_moments[0]
    assert SPONSOR_AT <= mention.start <= SPONSOR_AT + 4
    moments = analysed.hero_moments
    assert any(m.start <= mention.start and mention.end <= m.end and "sponsor" in m.tags
               for m in moments)
    loud_t = max(analysed.crowd_peaks, key=lambda p: p.strength_db).t
    assert any(m.start <= loud_t <= m.end and "crowd" in m.tags for m in moments)
    assert all(m.reasons and 0 <= m.confidence <= 1 for m in moments)
    assert analysed.passes_completed == 3


def _f1(found: list[int], truth: list[int], tolerance: int = 2) -> float:
    hits = sum(1 for t in truth if any(abs(t - f) <= tolerance for f in found))
    if hits == 0:
        return 0.0
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


def test_shot_boundaries_f1(tmp_path: Path) -> None:
    clip = make_cut_clip(tmp_path / "cuts.mp4", shot_seconds=[2, 1.6, 2, 2.4, 2, 1.6, 2, 2],
                         transitions=["cut", "dissolve", "cut", "fade", "cut", "dissolve",
                                      "cut"], flash_at=[20, 150])
    ctx = FileContext("cuts", clip.path, probe(clip.path), parse_brief(None), tmp_path / "w")
    result, _ = analyze_files([ctx], max_iterations=1)
    found = [s.start_frame for s in result.shots[1:]]
    assert _f1(found, list(clip.boundaries)) >= 0.9, (found, clip.boundaries)
    kinds = {s.transition for s in result.shots}
    assert {"cut", "dissolve", "fade"} <= kinds
    shots = result.shots
    assert shots[0].start == 0
    assert all(a.end == b.start for a, b in itertools.pairwise(shots))


def test_bad_files_are_reported_not_fatal(tmp_path: Path, media_dir: Path) -> None:
    good = media_dir / "clip.mp4"
    corrupt = tmp_path / "corrupt_tail.mkv"
    data = (media_dir / "clip.mkv").read_bytes()
    corrupt.write_bytes(data[: int(len(data) * 0.6)] + b"\0garbage" * 500)
    broken = tmp_path / "gone.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", str(broken)])
    contexts = [
        FileContext("good", good, probe(good), parse_brief(None), tmp_path / "a"),
        FileContext("tail", corrupt, probe(media_dir / "clip.mkv"), parse_brief(None),
                    tmp_path / "b"),
        FileContext("video", media_dir / "video_only.mp4", probe(media_dir / "video_only.mp4"),
                    parse_brief(None), tmp_path / "c"),
        FileContext("audio", media_dir / "audio_only.wav", probe(media_dir / "audio_only.wav"),
                    parse_brief(None), tmp_path / "d"),
        FileContext("vfr", media_dir / "vfr.mp4", probe(media_dir / "vfr.mp4"),
                    parse_brief(None), tmp_path / "e"),
        FileContext("portrait", media_dir / "portrait.mp4", probe(media_dir / "portrait.mp4"),
                    parse_brief(None), tmp_path / "f"),
        FileContext("gone", broken, probe(broken), parse_brief(None), tmp_path / "g"),
    ]
    broken.unlink()
    result, spools = analyze_files(contexts, max_iterations=2, transcriber=None)
    status = {r.file_id: r.status for r in result.file_reports}
    assert status["gone"] == "failed"
    assert status["good"] == status["video"] == status["audio"] == status["vfr"] == "analyzed"
    assert status["tail"] in ("analyzed", "partial")
    assert {s.file_id for s in result.shots} >= {"good", "video", "vfr", "portrait", "tail"}
    assert not any(s.file_id == "audio" for s in result.shots)
    assert any(p.file_id == "audio" for p in result.energy_curve)
    assert spools["portrait"].frame_shape[0] > spools["portrait"].frame_shape[1], "rotated"


def test_sponsor_logo_found_on_screen(tmp_path: Path) -> None:
    logo = make_logo(tmp_path / "northwind.png")
    clip = make_logo_clip(tmp_path / "logo.mp4", logo)
    brief = parse_brief({"sponsor_logos": [str(logo)]})
    ctx = FileContext("logo", clip, probe(clip), brief, tmp_path / "w")
    result, _ = analyze_files([ctx], max_iterations=2, transcriber=None)
    logos = [m for m in result.sponsor_moments if m.source == "logo"]
    assert len(logos) == 1, result.sponsor_moments
    assert logos[0].name == "northwind"
    assert abs(logos[0].start - 4.0) <= 0.75 and abs(logos[0].end - 7.0) <= 1.0
