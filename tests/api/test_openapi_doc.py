"""The OpenAPI document as a person reads it: every operation described, only the errors it
can return, Location on what it creates or queues, examples for every request field, and a
/docs page that needs no network."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db.runtime import ready
from tests.api.schema_fuzz import OPERATIONS


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    reset_settings()
    return TestClient(create_app(ready(Settings())))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, o) for p, ms in spec["paths"].items() for m, o in ms.items()]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_operation_is_described_with_its_own_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = _operations(spec)
    assert len(operations) == OPERATIONS  # one count, shared with the fuzz tests
    for method, path, op in operations:
        assert op.get("summary") and op.get("description"), (method, path)
        codes = set(op["responses"])
        assert "500" not in codes, (method, path)
        if op.get("x-required-scope"):
            assert {"401", "403", "429"} <= codes, (method, path)
            assert f"`{op['x-required-scope']}` scope" in op["description"]
        if "{" not in path and not any(p["name"].endswith("_id")
                                       for p in op.get("parameters", [])):
            assert "404" not in codes or "requestBody" in op, (method, path)
        if not op.get("parameters") and "requestBody" not in op:
            assert "422" not in codes, (method, path)
        if "requestBody" not in op:
            assert "413" not in codes, (method, path)
        for status in ("201", "202"):
            if status in op["responses"]:
                assert "Location" in op["responses"][status]["headers"], (method, path)
    by_key = {(m, p): o for m, p, o in operations}
    assert set(by_key[("GET", "/metrics")]["responses"]) == {"200", "401", "403", "429", "503"}
    assert set(by_key[("GET", "/api/health")]["responses"]) == {"200"}
    assert by_key[("POST", "/api/projects")]["x-required-scope"] == "admin"
    webhook = by_key[("POST", "/api/webhooks/dropbox")]["responses"]
    assert webhook["403"]["description"] == "Missing or wrong X-Dropbox-Signature"


def test_every_request_field_has_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for method, path, op in _operations(spec):
        for parameter in op.get("parameters", []):
            if parameter["in"] == "header":
                assert parameter.get("example") or parameter["schema"].get("examples") \
                    or parameter.get("examples"), (method, path, parameter["name"])
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if not content or "$ref" not in content["schema"]:
            continue
        model = _resolve(spec, content["schema"])
        if model.get("examples"):
            continue
        for name, prop in model["properties"].items():
            assert prop.get("examples") or prop.get("example"), (method, path, name)


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script" not in html and not re.search(r"(src|href)=['\"]https?://", html)
    for path in client.get("/openapi.json").json()["paths"]:
        assert path in html
    assert client.get("/redoc").status_code == 404
