"""The dashboard's pure helpers: the energy chart's geometry, captions as WebVTT (read back by
an independent parser), review adjustments in words, and where sign-in may send you."""

from __future__ import annotations

import io

import webvtt

from editron.services.schemas import TaskPublic
from editron.web.login import safe_next
from editron.web.views import (
    batch_progress,
    clock,
    describe_adjustments,
    energy_chart,
    human_bytes,
    preview_key,
    ratio_slug,
)
from editron.web.views import (
    webvtt as to_vtt,
)


def test_energy_chart_scales_time_and_energy_and_marks_peaks() -> None:
    curve = [{"file_id": "a", "t": 0.0, "energy": 0.0}, {"file_id": "a", "t": 10.0,
                                                          "energy": 1.0}]
    chart = energy_chart(curve, [{"file_id": "a", "t": 10.0}], width=100, height=50)
    assert chart.lines == [("a", "0.0,48.0 100.0,2.0")]
    assert chart.peaks == [(100.0, 2.0, "a", 10.0)] and chart.duration == 10.0


def test_an_hour_of_energy_draws_as_a_few_hundred_points_keeping_its_peaks() -> None:
    # an hour at the analyser's 100 ms step: 36,000 values, one burst at 1234.5 s
    curve = [{"file_id": "a", "t": i / 10, "energy": 0.2 + 0.01 * (i % 7)} for i in range(36_000)]
    curve[12_345]["energy"] = 0.97
    chart = energy_chart(curve, [{"file_id": "a", "t": 1234.5}], width=600, height=120)
    (fid, points), = chart.lines
    xy = [tuple(map(float, p.split(","))) for p in points.split()]
    assert fid == "a" and len(xy) <= 2 * 600
    assert [x for x, _ in xy] == sorted(x for x, _ in xy)
    top = min(y for _, y in xy)  # the loudest point is drawn highest
    assert top == round(120 - 0.97 * 116 - 2, 1)
    assert chart.peaks[0][1] == top  # the crowd peak's mark sits on the burst


def test_captions_as_webvtt_read_back() -> None:
    text = to_vtt([{"start": 1.5, "end": 3.25, "text": "Welcome --> all"},
                   {"start": 3661.0, "end": 3662.0, "text": "late"}])
    cues = webvtt.from_buffer(io.StringIO(text))
    assert [(c.start, c.end, c.text) for c in cues] == [
        ("00:00:01.500", "00:00:03.250", "Welcome -> all"),
        ("01:01:01.000", "01:01:02.000", "late")]


def test_adjustments_in_words() -> None:
    said = describe_adjustments({"schema_version": 1, "pace": 1.25, "drop": ["hm-1"],
                                 "comments": [{"at": 2.0, "text": "too dark"}],
                                 "music": None})
    assert said == ["pace 1.25", "drop: 1", "comment at 0:02.0: too dark"]


def test_small_formatters() -> None:
    assert clock(83.4) == "1:23.4" and clock(3725.0) == "1:02:05.0" and clock(None) == "-"
    assert human_bytes(999) == "999 B" and human_bytes(1_500_000) == "1.5 MB"
    assert preview_key(ratio_slug("16:9 v2")) == "16:9 v2"
    task = TaskPublic(id="t", batch_id="b", stage="ingest", status="done", title="Ingest",
                      detail=None, progress_percent=40.0, updated_at="")
    assert batch_progress([task]) == {"ingest": 100.0, "analyze": 0.0}


def test_sign_in_only_follows_paths_of_this_site() -> None:
    assert safe_next("/renders?x=1") == "/renders?x=1"
    for bad in (None, "", "//evil.example/", "https://evil.example/", "/\\evil", "renders"):
        assert safe_next(bad) == "/"
