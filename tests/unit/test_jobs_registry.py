"""The operation registry: names, typed and versioned payloads, hooks, and which errors are
worth another attempt."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from editron import services
from editron.config import Settings
from editron.errors import QueueError, StoreUnavailableError
from editron.jobs.registry import (
    JobPayload,
    get_operation,
    operation,
    register_operation,
    registered_operations,
)


class UnitJob(JobPayload):
    name: str


ran: list[str] = []


def _noop(job: UnitJob, settings: Settings) -> None:
    ran.append(job.name)


def _hook(job: UnitJob, reason: str, settings: Settings) -> None:
    ran.append(f"{job.name} gave up: {reason}")


def test_registered_operation_is_found_with_its_hook() -> None:
    ran.clear()
    register_operation("unit.noop", _noop, payload=UnitJob, on_give_up=_hook)
    op = get_operation("unit.noop")
    job = op.load({"name": "a"})
    op.run(job, Settings())
    assert op.on_give_up is not None
    op.on_give_up(job, "out of attempts", Settings())
    assert ran == ["a", "a gave up: out of attempts"]
    assert "unit.noop" in registered_operations()


def test_the_services_register_their_operations_where_they_are_defined() -> None:
    assert services.__name__ == "editron.services"
    assert {"ingest_media_batch", "analyze_media_batch", "generate_video_edits", "render_job",
            "poll_dropbox_source"} <= set(registered_operations())


def test_unknown_operation_names_the_known_ones() -> None:
    register_operation("unit.known", _noop, payload=UnitJob)
    with pytest.raises(QueueError, match=r"no queue operation named 'nope'.*unit\.known"):
        get_operation("nope")


def test_network_errors_are_transient_by_default_and_overridable() -> None:
    default = register_operation("unit.default", _noop, payload=UnitJob)
    assert issubclass(ConnectionResetError, default.transient)
    assert not issubclass(ValueError, default.transient)
    custom = register_operation("unit.custom", _noop, payload=UnitJob, transient=(ValueError,))
    # an unreachable media store is worth another attempt whatever an operation declares
    assert custom.transient == (ValueError, StoreUnavailableError)
    assert not issubclass(ConnectionResetError, custom.transient)


class RenamedJob(JobPayload):
    """Version 2 renamed ``who`` to ``name``."""

    SCHEMA_VERSION: ClassVar[int] = 2
    name: str

    @classmethod
    def upgrade(cls, version: int, data: dict[str, Any]) -> dict[str, Any]:
        assert version == 1
        return {"name": data.pop("who"), **data}


def test_a_payload_carries_its_version_and_old_rows_are_upgraded() -> None:
    assert RenamedJob(name="x").dump() == {"schema_version": 2, "name": "x"}
    assert RenamedJob.load({"who": "old row"}).name == "old row"  # no version: written as 1
    with pytest.raises(QueueError, match="newer Editron"):
        RenamedJob.load({"schema_version": 3, "name": "x"})
    with pytest.raises(QueueError, match="unusable arguments: name"):
        RenamedJob.load({"schema_version": 2})


def test_the_decorator_registers_the_function_it_decorates() -> None:
    @operation("unit.decorated", UnitJob)
    def decorated(job: UnitJob, settings: Settings) -> None:
        ran.append(f"decorated {job.name}")

    ran.clear()
    op = get_operation("unit.decorated")
    op.run(op.load({"name": "b"}), Settings())
    assert ran == ["decorated b"]
