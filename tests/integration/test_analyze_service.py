from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from editron.cli.main import app
from editron.config import Settings
from editron.db import repositories as repo
from editron.db.events import events_after
from editron.db.session import session_scope
from editron.errors import InputError, InvalidStateError, NotFoundError
from editron.services.analyze import analyze_media_batch
from editron.services.ingest import get_batch, ingest_media_batch


def test_analyze_batch_end_to_end(footage: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, brief="Sponsors: Northwind",
                              scope="recap,social", max_iterations=2, settings=settings)
    assert doc.status == "complete" and doc.passes_completed == 2
    assert [t["deliverable"] for t in doc.deliverable_targets] == ["recap", "social"]
    assert doc.shots and doc.energy_curve and doc.summary
    folder = Path(doc.artifacts_path or "")
    for name in ("brief.json", "brief.md", "energy.png", "transcript.md"):
        assert (folder / name).stat().st_size > 0
    assert json.loads((folder / "brief.json").read_text())["brief"]["sponsors"] == ["Northwind"]
    assert get_batch(batch.batch_id, settings=settings).status == "analyzed"
    with session_scope(settings.resolved_database_url) as s:
        card = next(t for t in repo.list_tasks(s, batch_id=batch.batch_id) if t.stage == "analyze")
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
