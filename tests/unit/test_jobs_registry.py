"""The operation registry: names, hooks and which errors are worth another attempt."""

from __future__ import annotations

from typing import Any

import pytest

from editron.config import Settings
from editron.errors import QueueError
from editron.jobs.registry import get_operation, register_operation, registered_operations


def _noop(arguments: dict[str, Any], settings: Settings) -> None:
    arguments["ran"] = True


def _hook(arguments: dict[str, Any], reason: str, settings: Settings) -> None:
    arguments["gave_up"] = reason


def test_registered_operation_is_found_with_its_hook() -> None:
    register_operation("unit.noop", _noop, on_give_up=_hook)
    op = get_operation("unit.noop")
    args: dict[str, Any] = {}
    op.run(args, Settings())
    assert op.on_give_up is not None
    op.on_give_up(args, "out of attempts", Settings())
    assert args == {"ran": True, "gave_up": "out of attempts"}
    assert "unit.noop" in registered_operations()


def test_service_operations_register_on_first_lookup() -> None:
    assert "ingest_media_batch" in registered_operations()


def test_unknown_operation_names_the_known_ones() -> None:
    register_operation("unit.known", _noop)
    with pytest.raises(QueueError, match=r"no queue operation named 'nope'; known: .*unit\.known"):
        get_operation("nope")


def test_network_errors_are_transient_by_default_and_overridable() -> None:
    default = register_operation("unit.default", _noop)
    assert issubclass(ConnectionResetError, default.transient)
    assert not issubclass(ValueError, default.transient)
    custom = register_operation("unit.custom", _noop, transient=(ValueError,))
    assert custom.transient == (ValueError,)
