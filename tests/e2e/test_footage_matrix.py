"""Footage that real cameras and phones make (``tests.camera_footage``), each file through the
whole lane: ingest -> analyse -> edit -> render -> QC. Each one passes (a rendered social cut
that QC passes) or is refused with a reason that names the file; none fails a batch (the last
test puts every case into one batch).

Renders use the ``preview`` profile (640x360): the graph is the one every profile uses (rate
conform, rotation, tone-mapping, the audio stream, the downmix), at a size that keeps the
matrix to about two minutes on two cores.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from editron.config import Settings
from editron.errors import InputError
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits
from editron.services.ingest import get_batch, ingest_media_batch
from editron.services.render import (
    render_output,
    render_video_deliverables,
    run_render_job_inline,
)
from tests.camera_footage import CASES, make_case

pytestmark = pytest.mark.slow

# What each case must give: "pass", or the refusal's wording (which names the file).
REFUSED = {"audio_only": r"audio_only\.m4a has audio only"}


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("camera-footage")
    return {name: make_case(name, root / name).parent for name in CASES}


def _lane(folder: Path, home: Path) -> tuple[Any, Any]:
    settings = Settings(home=home)
    batch = ingest_media_batch(source_url=str(folder), settings=settings)
    analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    session = generate_video_edits(batch_id=batch.batch_id, deliverable_type="social",
                                   aspect_ratios="16:9", settings=settings)
    request = render_video_deliverables(edit_session_id=session.session_id, formats="mp4",
                                        profile="preview", settings=settings,
                                        enqueue_jobs=False, no_review=True)  # unattended, as `run`
    jobs = [run_render_job_inline(j, settings=settings) for j in request.render_job_ids]
    return get_batch(batch.batch_id, settings=settings), jobs


def _output(job: Any, home: Path) -> Path:
    """The rendered file, read through the media store (the default destination)."""
    return render_output(job.id, settings=Settings(home=home))


def _dominant_hz(path: Path) -> float:
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48_000)
        chunks = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                  for f in resampler.resample(frame)]
    samples = np.concatenate(chunks)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / 48_000)[int(np.argmax(spectrum))])


def _picture(path: Path) -> tuple[dict[str, Any], float]:
    """The output's colour tags and the mean luma (0-255) of its middle frame."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        cc = stream.codec_context
        tags = {"trc": cc.color_trc, "primaries": cc.color_primaries, "matrix": cc.colorspace}
        frames = [f.to_ndarray(format="gray") for f in container.decode(stream)]
    return tags, float(frames[len(frames) // 2].mean())


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_kind_of_footage_passes_or_is_refused_with_its_reason(
        name: str, footage: dict[str, Path], tmp_path: Path) -> None:
    if name in REFUSED:
        with pytest.raises(InputError, match=REFUSED[name]):
            _lane(footage[name], tmp_path / "home")
        return
    batch, jobs = _lane(footage[name], tmp_path / "home")
    assert batch.status == "analyzed"
    assert [f.status for f in batch.files] == ["ready"], batch.files
    assert jobs and all(j.status == "complete" for j in jobs), [j.last_error for j in jobs]
    for job in jobs:
        assert job.qc["passed"], job.qc.get("flags")
        with av.open(str(_output(job, tmp_path / "home"))) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == (640, 360)
            assert container.streams.audio  # silent sources get a silent track
    checks = _CHECKS.get(name)
    if checks is not None:
        checks(batch, jobs, tmp_path / "home")


def _hdr_checks(batch: Any, jobs: list[Any], home: Path) -> None:
    # Tone-mapped: tagged BT.709 SDR, and testsrc2's mid-bright picture stays mid-bright.
    # Read as SDR without the tone map, PQ's code values give a grey, flat picture.
    [file] = batch.files
    assert file.notes["hdr"]["transfer"] in ("smpte2084", "arib-std-b67")
    tags, luma = _picture(_output(jobs[0], home))
    assert tags == {"trc": 1, "primaries": 1, "matrix": 1}, tags
    assert 40 < luma < 200, luma


def _several_audio_checks(batch: Any, jobs: list[Any], home: Path) -> None:
    # The main mix (440 Hz, stereo, default) is heard, not the scratch track (220 Hz) before
    # it or the second mix (660 Hz) after it; the file's notes say which stream and why.
    [file] = batch.files
    assert file.notes["audio_stream"]["index"] == 1
    assert file.notes["audio_stream"]["count"] == 3
    assert "default" in file.notes["audio_stream"]["reason"]
    assert file.audio_channels == 2
    assert abs(_dominant_hz(_output(jobs[0], home)) - 440) < 5


def _portrait_checks(batch: Any, jobs: list[Any], home: Path) -> None:
    [file] = batch.files
    assert (file.resolution, file.rotation) == ("180x320", 90)


def _rate_checks(rate: float) -> Any:
    def check(batch: Any, jobs: list[Any], home: Path) -> None:
        [file] = batch.files
        assert file.fps == pytest.approx(rate, abs=1e-3)
    return check


_CHECKS = {
    "hdr_hlg": _hdr_checks, "hdr_pq": _hdr_checks, "several_audio": _several_audio_checks,
    "portrait_phone": _portrait_checks, "ntsc_23976": _rate_checks(23.976),
    "ntsc_2997": _rate_checks(29.97), "ntsc_5994": _rate_checks(59.94),
    "slowmo_120": _rate_checks(120.0),
}


def test_every_kind_in_one_batch_fails_no_batch(footage: dict[str, Path],
                                                tmp_path: Path) -> None:
    folder = tmp_path / "event"
    for name, case_folder in footage.items():
        (folder / name).mkdir(parents=True)
        for clip in case_folder.iterdir():
            shutil.copy(clip, folder / name / clip.name)
    batch, jobs = _lane(folder, tmp_path / "home")
    assert batch.status == "analyzed"
    assert {f.relative_path.split("/")[0]: f.status for f in batch.files} == {
        name: "ready" for name in CASES}
    assert jobs and all(j.status == "complete" and j.qc["passed"] for j in jobs), [
        (j.last_error, j.qc.get("flags")) for j in jobs]
