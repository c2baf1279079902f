"""Run pip-audit against requirements.lock: every locked package must be audited.

    python scripts/audit_lock.py requirements.lock [extra pip-audit arguments]

Fails (exit 1) on any known vulnerability, on any locked package that could not be audited
unless requirements.audit-exceptions names it with its reason, and on an exception that is no
longer needed (so the list cannot go stale).

This is ``pip-audit -r LOCK --disable-pip --require-hashes --strict`` (no resolution: the lock
already names every package, with hashes) against PyPI's advisory data, with one adaptation
for networks like the one the project's machines have, where PyPI's per-release JSON
(``/pypi/NAME/VERSION/json``, which pip-audit asks) answers 404 while the per-project JSON
(``/pypi/NAME/json``) answers. The per-project document carries the advisories of the
project's latest release, so when a per-release request fails and the locked version IS the
latest release, that document is used instead. When it is not the latest, the 404 stands and
pip-audit reports the package as not audited; that fails this script unless the package is
one of the few listed in requirements.audit-exceptions, each with the reason it cannot be at
its latest release (in 2026-12: releases that need Python 3.12, and OpenCV held below 5),
and every run names them. On a network where the per-release JSON answers, nothing is
changed and every package is audited.

(The OSV service pip-audit can also use, api.osv.dev, is not reachable from these machines,
and no PyPI package ships a current copy of the OSV database.)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from pip_audit import _cli
from pip_audit._service import pypi

_RELEASE_JSON = re.compile(r"^https://pypi\.org/pypi/(?P<name>[^/]+)/(?P<version>[^/]+)/json$")


class _LatestReleaseFallback(requests.adapters.HTTPAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        match = _RELEASE_JSON.match(request.url or "")
        if response.status_code != 404 or match is None:
            return response
        project = request.copy()
        project.url = f"https://pypi.org/pypi/{match['name']}/json"
        latest = super().send(project, *args, **kwargs)
        if latest.status_code != 200:
            return response
        if latest.json().get("info", {}).get("version") != match["version"]:
            return response  # not the latest release: its advisories are not in this document
        return latest


def _session(*args: Any, **kwargs: Any) -> requests.Session:
    session = _original_session(*args, **kwargs)
    session.mount("https://pypi.org/pypi/", _LatestReleaseFallback())
    return session


_original_session = pypi.caching_session


def _exceptions(lock: Path) -> dict[str, str]:
    listed = lock.with_name("requirements.audit-exceptions")
    out: dict[str, str] = {}
    if listed.is_file():
        for line in listed.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            if name.strip():
                out[name.strip().lower()] = reason.strip()
    return out


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit("usage: audit_lock.py requirements.lock [pip-audit arguments]")
    lock = Path(argv[0])
    pypi.caching_session = _session
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        sys.argv = ["pip-audit", "-r", str(lock), "--disable-pip", "--require-hashes",
                    "--vulnerability-service", "pypi", "--progress-spinner", "off",
                    "--format", "json", "--output", str(report), *argv[1:]]
        try:
            _cli.audit()
        except SystemExit as exc:  # 1 when a vulnerability was found; the report says which
            if exc.code not in (0, 1, None):
                raise
        deps = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = {d["name"].lower(): d["skip_reason"] for d in deps if "skip_reason" in d}
    allowed = _exceptions(lock)
    failures = [f"{d['name']} {d['version']}: {v['id']} (fixed in "
                f"{', '.join(v['fix_versions']) or 'no release yet'})"
                for d in vulnerable for v in d["vulns"]]
    failures += [f"{name}: not audited: {reason}" for name, reason in sorted(skipped.items())
                 if name not in allowed]
    failures += [f"{name}: listed in requirements.audit-exceptions but audited now; remove it"
                 for name in sorted(set(allowed) - set(skipped))]
    print(f"pip-audit: {len(deps) - len(skipped)} of {len(deps)} locked packages audited, "
          f"{len(vulnerable)} with known vulnerabilities")
    for name in sorted(set(skipped) & set(allowed)):
        print(f"pip-audit: NOT AUDITED from this network: {name} ({allowed[name]})")
    for line in failures:
        print(f"pip-audit: FAIL {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
