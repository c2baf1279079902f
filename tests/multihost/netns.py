"""Linux network namespaces as hosts on one machine, for the multi-host tests (issue 23.4).

A :class:`Network` is a private bridge in the root namespace (this test process sits on it
at ``.1``, so it reaches every host) with one namespace per host, each joined by a veth pair
and given ``10.77.N.x/24`` (``N`` picked free on this machine). A host runs processes with
``ip netns exec`` (and a UTS namespace of its own, so each reports its own host name) in a
process group of their own, so killing a host kills everything it ran.

Everything is torn down by :meth:`Network.close` even when a test fails half-way (the
fixtures call it from their finalizer), and a later run removes what a SIGKILLed run left:
every name carries the creating test process's pid.

Root is needed (namespaces, links, mounts). :func:`require_root` skips without it, and fails
with the reason under CI=true, where a skip would hide that the test never ran.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.ci_strict import in_ci

__all__ = ["Host", "Network", "Proc", "require_root"]

_PREFIX = "emh"  # every namespace and link name starts so, then the owner's pid in hex


def require_root() -> None:
    """Skip (fail under CI) unless this process may create namespaces."""
    missing = [tool for tool in ("ip", "unshare", "mount") if shutil.which(tool) is None]
    reason = ("the multi-host tests need root (network namespaces, veth links, mounts)"
              if os.geteuid() != 0 else
              f"the multi-host tests need {', '.join(missing)} on PATH" if missing else "")
    if reason and in_ci():
        pytest.fail(f"{reason}; CI runs `make test-slow` as root")
    if reason:
        pytest.skip(reason)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers() -> None:
    """Delete namespaces and bridges whose creating process is gone (a killed run)."""
    owner = re.compile(rf"^{_PREFIX}([0-9a-f]+)")
    names = [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line]
    links = re.findall(r"^\d+: ([^:@]+)", _ip("-o", "link", "show").stdout, re.M)
    for name in names:
        found = owner.match(name)
        if found and not _alive(int(found.group(1), 16)):
            _ip("netns", "delete", name, check=False)
    for link in links:
        found = owner.match(link)
        if found and not _alive(int(found.group(1), 16)):
            _ip("link", "delete", link, check=False)


def _free_subnet() -> int:
    used = set(re.findall(r"inet 10\.77\.(\d+)\.", _ip("-4", "-o", "addr").stdout))
    free = [n for n in range(100, 250) if str(n) not in used]
    if not free:
        raise RuntimeError("no free 10.77.N.0/24 on this machine")
    return random.choice(free)


@dataclass
class Proc:
    """A process a host runs (the leader of its own process group)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (a host losing power takes its children too)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; the exit code."""
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill(signal.SIGKILL)
        return self.popen.wait(timeout=timeout)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Host:
    """One namespace on the network."""

    name: str
    netns: str
    ip: str
    log_dir: Path
    link: str  # its end of the veth pair, on the bridge
    procs: list[Proc] = field(default_factory=list)

    def unplug(self) -> None:
        """Cut the host off the network (its processes keep running, packets are lost)."""
        _ip("link", "set", self.link, "down")

    def plug(self) -> None:
        _ip("link", "set", self.link, "up")

    def popen(self, name: str, argv: Sequence[str], *, env: Mapping[str, str],
              user: str | None = None, cwd: Path | None = None) -> Proc:
        """Start ``argv`` inside this host, its output in ``<log_dir>/<host>-<name>.log``."""
        inner = ["runuser", "-u", user, "--", *argv] if user else list(argv)
        cmd = ["ip", "netns", "exec", self.netns, "unshare", "--uts", "--", "sh", "-c",
               'hostname "$0" && exec "$@"', self.name, *inner]
        log = self.log_dir / f"{self.name}-{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(cmd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        proc = Proc(f"{self.name}-{name}", popen, log)
        self.procs.append(proc)
        return proc

    def run(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
            user: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside this host to completion (raises on failure)."""
        inner = ["runuser", "-u", user, "--", *argv] if user else list(argv)
        done = subprocess.run(["ip", "netns", "exec", self.netns, *inner], env=None if env is None
                              else dict(env), capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(argv)} failed: {done.stderr.strip()}")
        return done

    def kill_all(self) -> None:
        for proc in self.procs:
            proc.kill(signal.SIGKILL)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=10)


class Network:
    """A bridge and the hosts on it; :meth:`close` removes everything."""

    def __init__(self, log_dir: Path) -> None:
        remove_leftovers()
        self.tag = f"{_PREFIX}{os.getpid():x}"
        self.log_dir = log_dir
        self.subnet = _free_subnet()
        self.bridge = f"{self.tag}br"[:15]
        self.gateway = f"10.77.{self.subnet}.1"
        self.hosts: dict[str, Host] = {}
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def add(self, name: str) -> Host:
        number = len(self.hosts) + 2
        netns = f"{self.tag}-{name}"
        outer, inner = f"{self.tag}h{number}"[:15], f"{self.tag}n{number}"[:15]
        ip = f"10.77.{self.subnet}.{number}"
        _ip("netns", "add", netns)
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", netns)
        _ip("link", "set", outer, "master", self.bridge, "up")
        _ip("-n", netns, "addr", "add", f"{ip}/24", "dev", inner)
        _ip("-n", netns, "link", "set", inner, "up")
        _ip("-n", netns, "link", "set", "lo", "up")
        _ip("-n", netns, "route", "add", "default", "via", self.gateway)
        host = self.hosts[name] = Host(name, netns, ip, self.log_dir, outer)
        return host

    def close(self) -> None:
        for host in self.hosts.values():
            host.kill_all()
        for host in self.hosts.values():
            _ip("netns", "delete", host.netns, check=False)
        _ip("link", "delete", self.bridge, check=False)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.tag in _ip("-o", "link", "show").stdout:
            time.sleep(0.1)
