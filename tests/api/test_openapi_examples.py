"""The answers in /openapi.json as a person reads them (issue 16, point 5): every field of every
response schema has an example, each model's example is a valid instance of its schema, the
OpenAPI links name real operations and parameters, and the event stream and the OTIO download
are documented as what they are."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db.runtime import ready


@pytest.fixture()
def spec(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    reset_settings()
    doc: dict[str, Any] = (
        TestClient(create_app(ready(Settings()), with_mcp=False)).get("/openapi.json").json()
    )
    return doc


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _response_models(spec: dict[str, Any]) -> set[str]:
    """Every component an answer (success or problem) uses, directly or inside another."""
    todo = set().union(
        *(
            _refs(response)
            for methods in spec["paths"].values()
            for op in methods.values()
            for response in op["responses"].values()
        )
    )
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _refs(spec["components"]["schemas"][name])
    return seen


def test_every_response_field_has_an_example(spec: dict[str, Any]) -> None:
    models = _response_models(spec)
    assert {
        "BatchPublic",
        "FilePublic",
        "AnalysisPublic",
        "EditSessionPublic",
        "RenderJobPublic",
        "RevisionPublic",
        "ProjectMetrics",
        "Problem",
    } <= models
    missing = [
        f"{name}.{field}"
        for name in sorted(models)
        for field, prop in spec["components"]["schemas"][name].get("properties", {}).items()
        if not (prop.get("examples") or "example" in prop)
    ]
    assert not missing, missing


def test_every_response_example_is_valid(spec: dict[str, Any]) -> None:
    """A model's example document (from which its fields' examples come) is an instance of
    its own schema, so the examples cannot drift from the fields."""
    for name in sorted(_response_models(spec)):
        schema = spec["components"]["schemas"][name]
        assert schema.get("examples"), name
        root = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        for example in schema["examples"]:
            jsonschema.validate(example, root, cls=jsonschema.Draft202012Validator)
            # (FastAPI writes the document without null members, so only a subset shows.)
            assert set(example) <= set(schema["properties"]), name


def _operation_of(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    _, _, pointer = ref.partition("#/paths/")
    path, method = unquote(pointer).rsplit("/", 1)
    operation: dict[str, Any] = spec["paths"][path.replace("~1", "/").replace("~0", "~")][method]
    return operation


def test_links_name_real_operations_and_parameters(spec: dict[str, Any]) -> None:
    links = [
        (method, path, status, name, link)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        for status, response in op["responses"].items()
        for name, link in response.get("links", {}).items()
    ]
    assert len(links) >= 40
    for method, path, status, name, link in links:
        target = _operation_of(spec, link["operationRef"])
        accepted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(link["parameters"]) <= accepted and link["parameters"], (
            method,
            path,
            status,
            name,
        )
        assert all(
            v.startswith(("$response.body#/", "$request.path."))
            for v in link["parameters"].values()
        ), (method, path, status, name)
    created = spec["paths"]["/api/batches"]["post"]["responses"]["202"]["links"]
    assert created["GetBatch"] == {
        "operationRef": "#/paths/~1api~1batches~1%7Bbatch_id%7D/get",
        "parameters": {"batch_id": "$response.body#/id"},
    }


def test_event_stream_and_json_exports_are_documented_as_such(spec: dict[str, Any]) -> None:
    """Regressions found by schemathesis: the event stream was documented as JSON, and the
    OTIO download (a JSON document) as a string."""
    stream = spec["paths"]["/api/events"]["get"]["responses"]["200"]["content"]
    assert set(stream) == {"text/event-stream"}
    assert stream["text/event-stream"]["schema"]["properties"]["data"]["type"] == "string"
    download = spec["paths"]["/api/edit-sessions/{session_id}/exports/{format}"]["get"]
    types = download["responses"]["200"]["content"]
    assert types["application/json"]["schema"]["type"] == "object"
    assert types["application/xml"]["schema"] == {"type": "string", "format": "binary"}


def test_media_fields_are_shown_as_store_keys_not_host_paths(spec: dict[str, Any]) -> None:
    """The database and the API name media by their media-store key (issue 23, point 1): the
    same on every host, never one host's absolute path."""
    schemas = spec["components"]["schemas"]
    shown: dict[str, Any] = {}
    for name in ("FilePublic", "AnalysisPublic", "EditSessionPublic"):
        assert name in schemas, name
        example = schemas[name].get("example") or schemas[name]["examples"][0]
        for field in ("storage_path", "proxy_path", "poster_path", "sprite_path",
                      "waveform_path", "artifacts_path"):
            if example.get(field):
                shown[f"{name}.{field}"] = example[field]
        for value in (example.get("preview_paths") or {}).values():
            shown[f"{name}.preview_paths"] = value
    assert {"FilePublic.proxy_path", "AnalysisPublic.artifacts_path",
            "EditSessionPublic.preview_paths"} <= set(shown)
    for where, value in shown.items():
        assert value.startswith("batches/") and not value.startswith("/"), (where, value)
