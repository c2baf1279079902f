"""Reviews that make revisions, and a client's memory, measured on the analysed sample event:
faster cuts, dropped moments that never return, kept moments, comments mapped to the source,
projects that never mix, every decision from every status, metrics, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from editron.cli.main import main
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.models import EditSession, MediaBatch
from editron.db.runtime import db
from editron.domain.status import SessionStatus
from editron.errors import InputError, InvalidStateError
from editron.services.analyze import analyze_media_batch, latest_analysis
from editron.services.edit import EditSessionPublic, generate_video_edits, get_edit_session
from editron.services.feedback import record_editron_feedback
from editron.services.ingest import ingest_media_batch
from editron.services.memory import show_memory
from editron.services.metrics import render_metrics
from editron.services.revisions import regenerate
from tests.conftest import AnalysedEvent

Span = tuple[str, float, float]


def _mean_shot(doc: EditSessionPublic) -> float:
    """Seconds per visible shot of the 16:9 timeline: clips that continue the same footage
    without a jump count as one shot."""
    tl = next(t for t in doc.timelines if t["aspect_ratio"] == "16:9")
    shots, last = 0, None
    for clip in tl["clips"]:
        if last is None or clip["file_id"] != last["file_id"] or \
                abs(clip["source_start"] - last["source_end"]) > 0.05:
            shots += 1
        last = clip
    return float(tl["duration"]) / shots


def _spans(doc: EditSessionPublic) -> list[Span]:
    return [(c["file_id"], c["source_start"], c["source_end"])
            for tl in doc.timelines for c in tl["clips"]]


def _shows(spans: Iterable[Span], file_id: str, start: float, end: float) -> bool:
    return any(f == file_id and a < end - 0.04 and b > start + 0.04 for f, a, b in spans)


def _revise(settings: Settings, session_id: str, **review: Any) -> EditSessionPublic:
    result = record_editron_feedback(edit_session_id=session_id, decision=review.pop(
        "decision", "changes"), settings=settings, **review)
    assert result.revision is not None and result.revision.status == "needsreview", result
    return get_edit_session(result.revision.session_id, settings=settings)


def _moments(ev: AnalysedEvent) -> list[dict[str, Any]]:
    analysis = latest_analysis(ev.batch_id, settings=ev.settings)
    assert analysis is not None
    return analysis.hero_moments


def _in_project(ev: AnalysedEvent, name: str, batch_id: str | None = None) -> str:
    with db(ev.settings) as session:
        project = repos.projects.create_project(session, name=name)
        session.get_one(MediaBatch, batch_id or ev.batch_id).project_id = project.id
        return project.id


def test_three_faster_reviews_cut_the_next_recap_faster(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                 aspect_ratios="16:9", duration=30, settings=ev.settings)
    line = [first]
    for _ in range(3):
        line.append(_revise(ev.settings, line[-1].session_id, adjust=["pace=faster"]))
    assert [s.revision for s in line] == [1, 2, 3, 4]
    assert [s.parent_id for s in line] == [None, *(s.session_id for s in line[:-1])]
    assert _mean_shot(line[-1]) <= 0.8 * _mean_shot(first), [_mean_shot(s) for s in line]
    assert all(get_edit_session(s.session_id, settings=ev.settings).status == "superseded"
               and s.timelines for s in line[:-1]), "earlier revisions stay readable"

    fresh = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                 aspect_ratios="16:9", duration=30, settings=ev.settings)
    assert _mean_shot(fresh) <= 0.8 * _mean_shot(first), "the memory makes the next recap"
    assert {"key": "pace", "value": 1.953,
            "because": "3 of the last 3 recap reviews said it was too slow"} in \
        fresh.applied_preferences
    social = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                  aspect_ratios="16:9", settings=ev.settings)
    assert not [p for p in social.applied_preferences if p["key"] == "pace"], \
        "pace is learned per deliverable"


def test_a_dropped_moment_never_returns(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                 aspect_ratios="16:9", settings=ev.settings)
    moments = _moments(ev)
    shown = next(m for m in moments
                 if _shows(_spans(first), m["file_id"], m["start"], m["end"]))
    span = (shown["file_id"], shown["start"], shown["end"])
    latest = _revise(ev.settings, first.session_id, drop=[shown["moment_id"]])
    made = [latest]
    for _ in range(5):
        revision = regenerate(latest.session_id, settings=ev.settings)
        latest = get_edit_session(revision.session_id, settings=ev.settings)
        made.append(latest)
    for kind in ("highlight", "social"):
        made.append(generate_video_edits(batch_id=ev.batch_id, deliverable_type=kind,
                                         settings=ev.settings))
    for doc in made:
        assert doc.timelines and not _shows(_spans(doc), *span), (doc.deliverable_type,
                                                                  doc.revision)
    assert latest.revision == 7 and any(p["key"] == "drop" for p in latest.applied_preferences)


def test_a_kept_moment_is_included(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                 aspect_ratios="16:9", settings=ev.settings)
    moments = _moments(ev)
    left_out = next(m for m in moments
                    if not _shows(_spans(first), m["file_id"], m["start"], m["end"]))
    kept = _revise(ev.settings, first.session_id, keep=[left_out["moment_id"]])
    assert _shows(_spans(kept), left_out["file_id"], left_out["start"], left_out["end"])
    again = generate_video_edits(batch_id=ev.batch_id, deliverable_type="highlight",
                                 settings=ev.settings)
    assert _shows(_spans(again), left_out["file_id"], left_out["start"], left_out["end"]), \
        "kept for the client's later edits too"


def test_a_comment_maps_to_its_source_moment_and_the_revision_replaces_it(
        analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                 aspect_ratios="16:9", settings=ev.settings)
    clip = first.timelines[0]["clips"][2]
    at = clip["record_start"] + 0.5
    result = record_editron_feedback(edit_session_id=first.session_id, decision="changes",
                                     comments=[(f"{int(at // 60):02d}:{at % 60:04.1f}",
                                                "too dark")], settings=ev.settings)
    comment = result.adjustments["comments"][0]
    assert comment["text"] == "too dark"
    assert comment["span"]["file_id"] == clip["file_id"]
    assert comment["span"]["start"] == pytest.approx(clip["source_start"], abs=0.001)
    assert comment["span"]["end"] == pytest.approx(clip["source_end"], abs=0.001)
    assert result.revision is not None
    revised = get_edit_session(result.revision.session_id, settings=ev.settings)
    assert not _shows(_spans(revised), clip["file_id"], clip["source_start"],
                      clip["source_end"]), "the dark moment is replaced"
    assert revised.timelines[0]["duration"] == pytest.approx(59.0), "still the full length"
    with pytest.raises(InputError, match=r"only 59\.0 s long"):
        record_editron_feedback(edit_session_id=revised.session_id, decision="changes",
                                comments=[("2:00", "x")], settings=ev.settings)


def test_two_projects_never_share_a_memory(analysed_event: AnalysedEvent) -> None:
    """The same footage in a second client's batch is not touched by the first client's
    reviews; moved into the first client's project, it is recognised by checksum."""
    ev = analysed_event
    north = _in_project(ev, "Northwind")
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                 aspect_ratios="16:9", settings=ev.settings)
    moments = _moments(ev)
    shown = next(m for m in moments
                 if _shows(_spans(first), m["file_id"], m["start"], m["end"]))
    _revise(ev.settings, first.session_id, drop=[shown["moment_id"]], adjust=["pace=faster"])

    other = ingest_media_batch(source_url=str(ev.footage), settings=ev.settings)
    analyze_media_batch(batch_id=other.batch_id, max_iterations=1, settings=ev.settings)
    south = _in_project(ev, "Southwind", other.batch_id)
    with db(ev.settings) as session:
        checksum = repos.files.get_files(session, [shown["file_id"]])[0].checksum_sha256
        twin = next(f.id for f in repos.files.list_files(session, other.batch_id)
                    if f.checksum_sha256 == checksum)
    theirs = generate_video_edits(batch_id=other.batch_id, deliverable_type="recap",
                                  aspect_ratios="16:9", settings=ev.settings)
    assert [p for p in theirs.applied_preferences if p["key"] != "note"] == [], \
        "nothing of Northwind's reaches Southwind (notes on the footage are not preferences)"
    assert _shows(_spans(theirs), twin, shown["start"], shown["end"])
    assert show_memory(south, settings=ev.settings).reviews == 0
    assert show_memory(north, settings=ev.settings).reviews == 1

    with db(ev.settings) as session:
        session.get_one(MediaBatch, other.batch_id).project_id = north
    ours = generate_video_edits(batch_id=other.batch_id, deliverable_type="recap",
                                aspect_ratios="16:9", settings=ev.settings)
    assert not _shows(_spans(ours), twin, shown["start"], shown["end"]), \
        "the client's dropped footage is known in their other batches by checksum"
    assert {p["key"] for p in ours.applied_preferences} >= {"pace", "drop"}


