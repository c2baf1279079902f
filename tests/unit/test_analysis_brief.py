"""Reading a brief from JSON, ``key: value`` lines and prose; scope and deliverable targets."""

from __future__ import annotations

import json

import pytest

from editron.analysis.brief import (
    BRIEF_SCHEMA_VERSION,
    brief_document,
    brief_markdown,
    deliverable_targets,
    parse_brief,
    parse_scope,
)
from editron.domain.analysis import Brief
from editron.errors import InputError


def test_key_value_lines_and_prose_together() -> None:
    brief = parse_brief("Sponsors: Northwind Energy; Aurora\nMust avoid: crying kids, rain\n"
                        "tone: upbeat\nlogos: /tmp/a.png\n"
                        'Keep it lively. Must use the "award moment". Sponsored by Veltrona.')
    assert brief.sponsors == ["Northwind Energy", "Aurora", "Veltrona"]
    assert brief.must_avoid == ["crying kids", "rain"]
    assert brief.tone == "upbeat" and brief.sponsor_logos == ["/tmp/a.png"]
    assert brief.must_use == ["award moment"]
    assert brief.text.startswith("Sponsors:")


def test_free_text_patterns() -> None:
    brief = parse_brief("A recap of the gala. We must include the CEO speech and the band. "
                        "Avoid the empty tables. The tone should be warm. Do not show logos "
                        'of rivals. Say "thank you Aurora" if you can.')
    assert brief.must_use == ["CEO speech", "band", "thank you Aurora"]
    assert brief.must_avoid == ["empty tables", "logos of rivals"]
    assert brief.tone == "warm"


def test_json_in_any_reasonable_shape() -> None:
    brief = parse_brief('{"sponsors": "Aurora, Northwind", "must_use": ["keynote", ""], '
                        '"tone": "calm", "text": "Show the \\"first dance\\"", "extra": 1}')
    assert brief.sponsors == ["Aurora", "Northwind"] and brief.tone == "calm"
    assert brief.must_use == ["keynote", "first dance"]
    assert parse_brief({"sponsors": ["X"]}).sponsors == ["X"]
    assert parse_brief("[1, 2]").text == "[1, 2]", "not an object: read as prose"
    assert parse_brief("{not json").text == "{not json"
    assert parse_brief(None) == Brief()


def test_scope_shapes_deliverable_targets() -> None:
    assert parse_scope("recap, social") == ["recap", "social"]
    assert parse_scope(None) == ["recap", "highlight", "social"]
    with pytest.raises(InputError, match="trailer"):
        parse_scope("recap,trailer")
    targets = deliverable_targets(parse_scope("recap,highlight,social"), Brief())
    recap, highlight, social = targets
    assert recap["duration"] == 59.0
    assert (highlight["min_duration"], highlight["max_duration"], highlight["variants"]) == \
        (10.0, 30.0, 3)
    assert social["max_duration"] == 15.0 and social["hook_seconds"] == 3.0
    custom = deliverable_targets(["social"], Brief(
        deliverable_targets=[{"deliverable": "social", "max_duration": 10.0}]))
    assert custom == [{**social, "max_duration": 10.0}]


def test_brief_renders_as_json_and_markdown_and_reads_back() -> None:
    brief = parse_brief("Sponsors: Aurora\nMust avoid: rain\ntone: upbeat")
    targets = deliverable_targets(["recap"], brief)
    document = brief_document(brief, targets)
    assert document["schema_version"] == BRIEF_SCHEMA_VERSION
    again = parse_brief(json.dumps(document))
    assert again.sponsors == ["Aurora"] and again.must_avoid == ["rain"]
    markdown = brief_markdown(brief, targets)
    assert "**Sponsors:** Aurora" in markdown and "**Tone:** upbeat" in markdown
    assert "- **recap**: duration 59.0" in markdown
