"""The site's session cookie: the API token inside cannot be read, and a changed cookie is no
session at all."""

from __future__ import annotations

import base64
import contextlib
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask

from tests.integration.site.site_support import Stack
from tests.integration.site.test_site_security import sign_in, signed_up


def test_the_session_cookie_neither_shows_the_token_nor_survives_tampering(stack: Stack) -> None:
    signed_up(stack, "ada@example.org")
    client = stack.site_client()

    answer = sign_in(client, "ada@example.org", "/")

    cookie = client.get_cookie("fundtrail_session")
    assert answer.status_code == 302 and cookie is not None
    assert "ada@example.org" in client.get("/").get_data(as_text=True)
    token = _session_of(stack.site, cookie.value)["token"]
    assert isinstance(token, str) and len(token) > 20
    # What anyone holding the cookie can read without the site's key.
    readable = _readable(cookie.value)
    assert token.encode() not in readable and b"ada@example.org" not in readable
    for encoded in _encodings(token.encode()):
        assert encoded not in cookie.value

    value = cookie.value
    flipped = "A" if value[-10] != "A" else "B"
    client.set_cookie("fundtrail_session", value[:-10] + flipped + value[-9:])
    assert "ada@example.org" not in client.get("/").get_data(as_text=True)
    assert _session_of(stack.site, value[:-10] + flipped + value[-9:]) == {}


def _session_of(site: flask.Flask, cookie: str) -> dict[str, Any]:
    """The session the site reads from a cookie holding `cookie`."""
    with site.test_request_context(headers={"Cookie": f"fundtrail_session={cookie}"}):
        session = site.session_interface.open_session(site, flask.request)
    return dict(session or {})


def _readable(cookie: str) -> bytes:
    """Every part of the cookie decoded as itsdangerous would, with no key: base64, and zlib
    when it starts with a dot."""
    found = [cookie.encode()]
    for part in cookie.lstrip(".").split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        found.append(raw)
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(raw))
    return b"\n".join(found)


def _encodings(raw: bytes) -> Iterator[str]:
    """The middle of `raw` in base64 (either alphabet) at each of the three offsets a base64
    run can start at: the ends depend on the bytes around it."""
    for skip in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            yield encode(raw[skip:]).decode().rstrip("=")[4:-4]


def test_a_rotated_secret_file_keeps_sessions_made_with_the_old_secret(tmp_path: Path) -> None:
    from services.site.app import create_app
    from services.site.settings import SiteSettings

    key_file = tmp_path / "keys" / "site.key"
    old = create_app({"TESTING": True}, settings=SiteSettings.load({"var_dir": tmp_path}))
    old_secret = key_file.read_bytes().strip()
    browser = old.test_client()
    with browser.session_transaction() as session:
        session["token"] = "t" * 40
    made = browser.get_cookie("fundtrail_session")
    assert made is not None
    cookie = made.value
    key_file.write_bytes(b"b" * 64 + b"\n" + old_secret + b"\n")

    rotated = create_app({"TESTING": True}, settings=SiteSettings.load({"var_dir": tmp_path}))

    assert rotated.config["SECRET_KEY"] == b"b" * 64
    assert _session_of(rotated, cookie) == {"token": "t" * 40}
    key_file.write_bytes(b"b" * 64 + b"\n")
    retired = create_app({"TESTING": True}, settings=SiteSettings.load({"var_dir": tmp_path}))
    assert _session_of(retired, cookie) == {}
