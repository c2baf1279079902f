"""benchmarks/README.md stays short and names every benchmark (issue #16, point 10).

The README is one section per benchmark with its latest figures; history lives in git. These
checks keep it from growing back into a log and from falling behind a new benchmark script.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
README = BENCHMARKS / "README.md"
# Modules other scripts use, not benchmarks of their own: range_server.py is the ingest
# benchmark's loopback server, sync_audalign.py runs a peer inside its own venv for sync.py,
# editorial_speaker.py is editorial_story.py's two-speaker event.
HELPERS = frozenset({"__init__.py", "editorial_speaker.py", "range_server.py",
                     "sync_audalign.py"})
MAX_LINES = 200


def benchmark_scripts() -> list[str]:
    return sorted(p.name for p in BENCHMARKS.glob("*.py") if p.name not in HELPERS)


def sections(text: str) -> dict[str, str]:
    """Each `## ` heading's text mapped to its body, up to the next `## ` heading."""
    parts = re.split(r"^## +(.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_readme_is_under_the_line_limit() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < MAX_LINES, (
        f"benchmarks/README.md has {len(lines)} lines; keep it under {MAX_LINES} "
        "(latest figures only, history stays in git)")


def test_there_are_benchmark_scripts_to_check() -> None:
    # Guards the test below against a wrong path or helper list making it check nothing.
    assert {"ingest.py", "analysis.py", "shots.py"} <= set(benchmark_scripts())


@pytest.mark.parametrize("script", benchmark_scripts())
def test_every_benchmark_has_a_section_with_its_command(script: str) -> None:
    found = sections(README.read_text(encoding="utf-8"))
    named = [body for heading, body in found.items() if f"benchmarks/{script}" in heading]
    assert named, f"benchmarks/README.md has no `## ...` section naming benchmarks/{script}"
    assert f"python benchmarks/{script}" in named[0], (
        f"the section for benchmarks/{script} does not show the command that runs it")
