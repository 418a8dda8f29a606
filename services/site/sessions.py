"""The site's session cookie, encrypted as well as signed: it carries the visitor's API token,
which whoever sees the cookie must not be able to read and use against the services directly.

Flask's own cookie is only signed (its JSON is base64 for anyone to read). This one is a
Fernet token (AES-128-CBC with HMAC-SHA256, from `cryptography`) whose keys are derived from
the site's secrets with HKDF, so the secret file stays one thing to keep and rotate. A cookie
that was changed, made with an unknown key or older than the session lifetime opens as an
empty session: the visitor is simply signed out.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import flask
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask.sessions import SecureCookieSessionInterface, session_json_serializer
from itsdangerous import BadSignature

#: Names what the derived key is for: the same secret gives other uses other keys.
_KEY_PURPOSE = b"fundtrail site session cookie v1"


def session_key(secret: bytes) -> Fernet:
    """The cookie key derived from one of the site's secrets."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SessionCipher:
    """Turns a session into a cookie value and back, in the shape Flask's session interface
    expects of its serializer (`dumps`, and `loads` raising BadSignature)."""

    def __init__(self, secrets: Sequence[bytes]) -> None:
        if not secrets:
            raise ValueError("the site needs a secret to encrypt its sessions")
        # The first secret encrypts; every one of them still opens cookies made with it.
        self._keys = MultiFernet([session_key(secret) for secret in secrets])

    def dumps(self, session: dict[str, Any]) -> str:
        payload = session_json_serializer.dumps(session).encode()
        return self._keys.encrypt(payload).decode("ascii")

    def loads(self, cookie: str, max_age: int | None = None) -> Any:
        try:
            payload = self._keys.decrypt(cookie.encode("ascii"), ttl=max_age)
            return session_json_serializer.loads(payload.decode())
        except (InvalidToken, UnicodeError, ValueError) as exc:
            raise BadSignature("not a session cookie of this site") from exc


class EncryptedSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions (flags, lifetime, refresh), with the value encrypted."""

    def __init__(self, secrets: Sequence[bytes]) -> None:
        self._cipher = SessionCipher(secrets)

    def get_signing_serializer(self, app: flask.Flask) -> Any:
        return self._cipher