def _session_in(settings: Settings, base: EditSession, status: SessionStatus) -> str:
    """A copy of ``base`` moved along legal transitions to ``status``."""
    path = {
        SessionStatus.ASSEMBLING: [],
        SessionStatus.NEEDSREVIEW: [SessionStatus.NEEDSREVIEW],
        SessionStatus.APPROVED: [SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED],
        SessionStatus.RENDERING: [SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED,
                                  SessionStatus.RENDERING],
        SessionStatus.COMPLETE: [SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED,
                                 SessionStatus.RENDERING, SessionStatus.COMPLETE],
        SessionStatus.FAILED: [SessionStatus.FAILED],
        SessionStatus.SUPERSEDED: [SessionStatus.NEEDSREVIEW, SessionStatus.SUPERSEDED],
    }[status]
    with db(settings) as session:
        row = repos.edit_sessions.create_edit_session(
            session, batch_id=base.batch_id, deliverable_type=base.deliverable_type,
            aspect_ratios=base.aspect_ratios, analysis_id=base.analysis_id,
            request=base.request)
        if status != SessionStatus.FAILED:
            repos.edit_sessions.update_edit_session(session, row, timelines=base.timelines)
        for step in path:
            repos.edit_sessions.set_session_status(session, row, step)
        return row.id


