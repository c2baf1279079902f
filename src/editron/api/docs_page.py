"""``/docs``: the API reference as one self-contained HTML page made from the OpenAPI
document on the server, so it works offline (no CDN, no script)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["render_docs"]

_STYLE = ("body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
          "padding:0 1rem;color:#1b1f24}code,pre{font:13px ui-monospace,monospace}"
          "pre{background:#f4f5f7;padding:.6rem;overflow:auto}h2{margin-top:2.5rem}"
          ".op{border-top:1px solid #ddd;padding:.6rem 0}.m{font-weight:700;display:inline-block;"
          "width:4.5rem}table{border-collapse:collapse}td,th{text-align:left;padding:.1rem .6rem;"
          "vertical-align:top}")


def _params(operation: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'required' if p.get('required') else ''}</td>"
        f"<td>{escape(p.get('description', ''))}</td></tr>"
        for p in operation.get("parameters", []))
    return f"<table><tr><th>parameter</th><th>in</th><th></th><th></th></tr>{rows}</table>" \
        if rows else ""


def _body(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return f"<p>Body: <a href='#{escape(ref.rsplit('/', 1)[-1])}'>" \
           f"{escape(ref.rsplit('/', 1)[-1])}</a></p>" if ref else ""


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    answers = ", ".join(f"{escape(code)} {escape(r.get('description', ''))}"
                        for code, r in operation.get("responses", {}).items())
    return (f"<div class='op'><span class='m'>{escape(method.upper())}</span>"
            f"<code>{escape(path)}</code> — {escape(operation.get('summary', ''))}"
            f"<p>{escape(operation.get('description', ''))}</p>{_params(operation)}"
            f"{_body(operation)}<p>Answers: {answers}</p></div>")


def render_docs(spec: dict[str, Any]) -> str:
    """The whole reference page for ``spec`` (pure)."""
    info = spec.get("info", {})
    operations = "".join(_operation(path, method, op)
                         for path, methods in spec.get("paths", {}).items()
                         for method, op in methods.items())
    schemas = "".join(f"<h3 id='{escape(name)}'>{escape(name)}</h3>"
                      f"<pre>{escape(json.dumps(schema, indent=2))}</pre>"
                      for name, schema in spec.get("components", {}).get("schemas", {}).items())
    return (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>"
            f"{escape(info.get('title', 'API'))} API</title><style>{_STYLE}</style>"
            f"<h1>{escape(info.get('title', 'API'))} {escape(info.get('version', ''))}</h1>"
            f"<p>{escape(info.get('description', ''))}</p><p>The machine-readable document: "
            f"<a href='/openapi.json'>/openapi.json</a>.</p><h2>Operations</h2>{operations}"
            f"<h2>Schemas</h2>{schemas}</html>")
