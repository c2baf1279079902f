"""The operations every front end offers (CLI, HTTP API, MCP tools, dashboard), each in the
module for its stage. Importing this package imports every module that defines a queue
operation, so an entry point that imports it (the CLI, the API app, the worker command, the MCP
server) has taught the queue every operation; the queue itself never imports upwards."""

from editron.services import analyze, dropbox_poll, edit, ingest, render, sources

__all__ = ["analyze", "dropbox_poll", "edit", "ingest", "render", "sources"]