def test_no_decision_leaves_a_session_stuck(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    made = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                aspect_ratios="16:9", settings=ev.settings)
    with db(ev.settings) as session:
        base = repos.edit_sessions.get_edit_session(session, made.session_id)
        session.expunge(base)
    outcomes: dict[tuple[str, str], str] = {}
    made_assembling: set[str] = set()
    for status in SessionStatus:
        for decision in ("approve", "changes", "reject"):
            sid = _session_in(ev.settings, base, status)
            if status == SessionStatus.ASSEMBLING:
                made_assembling.add(sid)
            try:
                result = record_editron_feedback(edit_session_id=sid, decision=decision,
                                                 settings=ev.settings)
            except InvalidStateError as exc:
                assert "edit session" in exc.message
                assert get_edit_session(sid, settings=ev.settings).status == status, \
                    "a refused decision changes nothing"
                outcomes[status.value, decision] = "refused"
                continue
            after = get_edit_session(sid, settings=ev.settings).status
            if result.revision is not None:
                assert after == "superseded"
                assert get_edit_session(result.revision.session_id, settings=ev.settings
                                        ).status == "needsreview"
            outcomes[status.value, decision] = after
    with db(ev.settings) as session:
        stuck = {r.id for r in repos.edit_sessions.list_edit_sessions(session, limit=500)
                 if r.status == SessionStatus.ASSEMBLING}
    assert stuck == made_assembling, "every revision was assembled"
    assert outcomes["needsreview", "approve"] == "approved"
    assert outcomes["needsreview", "changes"] == "superseded"
    assert outcomes["complete", "reject"] == "superseded"
    assert outcomes["failed", "changes"] == "superseded", "a failed cut is made again"
    assert {outcomes["assembling", d] for d in ("approve", "changes", "reject")} == {"refused"}
    assert {outcomes["superseded", d] for d in ("approve", "changes", "reject")} == {"refused"}
    assert outcomes["rendering", "changes"] == "refused"
    assert outcomes["rendering", "approve"] == "rendering"


