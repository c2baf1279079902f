"""Child processes (ffmpeg, ffprobe...) end with the process that started them.

On Linux each child asks the kernel for SIGKILL when its parent goes (``prctl``
``PR_SET_PDEATHSIG``), so a worker or CLI killed with SIGKILL does not leave an ffmpeg
re-parented to init and encoding on for minutes. The signal fires when the *thread* that
started the child exits; every caller here waits for its child on that same thread
(``run_ffmpeg`` and the others call ``wait``/``communicate`` before returning), which is what
makes it safe with the preview thread pool. Elsewhere this is a no-op.

Each child also leads a process group of its own, so a SIGTERM or Ctrl-C meant for the worker
(systemd signals the whole service, a terminal the whole foreground group) does not stop the
ffmpeg of a running render at once: the worker decides — it lets the job finish within its
shutdown grace or hands it back, and the child dies with it when it exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable
from functools import cache, partial

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


@cache
def _libc() -> ctypes.CDLL:  # loaded in the parent: the child only calls into it
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _set_death_signal(libc: ctypes.CDLL, parent: int) -> None:
    # Runs in the child between fork and exec: no imports, no allocation beyond the call.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setpgid(0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess`` that ties the child's life to this process's
    (``None`` where the platform has no such thing)."""
    if not sys.platform.startswith("linux"):
        return None
    return partial(_set_death_signal, _libc(), os.getpid())
