from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from editron.analysis import engine
from editron.analysis.base import FileContext
from editron.analysis.decode import FileSpool
from editron.cli.main import app
from editron.config import Settings
from editron.db import repos
from editron.db.repos.events import events_after
from editron.db.session import session_scope
from editron.errors import InputError, InvalidStateError, NotFoundError
from editron.media.probe import probe
from editron.services.analyze import AnalysisPublic, _analysable_proxy, analyze_media_batch
from editron.services.ingest import get_batch, ingest_media_batch
from editron.store import local_folder
from tests.analysis_fixtures import make_cut_clip
from tests.media_factory import make_rotated_clip, make_vfr_clip


def test_analyze_batch_end_to_end(footage: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, brief="Sponsors: Northwind",
                              scope="recap,social", max_iterations=2, settings=settings)
    assert doc.status == "complete" and doc.passes_completed == 2
    assert [t["deliverable"] for t in doc.deliverable_targets] == ["recap", "social"]
    assert doc.shots and doc.energy_curve and doc.summary
    assert doc.artifacts_path and doc.artifacts_path.startswith("batches/")
    folder = local_folder(settings, doc.artifacts_path)
    for name in ("brief.json", "brief.md", "energy.png", "transcript.md"):
        assert (folder / name).stat().st_size > 0
    assert json.loads((folder / "brief.json").read_text())["brief"]["sponsors"] == ["Northwind"]
    assert get_batch(batch.batch_id, settings=settings).status == "analyzed"
    with session_scope(settings.resolved_database_url) as s:
        card = next(t for t in repos.tasks.list_tasks(s, batch_id=batch.batch_id)
                    if t.stage == "analyze")
        assert card.status == "done"
        kinds = [e.event_type for e in events_after(s, 0, batch_id=batch.batch_id)]
    assert "analysis.complete" in kinds
    statuses = [e for e in kinds if e == "batch.status_changed"]
    assert len(statuses) == 4  # downloading, ready, analyzing, analyzed
    scratch = settings.batch_dir(batch.batch_id) / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "spools are cleaned up"


def test_analyze_bad_input(footage: Path, settings: Settings) -> None:
    with pytest.raises(NotFoundError):
        analyze_media_batch(batch_id="nope", settings=settings)
    batch = ingest_media_batch(source_url=str(footage), settings=settings, defer=True)
    with pytest.raises(InvalidStateError, match="only a ready or analysed batch"):
        analyze_media_batch(batch_id=batch.batch_id, settings=settings)
    with pytest.raises(InputError, match="unknown deliverable 'trailer'"):
        analyze_media_batch(batch_id=batch.batch_id, scope="trailer", settings=settings)
    with pytest.raises(InputError, match="passes must be"):
        analyze_media_batch(batch_id=batch.batch_id, max_iterations=4, settings=settings)


def test_cli_analyze_json_contract(footage: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ingest = json.loads(runner.invoke(app, ["ingest", str(footage), "--json"]).stdout)
    brief = tmp_path / "brief.txt"
    brief.write_text("Sponsors: Northwind\ntone: upbeat")
    result = runner.invoke(app, ["analyze", ingest["batch_id"], "--brief", f"@{brief}",
                                 "--passes", "1", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"analysis_id", "batch_id", "passes_completed", "summary", "shots",
                        "transcript", "energy_curve", "hero_moments", "sponsor_moments",
                        "deliverable_targets"}
    assert doc["passes_completed"] == 1
    assert {"file_id", "start", "end"} <= set(doc["shots"][0])
    assert {"file_id", "t", "energy"} <= set(doc["energy_curve"][0])
    missing = runner.invoke(app, ["analyze", ingest["batch_id"], "--brief", "@/no/such/file"])
    assert missing.exit_code == 2


def test_analysis_decodes_the_ingest_proxy_and_finds_the_same_cuts(
        tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ingest decoded each original once to make its proxy; the analysis decodes the proxy
    # (every frame, cheap) instead of the original a second time, and finds the same cuts.
    folder = tmp_path / "event"
    folder.mkdir()
    cuts = make_cut_clip(folder / "cuts.mp4", shot_seconds=[1.6, 2, 1.6, 2],
                         transitions=["cut", "dissolve", "cut"], size="640x360",
                         preset="veryfast")
    make_rotated_clip(folder / "portrait.mp4", seconds=1.0)
    make_vfr_clip(folder / "vfr.mp4")
    batch = ingest_media_batch(source_url=str(folder), settings=settings)
    decoded: dict[str, Path] = {}
    real = engine.decode_pass

    def spy(ctx: FileContext, *args: Any, **kwargs: Any) -> FileSpool:
        decoded[ctx.path.name] = ctx.decode_path
        return real(ctx, *args, **kwargs)

    monkeypatch.setattr(engine, "decode_pass", spy)
    with_proxy = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1,
                                     settings=settings)
    assert decoded["cuts.mp4"].name == decoded["portrait.mp4"].name == "proxy.mp4"
    assert decoded["vfr.mp4"].name == "vfr.mp4"  # a VFR original is analysed as it is
    decoded.clear()
    plain = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1,
                                settings=settings.model_copy(update={"analyse_proxies": False}))
    assert all(path.name != "proxy.mp4" for path in decoded.values())
    ids = {f.relative_path: f.id for f in get_batch(batch.batch_id,
                                                           settings=settings).files}

    def starts(doc: AnalysisPublic, name: str) -> list[int]:
        return [s["start_frame"] for s in doc.shots if s["file_id"] == ids[name]][1:]

    assert starts(with_proxy, "cuts.mp4") == starts(plain, "cuts.mp4")
    assert all(any(abs(b - f) <= 2 for f in starts(with_proxy, "cuts.mp4"))
               for b in cuts.boundaries)
    reports = {r["file_id"]: r["status"] for r in with_proxy.file_reports}
    assert set(reports.values()) == {"analyzed"}


def test_a_proxy_that_does_not_match_its_original_is_not_analysed(
        tmp_path: Path, settings: Settings) -> None:
    clip = make_cut_clip(tmp_path / "a.mp4", shot_seconds=[1, 1], transitions=["cut"])
    shorter = make_cut_clip(tmp_path / "b.mp4", shot_seconds=[1, 0.6], transitions=["cut"])
    original = probe(clip.path)
    assert _analysable_proxy(str(clip.path), original, settings=settings) == clip.path
    assert _analysable_proxy(str(shorter.path), original, settings=settings) is None
    assert _analysable_proxy(str(tmp_path / "gone.mp4"), original, settings=settings) is None
    assert _analysable_proxy(None, original, settings=settings) is None
    off = settings.model_copy(update={"analyse_proxies": False})
    assert _analysable_proxy(str(clip.path), original, settings=off) is None
