"""Queue plumbing that needs no database: storage choice, priority order, retry backoff."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from huey import MemoryHuey, PriorityRedisHuey, SqliteHuey

from editron.config import Settings
from editron.domain.status import Priority
from editron.errors import QueueError
from editron.jobs.app import get_huey, huey_name, make_huey, send_job
from editron.jobs.execution import MAX_RETRY_DELAY_SECONDS, retry_delay


def test_sqlite_url_gives_a_sqlite_huey_and_makes_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "queue.db"
    huey = make_huey(f"sqlite:///{path}", name="unit")
    assert isinstance(huey, SqliteHuey) and huey.name == "unit"
    assert path.exists(), "the queue file is created up front"


def test_redis_url_gives_a_priority_redis_huey_without_connecting() -> None:
    huey = make_huey("redis://127.0.0.1:1/3", name="unit")
    assert isinstance(huey, PriorityRedisHuey)
    assert huey.storage.queue_key == "huey.redis.unit"


@pytest.mark.parametrize("url", ["memory://", "immediate://"])
def test_in_process_twins(url: str) -> None:
    huey = make_huey(url)
    assert isinstance(huey, MemoryHuey)
    assert huey.immediate is (url == "immediate://")


def test_immediate_flag_overrides_any_url(tmp_path: Path) -> None:
    huey = make_huey(f"sqlite:///{tmp_path / 'q.db'}", immediate=True)
    assert huey.immediate and not (tmp_path / "q.db").exists()


@pytest.mark.parametrize("url", ["postgresql://x/y", "amqp://host", "sqlite:///", "queue.db"])
def test_unsupported_url_is_a_queue_error_naming_it(url: str) -> None:
    with pytest.raises(QueueError, match=r"queue URL|EDITRON_QUEUE_URL") as caught:
        make_huey(url)
    assert repr(url) in str(caught.value)


def test_unwritable_sqlite_queue_is_a_queue_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(QueueError, match="cannot open the queue database"):
        make_huey(f"sqlite:///{blocker / 'queue.db'}")


def test_messages_leave_the_queue_in_priority_order() -> None:
    settings = Settings(queue_url="memory://", queue_name="unit-priority")
    for job_id, priority in [("l1", "low"), ("s1", "standard"), ("r1", "rush"),
                             ("l2", "low"), ("r2", "rush")]:
        send_job(settings, job_id, priority)
    huey = get_huey("memory://", huey_name(settings, "analysis"))
    order = []
    while (task := huey.dequeue()) is not None:
        order.append((task.args[0], task.priority))
    assert order == [("r1", 20), ("r2", 20), ("s1", 10), ("l1", 0), ("l2", 0)]


def test_priority_ranks_put_rush_first() -> None:
    ranks = [p.rank for p in (Priority.LOW, Priority.STANDARD, Priority.RUSH)]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_delayed_message_carries_its_eta() -> None:
    settings = Settings(queue_url="memory://", queue_name="unit-delay")
    before = datetime.now(UTC).replace(tzinfo=None)
    send_job(settings, "later", "standard", delay=60)
    huey = get_huey("memory://", huey_name(settings, "analysis"))
    (task,) = huey.pending()
    assert task.args == ("later",) and task.eta is not None
    # Huey keeps naive UTC times; a worker moves it to the schedule until then.
    assert 59 <= (task.eta - before).total_seconds() <= 61


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay(0, 2.0) == 2.0, "attempt 0 cannot make the delay shorter than base"
    assert retry_delay(30, 2.0) == MAX_RETRY_DELAY_SECONDS
