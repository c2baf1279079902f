"""A seeded Editron home for the API fuzz tests: one of everything a path parameter can name.

Made once per session through the project's own services (never raw SQL): a project, a batch
ingested from a generated 4 s lavfi clip, its analysis, two edit sessions with timelines (one
approved with a review, one waiting for review), a render job queued on the in-memory queue
(no worker, so it stays queued), a watched Dropbox folder with its own token, and an API token
with every scope. Each test gets a copy of the home (``seeded_api``), so what one fuzz run
writes no other test sees. ``Seeded.path_values`` is what the fuzz tests draw path
parameters from."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from editron.config import Settings
from editron.db.runtime import ready
from editron.db.session import dispose_engines
from editron.domain.access import ALL_SCOPES
from editron.services.analyze import analyze_media_batch, latest_analysis
from editron.services.edit import generate_video_edits
from editron.services.feedback import give_feedback
from editron.services.ingest import ingest_media_batch
from editron.services.projects import create_project
from editron.services.render import render_video_deliverables
from editron.services.requests import FeedbackRequest
from editron.services.sources import add_dropbox_source
from editron.services.tokens import create_token
from tests import media_factory as mf
from tests.conftest import _relocate

__all__ = ["MISSING_ID", "Seeded", "seeded_api", "seeded_master"]

# An id of the right shape that names nothing, so every id parameter also meets a 404.
MISSING_ID = "00000000-0000-4000-8000-000000000000"
QUEUE = "memory://"


@dataclass(frozen=True)
class Seeded:
    settings: Settings
    token: str
    project_id: str
    batch_id: str
    file_id: str
    analysis_id: str
    session_id: str  # approved, with a review and a queued render job
    review_session_id: str  # needsreview
    render_job_id: str
    source_id: str

    @property
    def path_values(self) -> dict[str, list[str]]:
        """Every id path parameter's seeded values, and one that names nothing."""
        return {
            "project_id": [self.project_id, MISSING_ID],
            "batch_id": [self.batch_id, MISSING_ID],
            "analysis_id": [self.analysis_id, MISSING_ID],
            "session_id": [self.session_id, self.review_session_id, MISSING_ID],
            "job_id": [self.render_job_id, MISSING_ID],
            "source_id": [self.source_id, MISSING_ID],
        }

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _seed(settings: Settings, footage: Path) -> Seeded:
    project = create_project(
        name="Fuzz Summit",
        client_name="Northwind",
        brand={"primary_color": "#0A2540"},
        settings=settings,
    )
    batch = ingest_media_batch(source_url=str(footage), project_id=project.id, settings=settings)
    assert batch.status == "ready" and batch.files, batch
    analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    analysis = latest_analysis(batch.batch_id, settings=settings)
    assert analysis is not None
    approved = generate_video_edits(
        batch_id=batch.batch_id,
        deliverable_type="social",
        aspect_ratios="16:9,9:16",
        settings=settings,
    )
    waiting = generate_video_edits(
        batch_id=batch.batch_id,
        deliverable_type="highlight",
        aspect_ratios="1:1",
        settings=settings,
    )
    assert approved.status == waiting.status == "needsreview", approved.last_error
    give_feedback(
        approved.session_id, FeedbackRequest(decision="approve", notes="Ship it"), settings=settings
    )
    renders = render_video_deliverables(
        edit_session_id=approved.session_id, ratios=["16:9"], profile="preview", settings=settings
    )
    source = add_dropbox_source(
        folder_path="/Events/Fuzz",
        project_id=project.id,
        access_token="sl.fuzz-token",
        settings=settings,
    )
    token = create_token(name="fuzz", scopes=[s.value for s in ALL_SCOPES], settings=settings)
    return Seeded(
        settings=settings,
        token=token.token,
        project_id=project.id,
        batch_id=batch.batch_id,
        file_id=batch.files[0].id,
        analysis_id=analysis.analysis_id,
        session_id=approved.session_id,
        review_session_id=waiting.session_id,
        render_job_id=renders.render_job_ids[0],
        source_id=source.id,
    )


@pytest.fixture(scope="session")
def seeded_master(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The seeded home, made once per session. Never used as is: see ``seeded_api``."""
    root = tmp_path_factory.mktemp("fuzz_seed")
    (root / "footage").mkdir()
    mf.make_clip(root / "footage" / "stage.mp4", seconds=4.0, source="testsrc2")
    settings = ready(Settings(home=root / "home", queue_url=QUEUE))
    seeded = _seed(settings, root / "footage")
    dispose_engines()
    # Fold the write-ahead log into the database file, so a copy of the home is complete.
    with sqlite3.connect(settings.home_dir / "editron.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return seeded


@pytest.fixture()
def seeded_api(seeded_master: Seeded, tmp_path: Path) -> Seeded:
    """The seeded home copied for this test (its database, media and exports its own)."""
    home = tmp_path / "seeded-home"
    shutil.copytree(seeded_master.settings.home_dir, home)
    _relocate(home / "editron.db", f"{seeded_master.settings.home_dir}/", f"{home.resolve()}/")
    # schemathesis sends each operation without a token too (the ignored_auth check): so many
    # failed authentications from one client would otherwise answer 429 to everything after.
    settings = ready(Settings(home=home, queue_url=QUEUE, auth_failures_allowed=10**9))
    fields = {k: v for k, v in vars(seeded_master).items() if k != "settings"}
    return Seeded(settings=settings, **fields)
