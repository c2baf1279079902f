"""Under ``CI=true`` no test may be skipped: a skip (``pytest.skip``, a ``skipif`` mark,
``pytest.importorskip``, in a test or at module level) and an expected failure (``xfail``) are
reported as failures, with the reason the test gave.

Locally a skip stays a skip, with its reason in the summary (``-ra``), so a developer without
PostgreSQL can still run the rest; CI is where the whole suite must really have run. Loaded by
``tests/conftest.py``; a plugin module of its own so its tests can load it into a nested run.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

__all__ = ["in_ci", "pytest_make_collect_report", "pytest_runtest_makereport"]


def in_ci() -> bool:
    """Read each time, not at import: a nested pytest run may set it."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return f"expected to fail (xfail){': ' + wasxfail if wasxfail else ''}"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: why")
        path, line, message = longrepr
        return f"{message} ({path}:{line})"
    return str(longrepr)


def _fail(report: pytest.CollectReport | pytest.TestReport) -> None:
    report.longrepr = f"CI=true forbids skipping; this would have been skipped: {_reason(report)}"
    report.outcome = "failed"
    if hasattr(report, "wasxfail"):
        del report.wasxfail  # else the terminal would still count it as xfailed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and in_ci():
        _fail(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector
                               ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A module-level skip (``importorskip`` at import, ``skip(allow_module_level=True)``)."""
    report = yield
    if report.skipped and in_ci():
        _fail(report)
    return report
