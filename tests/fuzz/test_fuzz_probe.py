"""Fuzzed probing: generated clips with bytes flipped, cut, spliced, blanked or pushed in, as
a bad card, a cut download or a careless tool leaves them. ``probe`` answers each with a
plausible description or a ``ProbeError`` naming the file; no other exception, no hang."""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from editron.errors import ProbeError
from editron.media.probe import probe
from tests import media_factory as mf
from tests.fuzz.budget import BUDGETS, fuzz_settings, mutate

SECONDS_PER_PROBE = 5.0

_EDIT = st.tuples(st.sampled_from(["flip", "flip", "cut", "splice", "zero", "insert"]),
                  st.integers(0, 2**31), st.integers(0, 2**16))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("fuzz-clips")
    made = {
        "clip.mp4": mf.make_clip(root / "clip.mp4", seconds=1.0, size="160x120"),
        "clip.mkv": mf.make_clip(root / "clip.mkv", seconds=1.0, size="160x120"),
        "clip.webm": mf.make_clip(root / "clip.webm", seconds=1.0, size="160x120"),
        "clip.mov": mf.make_clip(root / "clip.mov", seconds=1.0, size="160x120", audio=False),
        "tone.wav": mf.make_audio_wav(root / "tone.wav", seconds=1.0),
    }
    return {name: path.read_bytes() for name, path in made.items()}


@pytest.mark.timeout(600)
@BUDGETS
def test_any_damaged_clip_is_described_or_refused_by_name(tmp_path: Path,
                                                         clips: dict[str, bytes],
                                                         examples: int) -> None:
    names = sorted(clips)

    @fuzz_settings(examples)
    @given(st.sampled_from(names), st.lists(_EDIT, min_size=1, max_size=3),
           st.sampled_from(names))
    def check(base: str, edits: list[tuple[str, int, int]], suffix_of: str) -> None:
        data = mutate(clips[base], edits)
        # Sometimes under another file's extension: probing must not trust the name.
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        path = folder / ("damaged" + Path(suffix_of).suffix)
        path.write_bytes(data)
        started = time.monotonic()
        try:
            info = probe(path)
        except ProbeError as exc:
            event("refused")
            assert exc.path == str(path), exc
            assert exc.message and "\n" not in exc.message
        else:
            event("described")
            assert math.isfinite(info.duration_seconds) and info.duration_seconds > 0
            assert info.has_video or info.has_audio
            if info.has_video:
                assert (info.width or 0) > 0 and (info.height or 0) > 0
                assert info.fps is None or (math.isfinite(info.fps) and info.fps > 0)
            if info.audio is not None:
                assert info.audio.channels >= 0 and info.audio.sample_rate >= 0
        finally:
            path.unlink()
        assert time.monotonic() - started < SECONDS_PER_PROBE

    check()
