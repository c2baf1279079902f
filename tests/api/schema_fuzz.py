"""Schemathesis against the seeded API: the schema it loads, and one bounded run per operation.

Driven through schemathesis's Python API (its pytest plugin does not load with this pytest).
Every id path parameter is drawn from the seeded ids (``Seeded.path_values``, one of which
names nothing) or, as often, anything the schema allows, so most GETs answer 200 and their
bodies are checked against their response schemas. The queue is in memory with no worker, so
generated sources are validated and queued but never ingested (a fuzzed ``source_url`` of "/"
must not walk the disk)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from editron.api.app import create_app
from tests.api.fuzz_seed import Seeded

__all__ = ["OPERATIONS", "FuzzRun", "fuzz_operations", "seeded_schema"]

# Every operation in /openapi.json. A route added without updating this fails the fuzz tests
# and tests/api/test_openapi_doc.py, which is the point: a new route is fuzzed on purpose.
OPERATIONS = 37

# A schema-valid source can still name a file that is not there, and a schema-valid review can
# meet a session whose status refuses it: the documented 4xx with a reason is the right answer
# there, so the check that every valid request is accepted does not apply.
EXCLUDED_CHECKS = [positive_data_acceptance]


def seeded_schema(seeded: Seeded) -> tuple[Any, FastAPI]:
    """The app's own OpenAPI document, loaded by schemathesis with each id path parameter
    drawn from ``seeded.path_values`` as often as from its own schema."""
    app = create_app(seeded.settings, with_mcp=False)
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    values = seeded.path_values

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return st.just(path_parameters)
        return st.fixed_dictionaries(
            {
                name: st.sampled_from(values[name]) | st.just(value)
                if name in values
                else st.just(value)
                for name, value in path_parameters.items()
            }
        )

    return schema, app


@dataclass
class FuzzRun:
    """What a run sent, per operation, and the statuses it got back."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)

    def record(self, key: str, status: int) -> None:
        self.cases[key] += 1
        self.statuses.setdefault(key, Counter())[status] += 1

    def answered(self, key: str, status: int) -> bool:
        return self.statuses.get(key, Counter())[status] > 0


# The event stream is fuzzed without following (a followed stream never ends).
_FIXED_QUERY = {("GET", "/api/events"): {"follow": "false"}}


def _fuzz_one(operation: Any, key: str, run: FuzzRun, seeded: Seeded, examples: int) -> None:
    query = _FIXED_QUERY.get((operation.method.upper(), operation.path))

    @given(case=operation.as_strategy(query=query))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(headers=seeded.auth, excluded_checks=EXCLUDED_CHECKS)
        run.record(key, response.status_code)

    check()


def fuzz_operations(schema: Any, seeded: Seeded, examples: int) -> FuzzRun:
    """Run up to ``examples`` generated cases against every operation; a failed check
    raises."""
    run = FuzzRun()
    for result in schema.get_all_operations():
        operation = result.ok()
        _fuzz_one(operation, f"{operation.method.upper()} {operation.path}", run, seeded, examples)
    return run


def _link_name(transition_id: str) -> str:
    """``GetBatch`` from schemathesis's ``POST /api/batches -> [202] GetBatch -> GET ...``."""
    return transition_id.split("] ", 1)[-1].split(" -> ", 1)[0]


def fuzz_links(schema: Any, seeded: Seeded, scenarios: int, steps: int) -> FuzzRun:
    """Schemathesis's stateful phase: ``scenarios`` chains of up to ``steps`` calls, each call
    after the first following an OpenAPI link from an earlier answer. Returns the calls made,
    keyed ``LINK -> OPERATION`` for those that followed a declared link; a failed check
    raises."""
    run = FuzzRun()
    # A followed event stream never ends, and no link leads to it.
    chained = schema.exclude(path="/api/events")
    # Valid requests only, as in ``fuzz_operations`` (schemathesis mixes in schema-violating
    # ones by default, which the API may ignore where they do not matter: an extra query
    # parameter).
    for generation in (chained.config.generation, chained.config.phases.stateful.generation):
        generation.update(modes=[GenerationMode.POSITIVE])
    machine = chained.as_state_machine()

    class SeededMachine(machine):  # type: ignore[misc, valid-type]
        def step(self, input: Any) -> Any:
            output = super().step(input)
            # The links declared in /openapi.json, not those schemathesis infers itself.
            declared = input.transition is not None and not input.transition.is_inferred
            prefix = (
                f"{_link_name(input.transition.id)} -> " if declared and input.is_applied else ""
            )
            operation = input.case.operation
            run.record(
                f"{prefix}{operation.method.upper()} {operation.path}", output.response.status_code
            )
            return output

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": seeded.auth}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=EXCLUDED_CHECKS,
                headers=seeded.auth,
                transport_kwargs=kwargs,
            )

    SeededMachine.run(
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
    )
    return run
