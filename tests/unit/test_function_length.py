"""No function in ``src/editron`` runs over 60 lines (its ``def`` line to its last line,
decorators left out), read with the AST; database migrations are exempt (each is one
generated step, read top to bottom)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "editron"
MIGRATIONS = PACKAGE / "db" / "migrations"
MAX_LINES = 60

# Too long today and being split on another branch; an entry that is no longer too long
# fails the test, so the set cannot go stale.
PENDING: set[str] = set()  # functions being split on another branch, by "file:name"


def function_lengths(source: str) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in ``source``; a nested function
    is named after its parents (``register.edit``)."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    found.append((name, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def too_long() -> dict[str, int]:
    """``editron/path.py:name`` -> lines, for every function over ``MAX_LINES``."""
    long: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(MIGRATIONS):
            continue
        for name, lines in function_lengths(path.read_text()):
            if lines > MAX_LINES:
                long[f"{path.relative_to(SRC).as_posix()}:{name}"] = lines
    return long


def test_no_function_is_over_60_lines() -> None:
    offenders = {key: n for key, n in too_long().items() if key not in PENDING}
    assert not offenders, (
        f"functions over {MAX_LINES} lines (file:name:length); break them up:\n"
        + "\n".join(f"{key}:{n}" for key, n in sorted(offenders.items(), key=lambda i: -i[1])))


def test_pending_entries_are_still_too_long() -> None:
    long = too_long()
    stale = sorted(key for key in PENDING if key not in long)
    assert not stale, ("no longer over 60 lines (or gone); remove from PENDING: "
                       + ", ".join(stale))


def test_the_measure_counts_def_line_to_last_line() -> None:
    def body(indent: str) -> str:
        return "".join(f"{indent}x{i} = {i}\n" for i in range(59))

    source = ("@decorator\ndef sixty():\n" + body("    ") + "\n\n"
              "class Box:\n    def sixty_two(self):\n" + body("        ")
              + "        def inner():\n            return 1\n")
    lengths = dict(function_lengths(source))
    assert lengths == {"sixty": 60, "Box.sixty_two": 62, "Box.sixty_two.inner": 2}


def test_the_walk_reads_the_package() -> None:
    here = dict(function_lengths(Path(__file__).read_text()))
    assert "function_lengths.visit" in here
    modules = [p for p in PACKAGE.rglob("*.py") if not p.is_relative_to(MIGRATIONS)]
    assert len(modules) > 100
    assert any(p.is_relative_to(MIGRATIONS) for p in PACKAGE.rglob("*.py"))
