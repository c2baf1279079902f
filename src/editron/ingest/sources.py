"""Parse what the user gave into a ``SourceSpec`` before any work starts.

Accepted: a local file or folder path, ``file://`` URLs, ``http(s)://`` URLs, and Dropbox shared
links (``/s/…``, ``/scl/fi/…`` files, ``/scl/fo/…`` and legacy ``/sh/…`` folders), rewritten
to a direct download on the configured Dropbox content host. Anything else raises
``UnsupportedSourceError``.

A caller over the network (HTTP, MCP) passes ``import_roots``: a local path or ``file://`` URL
is then accepted only when its resolved form (``..`` collapsed, symlinks followed) lies inside
one of them, and everything else local is refused with one message (``SourceNotAllowedError``)
that is the same whether the path exists or not. The CLI passes none and keeps its user's
rights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from editron.config import get_settings
from editron.domain.media import SourceKind
from editron.errors import SourceNotAllowedError, UnsupportedSourceError

__all__ = ["NOT_ALLOWED", "SourceSpec", "confine", "normalise_dropbox_link", "parse_source"]

DROPBOX_HOSTS = frozenset({"dropbox.com", "www.dropbox.com", "dl.dropbox.com",
                           "dl.dropboxusercontent.com"})
DEFAULT_DROPBOX_CONTENT_HOST = "https://www.dropbox.com"
# "name:" with a name of two or more letters; one letter is a Windows drive ("C:").
_SCHEME_ONLY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME_BYTES = 255  # the longest file name Linux, macOS and Windows file systems all take
NOT_ALLOWED = ("local paths and file:// URLs are accepted over the network only inside the "
               "operator's import roots (EDITRON_IMPORT_ROOTS); give an http(s):// or Dropbox "
               "link, or a path inside an import root")


def _is_path(text: str) -> bool:
    try:
        return Path(text).expanduser().exists()
    except (OSError, RuntimeError, ValueError):  # too long; "~nosuchuser"; "~\0"
        return False


def _download_name(raw: str, fallback: str) -> str:
    """One plain file name from the last segment of a URL's path, percent-decoded: the
    download is saved as ``downloads/<name>``, so a ``%2F``, ``..`` or control character in
    it could place it anywhere (found by tests/fuzz/test_fuzz_sources.py)."""
    name = _CONTROL.sub("", unquote(raw)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        name = fallback
    while len(name.encode()) > _NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:-1] + dot + ext) if dot and len(ext) < 16 and stem else name[:-1]
    return name


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: SourceKind
    location: str  # a local path, or the URL to download
    reference_name: str
    filename: str  # the name the download is saved under

    @property
    def is_remote(self) -> bool:
        return self.kind not in (SourceKind.LOCAL_FILE, SourceKind.LOCAL_FOLDER)


def confine(path: Path, roots: Sequence[Path]) -> Path:
    """``path`` resolved, if it lies inside one of ``roots`` (already resolved); otherwise
    ``SourceNotAllowedError`` with the one message that says nothing about the path (no
    existence check happens before this answer)."""
    try:
        resolved = path.expanduser().resolve()
    except (OSError, RuntimeError, ValueError):  # "~nosuchuser", a loop of links, "\0"
        raise SourceNotAllowedError(NOT_ALLOWED) from None
    if not any(resolved.is_relative_to(root) for root in roots):
        raise SourceNotAllowedError(NOT_ALLOWED)
    return resolved


def _local(path: Path, original: str, roots: Sequence[Path] | None) -> SourceSpec:
    if roots is not None:
        path = confine(path, roots)
    try:
        path = path.expanduser()
    except (RuntimeError, ValueError):  # "~someone" this machine does not know; "~\0"
        raise UnsupportedSourceError(
            f"{original}: cannot expand the home directory in this path; give an absolute path"
        ) from None
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system, a loop of links...
        raise UnsupportedSourceError(f"{original}: cannot use this path: "
                                     f"{exc.strerror or exc}") from None
    if not exists:
        raise UnsupportedSourceError(
            f"{original}: no such file or folder; give an existing path or an http(s):// or "
            "Dropbox link"
        )
    resolved = path.resolve()
    if not resolved.name:  # "/" (or a path that resolves to it): every file on the machine
        raise UnsupportedSourceError(
            f"{original}: that is the root of the file system; give the folder that holds the "
            "footage"
        )
    kind = SourceKind.LOCAL_FOLDER if resolved.is_dir() else SourceKind.LOCAL_FILE
    return SourceSpec(kind, str(resolved), resolved.name, resolved.name)


def normalise_dropbox_link(
    url: str, *, content_host: str = DEFAULT_DROPBOX_CONTENT_HOST
) -> tuple[SourceKind, str, str]:
    """(kind, direct download URL, file name) for a Dropbox shared link."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    is_file_link = (len(segments) >= 3 and segments[0] == "s") or (
        len(segments) >= 4 and segments[:2] == ["scl", "fi"]
    )
    if is_file_link:
        kind, name = SourceKind.DROPBOX_FILE, _download_name(segments[-1], "dropbox")
    elif len(segments) >= 3 and segments[0] == "scl" and segments[1] == "fo":
        kind = SourceKind.DROPBOX_FOLDER
        name = _download_name(segments[-1] if len(segments) >= 4 else segments[2],
                              "dropbox") + ".zip"
    elif len(segments) >= 3 and segments[0] == "sh":
        # Links made before 2023 (/sh/<id>/<key>[/<name>]) still work and still zip the folder.
        kind = SourceKind.DROPBOX_FOLDER
        name = _download_name(segments[3] if len(segments) >= 4 else segments[1],
                              "dropbox") + ".zip"
    else:
        raise UnsupportedSourceError(
            f"{url}: not a Dropbox shared link; expected /s/…, /scl/fi/…, /scl/fo/… or /sh/… "
            "(copy the link from Dropbox's Share button)"
        )
    if "/scl/" in parts.path and not dict(parse_qsl(parts.query)).get("rlkey"):
        raise UnsupportedSourceError(
            f"{url}: this Dropbox link has no rlkey parameter; copy the complete link"
        )
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in ("dl", "raw")]
    query.append(("dl", "1"))
    host = urlsplit(content_host)
    direct = urlunsplit((host.scheme or "https", host.netloc, parts.path, urlencode(query), ""))
    return kind, direct, name


