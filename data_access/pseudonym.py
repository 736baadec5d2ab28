"""Participant pseudonyms: the only form in which a participant is stored."""

from __future__ import annotations

import hashlib
import hmac


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased, the form that is hashed."""
    return email.strip().lower()


def pseudonymise(email: str, *, key: bytes) -> str:
    """Return the participant key: hex HMAC-SHA256 (64 characters) of the
    normalised email under ``key``."""
    return hmac.new(key, normalise_email(email).encode("utf-8"), hashlib.sha256).hexdigest()
