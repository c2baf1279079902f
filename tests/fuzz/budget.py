"""How much each fuzz test runs: a quick, fixed budget in the default suite and a deeper one
in the slow suite, both derandomized (the same examples on every run and every machine, so a
CI failure reproduces locally with the same command)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

__all__ = ["BUDGETS", "fuzz_settings", "mutate"]

QUICK = 40
DEEP = 400

# ``examples`` is a test parameter: the quick run in the default suite, the deep one marked
# slow. One body, two budgets.
BUDGETS = pytest.mark.parametrize("examples", [
    pytest.param(QUICK, id="quick"),
    pytest.param(DEEP, id="deep", marks=pytest.mark.slow),
])


def fuzz_settings(examples: int) -> Any:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


def mutate(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    """Apply byte edits the way a bad disk, a cut download or a careless tool would:
    ``("flip", at, mask)`` XORs one byte, ``("cut", at, _)`` truncates, ``("splice", at, n)``
    copies ``n`` bytes from elsewhere in the file over ``at``, ``("zero", at, n)`` blanks a
    run, ``("insert", at, n)`` pushes ``n`` junk bytes in."""
    out = bytearray(data)
    for op, at, arg in edits:
        if not out:
            break
        at %= len(out)
        if op == "flip":
            out[at] ^= (arg % 255) + 1
        elif op == "cut":
            del out[at:]
        elif op == "splice":
            n = arg % 4096 + 1
            src = (at * 7919 + n) % len(out)
            out[at:at + n] = out[src:src + n]
        elif op == "zero":
            out[at:at + arg % 4096 + 1] = bytes(len(out[at:at + arg % 4096 + 1]))
        elif op == "insert":
            out[at:at] = bytes((at + i * 31) % 256 for i in range(arg % 512 + 1))
    return bytes(out)