def parse_source(source: str, *, dropbox_content_host: str | None = None,
                 import_roots: Sequence[Path] | None = None) -> SourceSpec:
    """Validate ``source`` and say what it is, or raise ``UnsupportedSourceError`` with a
    one-line reason (control characters in the source are shown escaped). ``import_roots``
    (a network caller's, resolved; possibly empty) confines local sources to those folders."""
    try:
        return _parse(source, dropbox_content_host, import_roots)
    except UnsupportedSourceError as exc:
        if not _CONTROL.search(exc.message):
            raise
        shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", exc.message)
        raise UnsupportedSourceError(shown, path=exc.path) from None


def _parse(source: str, dropbox_content_host: str | None,
           roots: Sequence[Path] | None) -> SourceSpec:
    text = source.strip()
    if not text:
        raise UnsupportedSourceError("no source given: pass a path, a URL or a Dropbox link")
    if "://" not in text:
        scheme_like = _SCHEME_ONLY.match(text)
        # A network caller is not told whether such a name exists as a file here.
        if scheme_like and (roots is not None or not _is_path(text)):
            # mailto:, s3:bucket... are URLs without "//", not missing files.
            raise UnsupportedSourceError(
                f"{text}: unsupported scheme {scheme_like.group(1).lower()!r}; use a local "
                "path, file://, http(s):// or a Dropbox shared link")
        return _local(Path(text), text, roots)
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unclosed [IPv6] bracket
        raise UnsupportedSourceError(f"{text}: malformed URL ({exc}); check the link was "
                                     "copied whole") from exc
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UnsupportedSourceError(
                f"{text}: file:// URLs must name a path on this machine (file:///path)")
        return _local(Path(unquote(parts.path)), text, roots)
    if scheme not in ("http", "https"):
        raise UnsupportedSourceError(
            f"{text}: unsupported scheme {scheme!r}; use a local path, file://, http(s):// "
            "or a Dropbox shared link"
        )
    try:
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise UnsupportedSourceError(f"{text}: malformed URL ({exc})") from exc
    if not host or any(c.isspace() for c in text):
        raise UnsupportedSourceError(f"{text}: malformed URL: no host name")
    if _CONTROL.search(text):
        raise UnsupportedSourceError(f"{text}: malformed URL: it holds control characters")
    if host.lower() in DROPBOX_HOSTS:
        content_host = dropbox_content_host or get_settings().dropbox_content_host
        kind, direct, name = normalise_dropbox_link(text, content_host=content_host)
        return SourceSpec(kind, direct, PurePosixPath(name).stem or "dropbox", name)
    name = _download_name(PurePosixPath(parts.path).name, "download")
    return SourceSpec(SourceKind.HTTP, text, PurePosixPath(name).stem or host, name)
