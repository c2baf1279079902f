"""The layering written in docs/architecture.md holds: no module imports a layer above its
own (top-level or inside a function, read with the AST), and no import of Editron's own
modules hides inside a function except the few listed here with their reason."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "editron"
DOC = ROOT / "docs" / "architecture.md"

# Function-level imports of Editron modules that are not there to dodge a cycle, each with
# the reason (a cycle would show up here as a new entry, which review refuses).
DEFERRED_OK: dict[tuple[str, str], str] = {
    ("cli/agents_cmd.py", "editron.mcp.server"):
        "the MCP SDK costs every command's start-up; only `mcp` and `tools` need it",
    ("cli/server_cmd.py", "editron.api.app"):
        "FastAPI, uvicorn and the MCP SDK cost every command's start-up; only `serve` needs them",
    ("store/__init__.py", "editron.store.s3"):
        "boto3 is the optional s3 extra: a store on a shared folder works without it",
}


def layers() -> dict[str, int]:
    block = re.search(r"```layers\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    table: dict[str, int] = {}
    for line in block.group(1).strip().splitlines():
        level, _, packages = line.partition(":")
        for name in packages.split():
            table[name] = int(level.split()[0])
    return table


def package_of(module: str) -> str:
    """``editron.render.graph`` -> ``render``; ``editron`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported editron module, line, inside a function) for every import in the file."""
    tree = ast.parse(path.read_text(), str(path))
    me = module_name(path)
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names
                             if a.name.split(".")[0] == "editron")
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: resolve against this module's package
                    anchor = me.split(".")
                    if path.name != "__init__.py":
                        anchor = anchor[:-1]
                    anchor = anchor[:len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.split(".")[0] == "editron":
                    found.append((base, child.lineno, in_function))
            visit(child, inside)

    visit(tree, False)
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_every_package_is_in_the_layer_table() -> None:
    table = layers()
    packages = {package_of(module_name(p)) for p in SOURCES}
    assert packages - set(table) == set(), "add these to docs/architecture.md's layers"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_goes_up_the_layers(path: Path) -> None:
    table = layers()
    me = package_of(module_name(path))
    upward = [f"line {line}: {target} (layer {table[package_of(target)]} > {me}'s "
              f"{table[me]})" for target, line, _ in imports(path)
              if table[package_of(target)] > table[me]]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_editron_import_hides_in_a_function(path: Path) -> None:
    rel = str(path.relative_to(PACKAGE))
    hidden = [f"line {line}: {target}" for target, line, in_function in imports(path)
              if in_function and (rel, target) not in DEFERRED_OK]
    assert not hidden, "\n".join(hidden)


def test_the_checker_sees_upward_and_hidden_imports(tmp_path: Path) -> None:
    bad = PACKAGE / "render" / "_layer_probe.py"
    bad.write_text("from editron.services import ingest\n\ndef f():\n"
                   "    import editron.jobs.app\n")
    try:
        found = imports(bad)
    finally:
        bad.unlink()
    assert ("editron.services", 1, False) in found and ("editron.jobs.app", 4, True) in found
