from __future__ import annotations

from editron.db.repos.events import scrub
from editron.domain.status import BatchStatus, can_transition


def test_secrets_never_reach_event_payloads() -> None:
    payload = {"file": "a.mp4", "access_token": "sl.x", "nested": {"Refresh_Token": "r",
               "ok": 1}, "items": [{"password": "p", "n": 2}], "Authorization": "Bearer x"}
    assert scrub(payload) == {"file": "a.mp4", "nested": {"ok": 1}, "items": [{"n": 2}]}


def test_batch_status_machine() -> None:
    assert can_transition(BatchStatus.QUEUED, BatchStatus.DOWNLOADING)
    assert can_transition(BatchStatus.DOWNLOADING, BatchStatus.READY)
    assert can_transition(BatchStatus.READY, BatchStatus.ANALYZING)
    assert can_transition(BatchStatus.ANALYZING, BatchStatus.ANALYZED)
    assert not can_transition(BatchStatus.QUEUED, BatchStatus.ANALYZED)
    assert not can_transition(BatchStatus.READY, BatchStatus.DOWNLOADING)
    assert all(can_transition(s, BatchStatus.FAILED) for s in BatchStatus
               if s is not BatchStatus.FAILED)
