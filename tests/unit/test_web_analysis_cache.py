"""The batch page keeps a complete analysis it parsed (with its chart) and reads only the
analysis's stamp on later views; a running or newer analysis is read again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from starlette.datastructures import State

from editron.services.analyze import AnalysisPublic
from editron.web import pages


def _analysis(analysis_id: str, status: str) -> AnalysisPublic:
    curve = [{"file_id": "f", "t": i / 10, "energy": 0.5} for i in range(3000)]
    return AnalysisPublic(analysis_id=analysis_id, batch_id="b", status=status,
                          passes_completed=1, summary=None, shots=[], transcript=[],
                          energy_curve=curve, crowd_peaks=[], hero_moments=[],
                          sponsor_moments=[], deliverable_targets=[], file_reports=[],
                          artifacts_path=None)


def test_a_complete_analysis_is_parsed_once_and_a_new_one_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stamp: list[tuple[str, str, str | None]] = [("a1", "running", None)]
    loads: list[str] = []
    newest: dict[str, AnalysisPublic] = {"a1": _analysis("a1", "running")}

    def latest(batch_id: str, **_: Any) -> AnalysisPublic:
        loads.append(stamp[0][0])
        return newest[stamp[0][0]]

    monkeypatch.setattr(pages, "analysis_stamp", lambda batch_id, **_: stamp[0])
    monkeypatch.setattr(pages, "latest_analysis", latest)
    request: Any = SimpleNamespace(app=SimpleNamespace(state=State({"settings": None})))

    pages._analysis_view(request, "b")
    pages._analysis_view(request, "b")
    assert loads == ["a1", "a1"]  # still running: read on every view

    stamp[0] = ("a1", "complete", "2026-12-02T16:00:00Z")
    newest["a1"] = _analysis("a1", "complete")
    first, chart = pages._analysis_view(request, "b")
    again, chart_again = pages._analysis_view(request, "b")
    assert loads == ["a1", "a1", "a1"] and again is first and chart_again is chart
    assert first is not None and first.energy_curve == [] and chart is not None
    assert chart.lines and len(chart.lines[0][1].split()) <= 2 * pages.views.CHART_WIDTH

    stamp[0] = ("a2", "complete", "2026-12-02T17:00:00Z")
    newest["a2"] = _analysis("a2", "complete")
    latest_view, _ = pages._analysis_view(request, "b")
    assert loads[-1] == "a2" and latest_view is not None and latest_view.analysis_id == "a2"


def test_the_kept_analyses_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    current: list[str] = ["x0"]
    monkeypatch.setattr(pages, "analysis_stamp",
                        lambda batch_id, **_: (current[0], "complete", "t"))
    monkeypatch.setattr(pages, "latest_analysis",
                        lambda batch_id, **_: _analysis(current[0], "complete"))
    request: Any = SimpleNamespace(app=SimpleNamespace(state=State({"settings": None})))
    for i in range(pages.CACHED_ANALYSES + 3):
        current[0] = f"x{i}"
        pages._analysis_view(request, f"b{i}")
    kept = request.app.state.batch_analyses
    assert len(kept) == pages.CACHED_ANALYSES
    assert [k[0] for k in kept] == [f"x{i}" for i in range(3, pages.CACHED_ANALYSES + 3)]
