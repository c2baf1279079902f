"""Schemathesis against the seeded API: no server error, no answer that breaks the spec, and
the seeded ids reached, so 200 bodies are checked against their schemas (issue 16, point 8).

A small derandomized budget here; ``test_schema_fuzz_deep`` runs ten thousand cases."""

from __future__ import annotations

import pytest

from tests.api.fuzz_seed import Seeded, seeded_api, seeded_master
from tests.api.schema_fuzz import OPERATIONS, fuzz_links, fuzz_operations, seeded_schema

__all__ = ["seeded_api", "seeded_master"]  # fixtures, found by name

QUICK = 20
DEEP = 340  # per operation; the small ones have fewer distinct cases

# Operations that must have answered 200 at least once: the reads of every seeded thing.
READS = [
    "GET /api/projects/{project_id}",
    "GET /api/projects/{project_id}/memory",
    "GET /api/batches/{batch_id}",
    "GET /api/batches/{batch_id}/files",
    "GET /api/batches/{batch_id}/sync",
    "GET /api/analyses/{analysis_id}",
    "GET /api/batches/{batch_id}/edit-sessions",
    "GET /api/edit-sessions/{session_id}",
    "GET /api/edit-sessions/{session_id}/renders",
    "GET /api/edit-sessions/{session_id}/feedback",
    "GET /api/render-jobs/{job_id}",
    "GET /api/sources/{source_id}",
    "GET /api/tasks",
    "GET /api/events",
]


def test_spec_has_every_operation(seeded_api: Seeded) -> None:
    schema, _ = seeded_schema(seeded_api)
    assert len([r.ok() for r in schema.get_all_operations()]) == OPERATIONS


def test_fuzzed_api_never_errors_and_keeps_its_spec(seeded_api: Seeded) -> None:
    schema, _ = seeded_schema(seeded_api)
    run = fuzz_operations(schema, seeded_api, QUICK)
    assert len(run.cases) == OPERATIONS, sorted(run.cases)
    unreached = [key for key in READS if not run.answered(key, 200)]
    assert not unreached, {key: run.statuses.get(key) for key in unreached}


@pytest.mark.slow
@pytest.mark.timeout(1200)  # about 12,000 in-process calls: 5 min idle, more on a busy CI host
def test_schema_fuzz_deep(seeded_api: Seeded) -> None:
    """At least 10,000 cases in all against the seeded database (issue 17, point 6)."""
    schema, _ = seeded_schema(seeded_api)
    run = fuzz_operations(schema, seeded_api, DEEP)
    print(f"{sum(run.cases.values())} cases:", dict(run.cases))
    assert sum(run.cases.values()) >= 10_000, run.cases
    assert len(run.cases) == OPERATIONS
    unreached = [key for key in READS if not run.answered(key, 200)]
    assert not unreached, {key: run.statuses.get(key) for key in unreached}


def test_links_are_followed_statefully(seeded_api: Seeded) -> None:
    """The stateful phase follows the OpenAPI links (a batch to its sessions, a session to its
    renders, a render job to cancel and retry) and every answer keeps the spec."""
    schema, _ = seeded_schema(seeded_api)
    run = fuzz_links(schema, seeded_api, scenarios=40, steps=10)
    followed = {key.split(" -> ")[0] for key in run.cases if " -> " in key}
    # About ten of the declared links with this budget (valid requests only); fewer than six
    # means links stopped resolving.
    assert len(followed) >= 6, sorted(followed)
