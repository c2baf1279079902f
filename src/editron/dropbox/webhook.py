"""Dropbox webhooks: the signature check and which accounts a notification names.

Dropbox signs the raw body with HMAC-SHA256 keyed by the app secret and sends the hex digest
in ``X-Dropbox-Signature``; a notification names accounts (``list_folder.accounts``, or the
older ``delta.users``) whose folders changed, never the files.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from editron.errors import InputError, WebhookSignatureError

__all__ = ["check_signature", "notified_accounts", "verify_dropbox_signature"]


def verify_dropbox_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """Whether ``signature`` is the body's HMAC-SHA256 under ``secret``, compared in constant
    time."""
    if not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace"))


def check_signature(body: bytes, signature: str | None, secret: str | None) -> None:
    """WebhookSignatureError unless the body is signed with ``secret`` (``None``: webhooks
    are not configured here, so nothing can be trusted)."""
    if secret is None:
        raise WebhookSignatureError("Dropbox webhooks are not configured on this server "
                                    "(EDITRON_DROPBOX_APP_SECRET is not set)")
    if not verify_dropbox_signature(body, signature, secret):
        raise WebhookSignatureError("missing or wrong X-Dropbox-Signature")


def notified_accounts(body: bytes) -> set[str]:
    """The account ids a (signed) notification names; InputError for a body that is not the
    JSON object Dropbox sends."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        raise InputError("Dropbox webhook body is not JSON") from None
    if not isinstance(doc, dict):
        raise InputError("Dropbox webhook body is not a JSON object")
    names: set[str] = set()
    accounts = (doc.get("list_folder") or {}).get("accounts") \
        if isinstance(doc.get("list_folder"), dict) else None
    users = (doc.get("delta") or {}).get("users") if isinstance(doc.get("delta"), dict) else None
    for group in (accounts, users):
        if isinstance(group, list):
            names.update(str(item) for item in group if isinstance(item, str | int))
    return names
