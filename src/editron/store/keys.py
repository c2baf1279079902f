"""Logical media keys: the name of an object in the media store, the same on every host.

A key is a relative POSIX path such as ``batches/<batch_id>/originals/day1/keynote.mp4``.
The database keeps keys, never a host's absolute path, so a worker with a different mount
point (or no shared disk at all, with an object store) finds the same file under the same
name. Rows written before keys existed hold absolute paths; :func:`key_of` turns one that
lies under the storage folder into its key and leaves any other path for the caller to use
as it is (pure functions, no I/O).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from editron.errors import InputError

__all__ = ["batch_key", "check_key", "is_key", "join_key", "key_of"]


def check_key(key: str) -> str:
    """``key`` when it is a usable store key; InputError (saying why) otherwise: a key is
    relative, uses ``/``, and has no empty, ``.`` or ``..`` part."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise InputError(f"media key {key!r} must be a relative path written with '/'")
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise InputError(f"media key {key!r} may not have empty, '.' or '..' parts")
    return key


def is_key(value: str) -> bool:
    """Whether a stored value is a key (as opposed to a legacy absolute path)."""
    try:
        check_key(value)
    except InputError:
        return False
    return True


def join_key(*parts: str) -> str:
    """Parts joined with ``/`` (each may itself hold ``/``), checked."""
    return check_key("/".join(p.strip("/") for p in parts if p.strip("/")))


def batch_key(batch_id: str, *parts: str) -> str:
    """A key inside one batch's area: ``batches/<batch_id>/<parts...>``."""
    return join_key("batches", batch_id, *parts)


def key_of(path: Path | str, root: Path) -> str | None:
    """The key of a local ``path`` inside the storage folder ``root``, or None when it lies
    outside it (or is already relative: then it is returned checked, as it is a key)."""
    text = str(path)
    if not text:
        return None
    candidate = Path(text)
    if not candidate.is_absolute():
        return check_key(PurePosixPath(text).as_posix()) if is_key(text) else None
    try:
        relative = candidate.relative_to(root)
    except ValueError:
        return None
    key = relative.as_posix()
    return key if key not in ("", ".") and is_key(key) else None
