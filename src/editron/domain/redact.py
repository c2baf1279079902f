"""Credential redaction for URLs and the texts that quote them (pure).

One function decides what of a URL may be stored or shown: a password or user in the
authority and the values of query parameters that carry a secret (tokens, signatures, keys)
become ``REDACTED``. Everything else (scheme, host, path, harmless parameters) stays, so a
person can still tell which source a batch came from."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Parameter names compared case-insensitively; a name is also secret when it ends in one of
# the suffixes (``X-Amz-Signature``, ``api_key``, ``refresh_token``).
_SECRET_NAMES = frozenset({"token", "access_token", "key", "sig", "signature", "password",
                           "passwd", "pwd", "secret", "auth", "authorization", "code",
                           "x-amz-signature", "x-amz-credential", "x-amz-security-token",
                           "x-goog-signature", "x-goog-credential"})
_SECRET_SUFFIXES = ("token", "signature", "secret", "password", "_key", "-key", "apikey")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
# One ``name=value`` of a query string: after ``?``, ``&`` or ``;``, up to the next separator.
_TAIL = ":.,;)!?"
_QUERY_PAIR = re.compile(r"([?&;])([^=&;?#\s'\"<>]+)=([^&;#\s'\"<>]*)")


def is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def redact_url(url: str) -> str:
    """``url`` with its credentials replaced by ``REDACTED``; anything that does not parse
    as a URL with a scheme is returned unchanged (local paths carry no credentials)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_authority_crudely(url)
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_param(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if is_secret_param(k) else v) for k, v in pairs],
                              safe=REDACTED)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_authority_crudely(url: str) -> str:
    # A URL urlsplit refuses (a bad IPv6 bracket) may still carry ``user:pass@``.
    return re.sub(r"(://)[^/@\s]*@", rf"\1{REDACTED}@", url)


def redact_text(text: str | None) -> str | None:
    """Every URL quoted in ``text`` (an error message, a log line) redacted, and the secret
    values of query strings quoted without a scheme (``GET /api/x?token=...``)."""
    if not text:
        return text
    text = _URL_IN_TEXT.sub(lambda m: _keep_tail(m.group(0), redact_url), text)
    return _QUERY_PAIR.sub(_redact_pair, text)


def _keep_tail(quoted: str, redact: Callable[[str], str]) -> str:
    # "{url}: HTTP 403" or "... {url}." -- the punctuation after a URL is the sentence's.
    body = quoted.rstrip(_TAIL)
    return redact(body) + quoted[len(body):]


def _redact_pair(match: re.Match[str]) -> str:
    lead, name = match.group(1), match.group(2)
    secret = is_secret_param(unquote_plus(name))

    def value(text: str) -> str:
        return REDACTED if secret and text else text

    return f"{lead}{name}={_keep_tail(match.group(3), value)}"
