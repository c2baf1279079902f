"""Credentials at rest: Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``).

A stored secret is ``fernet:<token>``. The key is ``EDITRON_SECRET_KEY`` (one or more Fernet
keys, comma-separated: the first encrypts, each decrypts, so a key can be rotated), else a
key generated once into ``secret.key`` in the home folder, created mode 0600 and never
overwritten. A value without the prefix is a plaintext one stored before encryption
(migration 0007 converts those) and is read as it is.

The repositories seal on write and open on read with the box bound to their session
(``bind_box``, done by ``db.runtime.db``); a session made without one uses the process's
settings. A sealed value the key cannot open raises SecretKeyError naming the row and what
to do, never the value."""

from __future__ import annotations

import contextlib
import os
import threading
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.orm import Session, object_session

from editron.config import Settings, get_settings
from editron.domain.redact import redact_url
from editron.errors import ConfigError, SecretKeyError

__all__ = ["PREFIX", "SecretBox", "bind_box", "box_for", "box_of", "forget_keys", "is_sealed",
           "open_stored", "seal_url"]

PREFIX = "fernet:"
_INFO_KEY = "editron.secret_box"
_MAKE_KEY = ('python -c "from cryptography.fernet import Fernet; '
             'print(Fernet.generate_key().decode())"')


def is_sealed(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX)


class SecretBox:
    """Seals and opens credentials with one configured key (see the module docstring)."""

    def __init__(self, *, keys: tuple[str, ...], key_file: Path) -> None:
        self._keys, self._key_file = keys, key_file
        self._fernet: MultiFernet | None = None
        self._lock = threading.Lock()

    def seal(self, plain: str) -> str:
        """``plain`` encrypted, making the key file first when no key is configured."""
        return PREFIX + self._cipher(create=True).encrypt(plain.encode()).decode()

    def open(self, stored: str, *, what: str) -> str:
        """The plaintext of a stored value; ``what`` names it in the error (``Dropbox source
        X's access token``) when the key cannot open it."""
        if not is_sealed(stored):
            return stored
        try:
            cipher = self._cipher(create=False)
        except SecretKeyError as exc:
            raise SecretKeyError(f"{what} is stored encrypted but {exc.message}") from None
        try:
            return cipher.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                f"{what} was encrypted with another key than the one configured "
                f"({self._source()}); set EDITRON_SECRET_KEY to the key it was stored with "
                "(or put back the home folder's secret.key), or give the credential "
                "again") from None

    def _source(self) -> str:
        return "EDITRON_SECRET_KEY" if self._keys else f"the key file {self._key_file}"

    def _cipher(self, *, create: bool) -> MultiFernet:
        with self._lock:
            if self._fernet is None:
                keys = self._keys or self._file_keys(create=create)
                origin = "EDITRON_SECRET_KEY" if self._keys else str(self._key_file)
                self._fernet = MultiFernet([_fernet(k, origin) for k in keys])
            return self._fernet

    def _file_keys(self, *, create: bool) -> tuple[str, ...]:
        if not self._key_file.exists():
            if not create:
                raise SecretKeyError(f"no key is configured (EDITRON_SECRET_KEY is unset and "
                                     f"{self._key_file} does not exist); set "
                                     "EDITRON_SECRET_KEY to the key it was stored with, or "
                                     "give the credential again")
            _write_key_file(self._key_file)
        return (self._key_file.read_text(encoding="ascii").strip(),)


def _fernet(key: str, origin: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except ValueError:
        raise ConfigError(f"{origin} does not hold a Fernet key (32 bytes, URL-safe base64, "
                          f"44 characters); make one with {_MAKE_KEY}") from None


def _write_key_file(path: Path) -> None:
    """A new key at ``path``, mode 0600 from the start; linked into place so two processes
    racing to make it both end up with the one that won."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


@lru_cache(maxsize=16)
def _box(keys: tuple[str, ...], key_file: Path) -> SecretBox:
    return SecretBox(keys=keys, key_file=key_file)


def box_for(settings: Settings) -> SecretBox:
    """The box of ``settings`` (one per key and key file, so the key file is read once)."""
    raw = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    return _box(keys, settings.secret_key_file)


def forget_keys() -> None:
    """Read the keys again on next use (tests, or after the key file was replaced)."""
    _box.cache_clear()


def bind_box(session: Session, box: SecretBox) -> None:
    session.info[_INFO_KEY] = box


def box_of(session: Session | None) -> SecretBox:
    """The box bound to ``session``, else the process settings' one."""
    box = session.info.get(_INFO_KEY) if session is not None else None
    return box if isinstance(box, SecretBox) else box_for(get_settings())


def open_stored(row: object, stored: str, *, what: str) -> str:
    """A column value of ``row`` in plain, opened with the key of the row's session."""
    return box_of(object_session(row)).open(stored, what=what)


def seal_url(session: Session, url: str | None) -> tuple[str | None, str | None]:
    """``url`` split for storage: the redacted form everyone may see, and the whole URL
    sealed when it carries credentials (``None`` when it carries none)."""
    if url is None:
        return None, None
    shown = redact_url(url)
    return shown, (box_of(session).seal(url) if shown != url else None)
