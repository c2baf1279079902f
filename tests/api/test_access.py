"""Least privilege: token scopes on every route and MCP tool, the failed-authentication limit,
DNS-rebinding protection on /mcp, and MCP stdio answering a malformed line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from editron.api.app import ROUTERS, create_app
from editron.api.deps import required_scope
from editron.api.mcp_mount import transport_security
from editron.api.ratelimit import FailedAuthLimiter
from editron.cli.main import app as cli
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.migrate import alembic_config, upgrade
from editron.db.runtime import db, ready
from editron.db.session import get_engine
from editron.domain.access import ALL_SCOPES, Scope
from editron.errors import RateLimitedError
from editron.mcp.scopes import TOOL_SCOPES, needed_scopes
from editron.mcp.server import build_server, mcp_tools

# The scope each route needs, as docs/architecture.md states it: reading is `read`, starting
# or changing work is `operate`, configuration (projects, their memory, watched folders with
# their credentials) is `admin`.
ADMIN_ROUTES = {("POST", "/api/projects"), ("PATCH", "/api/projects/{project_id}"),
                ("POST", "/api/projects/{project_id}/memory/reset"), ("POST", "/api/sources")}
OPEN_ROUTES = {("GET", "/api/health"), ("GET", "/api/webhooks/dropbox"),
               ("POST", "/api/webhooks/dropbox")}
LOCAL = {"host": "127.0.0.1:8000"}


def _token(settings: Settings, *scopes: Scope) -> dict[str, str]:
    with db(settings) as session:
        _, plain = repos.tokens.create_token(session, name="-".join(scopes) or "none",
                                             scopes=scopes)
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Settings]]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    monkeypatch.setenv("EDITRON_AUTH_FAILURES_ALLOWED", "3")
    reset_settings()
    settings = ready(Settings())
    with TestClient(create_app(settings)) as client:
        yield client, settings


def test_every_route_declares_the_scope_the_architecture_names() -> None:
    seen = {}
    for route in (r for router in ROUTERS for r in router.routes):
        assert isinstance(route, APIRoute)
        scopes = [s for dep in route.dependant.dependencies
                  if (s := required_scope(dep.call)) is not None]
        for method in route.methods:
            seen[(method, route.path)] = scopes
    for key, scopes in seen.items():
        if key in OPEN_ROUTES:
            assert scopes == [], key
            continue
        expected = (Scope.ADMIN if key in ADMIN_ROUTES else
                    Scope.READ if key[0] == "GET" else Scope.OPERATE)
        assert scopes == [expected], key
    assert set(seen) >= ADMIN_ROUTES and len(seen) > 25


def test_a_missing_scope_is_403_with_a_reason(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    reader, operator, admin = (_token(settings, s) for s in ALL_SCOPES)
    assert client.get("/api/batches", headers=reader).status_code == 200
    refused = client.post("/api/batches", json={"source_url": "https://example.com/a.mp4"},
                          headers=reader)
    assert refused.status_code == 403
    doc = refused.json()
    assert doc["code"] == "missing_scope" and "'operate' scope" in doc["detail"]
    assert "--scope operate" in doc["detail"]
    assert client.get("/api/batches", headers=operator).status_code == 403
    assert client.post("/api/projects", json={"name": "P"}, headers=operator).status_code == 403
    made = client.post("/api/projects", json={"name": "P"}, headers=admin)
    assert made.status_code == 201, made.text
    assert client.get("/metrics", headers=admin).status_code == 403


def test_tokens_made_before_scopes_keep_every_scope(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with get_engine(url).begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
        conn.execute(text("INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES "
                          "('t1', 'old', 'h', '2026-01-01')"))
    upgrade(url)
    with get_engine(url).connect() as conn:
        scopes = conn.execute(text("SELECT scopes FROM api_tokens")).scalar_one()
    assert json.loads(scopes) == ["read", "operate", "admin"]


def test_cli_tokens_take_scopes() -> None:
    runner = CliRunner()
    default = json.loads(runner.invoke(cli, ["tokens", "create", "--name", "bot", "--json"]
                                       ).stdout)
    assert default["scopes"] == ["read", "operate"]
    admin = runner.invoke(cli, ["tokens", "create", "--name", "ops", "--scope", "admin",
                                "--scope", "read", "--json"])
    assert json.loads(admin.stdout)["scopes"] == ["read", "admin"]
    bad = runner.invoke(cli, ["tokens", "create", "--name", "x", "--scope", "root"])
    assert bad.exit_code == 2 and "unknown scope 'root'" in bad.output
    listed = runner.invoke(cli, ["tokens", "list"])
    assert "read,operate" in listed.stdout


def test_failed_authentication_is_rate_limited_per_address(
        api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    good = _token(settings, Scope.READ)
    wrong = {"Authorization": "Bearer edt_wrong"}
    assert [client.get("/api/batches", headers=wrong).status_code for _ in range(3)] == [401] * 3
    limited = client.get("/api/batches", headers=good)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    mcp = client.post("/mcp/", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                      headers={**good, **LOCAL})
    assert mcp.status_code == 429 and "Retry-After" in mcp.headers
    other = TestClient(client.app, client=("10.0.0.9", 5000))
    assert other.get("/api/batches", headers=good).status_code == 200


def test_health_tells_its_details_only_to_a_reader(api: tuple[TestClient, Settings]) -> None:
    """The open health check says ok or degraded; the version, the queues and the problems
    (queue names, worker counts) go to a token that may read; a wrong token counts as a
    failed authentication, so health is no way to guess tokens."""
    client, settings = api
    assert client.get("/api/health").json() == {"status": "ok"}
    assert client.get("/api/health", headers=_token(settings)).json() == {"status": "ok"}
    full = client.get("/api/health", headers=_token(settings, Scope.READ)).json()
    assert set(full) == {"status", "version", "queues", "problems"}, full
    wrong = {"Authorization": "Bearer edt_wrong"}
    assert [client.get("/api/health", headers=wrong).status_code for _ in range(3)] == [200] * 3
    assert client.get("/api/health", headers=wrong).status_code == 429


def test_the_limiter_forgets_in_time_and_stays_bounded() -> None:
    now = [0.0]
    limiter = FailedAuthLimiter(allowed=2, window=10, max_clients=100, clock=lambda: now[0])
    limiter.failed("a")
    limiter.failed("a")
    with pytest.raises(RateLimitedError) as caught:
        limiter.check("a")
    assert caught.value.retry_after == 10
    now[0] = 10.5
    limiter.check("a")
    for i in range(5000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) == 100
    assert all(len(d) <= 2 for d in limiter._failures.values())


def test_mcp_tools_need_their_scope(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    listed = {t["name"] for t in mcp_tools(build_server(settings))}
    assert set(TOOL_SCOPES) == listed
    assert needed_scopes(b'{"method": "tools/call", "params": {"name": "ingest_media_batch"}}'
                         ) == {Scope.OPERATE}
    assert needed_scopes(b"[{\"method\": \"tools/list\"}, {\"method\": \"tools/call\", "
                         b"\"params\": {\"name\": \"made_up\"}}]") == {Scope.READ, Scope.ADMIN}
    assert needed_scopes(b"{not json") == {Scope.READ}
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "ingest_media_batch", "arguments": {"source_url": "x"}}}
    reader = {**_token(settings, Scope.READ), **LOCAL, "accept": "application/json, "
              "text/event-stream"}
    refused = client.post("/mcp/", json=call, headers=reader)
    assert refused.status_code == 403 and "'operate' scope" in refused.json()["detail"]
    listing = client.post("/mcp/", headers=reader, json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"}}})
    assert listing.status_code == 200, listing.text


def test_mcp_refuses_foreign_host_headers(api: tuple[TestClient, Settings],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    client, settings = api
    auth = {**_token(settings, Scope.READ), "accept": "application/json, text/event-stream"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    rebound = client.post("/mcp/", json=ping, headers={**auth, "host": "evil.example"})
    assert rebound.status_code == 421
    foreign_page = client.post("/mcp/", json=ping, headers={
        **auth, **LOCAL, "origin": "http://evil.example"})
    assert foreign_page.status_code == 403
    defaults = transport_security(settings, "192.168.1.20")
    assert {"localhost:*", "127.0.0.1", "[::1]:*", "192.168.1.20:*"} <= set(
        defaults.allowed_hosts)
    monkeypatch.setenv("EDITRON_ALLOWED_HOSTS", "editron.example, 10.1.1.1:*")
    configured = transport_security(Settings(), "0.0.0.0")
    assert configured.allowed_hosts == ["editron.example", "10.1.1.1:*"]
    assert "https://editron.example" in configured.allowed_origins


def test_mcp_stdio_answers_a_malformed_line_and_carries_on() -> None:
    initialize = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    done = subprocess.run([sys.executable, "-m", "editron", "mcp"], env=dict(os.environ),
                          input=f"{{not json\n[1, 2\n{{\"a\": 1}}\n{initialize}\n",
                          capture_output=True, text=True, timeout=120)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("error", {}).get("code") for a in answers[:3]] == [-32700, -32700, -32600]
    assert all(a["id"] is None for a in answers[:3])
    assert answers[3]["id"] == 1 and answers[3]["result"]["serverInfo"]["name"] == "editron"
