"""The site when a service is down, and its session secret: people get a page, never a trace."""

from __future__ import annotations

import stat
from pathlib import Path

from infra.broker import find_free_port
from services.site.app import create_app
from services.site.settings import SiteSettings


def test_a_service_that_is_down_gives_a_friendly_503_page(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{find_free_port()}"
    site = create_app(
        {"TESTING": True},
        settings=SiteSettings.load(
            {"var_dir": tmp_path, "pledges_url": nobody, "ledger_url": nobody, "timeout": 2.0}
        ),
    )

    for path in ("/", "/campaigns/6f1c1f4e-0000-4000-8000-000000000000"):
        response = site.test_client().get(path)
        assert response.status_code == 503
        assert response.mimetype == "text/html"
        assert response.headers["Retry-After"] == "30"
        text = response.get_data(as_text=True)
        assert "<h1>Temporarily unavailable</h1>" in text
        assert "the pledges service) is not answering right now" in text
        assert "Traceback" not in text


def test_the_session_secret_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = SiteSettings.load({"var_dir": tmp_path})
    key_file = tmp_path / "keys" / "site.key"

    again = SiteSettings.load({"var_dir": tmp_path})

    assert len(first.secret_key) == 64 and first.secret_key == again.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not first.secure_cookies
    assert SiteSettings.load({"var_dir": tmp_path, "public_url": "https://x.org"}).secure_cookies


def test_sign_in_pages_need_no_service_and_a_head_request_signs_nobody_in(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{find_free_port()}"
    site = create_app(
        {"TESTING": True},
        settings=SiteSettings.load({"var_dir": tmp_path, "pledges_url": nobody, "timeout": 2.0}),
    )
    client = site.test_client()

    for path in ("/login", "/signup"):
        assert client.get(path).status_code == 200
        # HEAD is routed with GET: it must show the form, not try to sign in (503 here).
        assert client.head(path).status_code == 200