def test_review_metrics_per_project(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    project = _in_project(ev, "Aurora \"Summit\"")
    first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                 aspect_ratios="16:9", settings=ev.settings)
    second = _revise(ev.settings, first.session_id, notes="too slow")
    record_editron_feedback(edit_session_id=second.session_id, decision="approve",
                            settings=ev.settings)
    metrics = show_memory(project, settings=ev.settings).metrics
    assert metrics.decisions == 2 and metrics.acceptance_rate == 0.5
    assert metrics.revisions_per_deliverable == {"social": 1.0}
    assert metrics.seconds_to_approval is not None and metrics.seconds_to_approval >= 0
    text = render_metrics(settings=ev.settings)
    label = f'name="Aurora \\"Summit\\"",project="{project}"'
    assert f"editron_project_acceptance_ratio{{{label}}} 0.5" in text
    assert f"editron_project_decisions{{{label}}} 2" in text
    assert f'editron_project_revisions_per_deliverable{{deliverable="social",{label}}} 1' \
        in text


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), json.loads(out) if out.strip() else None, err


def test_the_review_loop_on_the_cli(analysed_event: AnalysedEvent,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ev = analysed_event
    monkeypatch.setenv("EDITRON_HOME", str(ev.settings.home_dir))
    reset_settings()
    code, project, _ = _cli(["projects", "create", "Aurora", "--client", "Northwind",
                             "--brand", "accent_color=#ffb400", "--json"], capsys)
    assert code == 0 and project["client_name"] == "Northwind"
    assert project["brand"] == {"accent_color": "#FFB400"} and not project["auto_approve"]
    with db(ev.settings) as session:
        session.get_one(MediaBatch, ev.batch_id).project_id = project["id"]
    code, edit, _ = _cli(["edit", ev.batch_id[:8], "--deliverable", "social", "--ratios",
                          "16:9", "--no-preview", "--json"], capsys)
    assert code == 0 and edit["revision"] == 1
    sid = edit["session_id"]
    code, review, err = _cli(["feedback", sid[:8], "--decision", "changes", "--adjust",
                              "pace=faster", "--note", "no music", "--comment",
                              '00:01.0="too dark"', "--json"], capsys)
    assert code == 0, err
    assert set(review) >= {"feedback_id", "decision", "revision"}
    revision = review["revision"]
    assert {k: revision[k] for k in ("parent_id", "revision", "status")} == {
        "parent_id": sid, "revision": 2, "status": "needsreview"}
    code, shown, _ = _cli(["session", revision["session_id"], "--json"], capsys)
    assert shown["parent_id"] == sid and shown["revision"] == 2
    assert {"pace", "music"} <= {p["key"] for p in shown["applied_preferences"]}
    assert shown["timelines"][0]["clips"] and "aspect_ratio" in shown["timelines"][0]

    code, again, _ = _cli(["edit", "--from", revision["session_id"], "--no-preview",
                           "--json"], capsys)
    assert code == 0 and again["revision"] == 3 and again["parent_id"] == \
        revision["session_id"]
    code, out, err = _cli(["render", again["session_id"], "--json"], capsys)
    assert code == 2 and out["error"]["code"] == "review_required" and "--no-review" in err
    code, _, err = _cli(["feedback", sid, "--decision", "maybe"], capsys)
    assert code == 2 and "approve, changes, reject" in err
    code, _, err = _cli(["feedback", again["session_id"], "--decision", "changes",
                         "--comment", "soon"], capsys)
    assert code == 2 and "TIME=TEXT" in err

    code, memory, _ = _cli(["memory", "show", project["id"][:8], "--json"], capsys)
    assert code == 0 and memory["reviews"] == 1
    assert [p["key"] for p in memory["preferences"]["social"]][:2] == ["pace", "music"]
    code, updated, _ = _cli(["projects", "update", project["id"], "--auto-approve",
                             "--brand", "accent_color=", "--json"], capsys)
    assert updated["auto_approve"] and updated["brand"] == {}
    code, listed, _ = _cli(["projects", "list", "--json"], capsys)
    assert [p["id"] for p in listed["projects"]] == [project["id"]]
    code, _, err = _cli(["projects", "update", project["id"], "--brand", "accent=red"],
                        capsys)
    assert code == 2 and "unknown" in err
    code, forgot, _ = _cli(["memory", "reset", project["id"], "--json"], capsys)
    assert code == 0 and forgot["reviews"] == 0 and forgot["reset_at"]
