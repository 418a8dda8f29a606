"""What the site remembers of where a visitor came from: per campaign, first touch winning,
only on pages people land on, only what is a tag or another site's host, ten campaigns at most."""

from __future__ import annotations

import uuid
from pathlib import Path

import flask
import pytest
from flask.sessions import session_json_serializer

from services.site import referrals
from services.site.app import create_app
from services.site.settings import SiteSettings


@pytest.fixture
def site(tmp_path: Path) -> flask.Flask:
    settings = SiteSettings.load({"var_dir": tmp_path, "public_url": "https://fundtrail.example"})
    return create_app({"TESTING": True}, settings=settings)


def _visit(
    site: flask.Flask,
    session: dict[str, object],
    path: str,
    referer: str | None = None,
    status: int = 200,
) -> dict[str, object]:
    """The session after the page at `path` answered `status` to a visitor holding `session`,
    as the cookie brings it back (tuples and lists do not survive alike)."""
    headers = {} if referer is None else {"Referer": referer}
    with site.test_request_context(path, headers=headers, base_url="http://localhost:8000"):
        flask.session.update(session)
        referrals.remember(flask.Response(status=status))
        kept: dict[str, object] = session_json_serializer.loads(
            session_json_serializer.dumps(dict(flask.session))
        )
        return kept


def test_the_first_source_for_a_campaign_stays_for_the_session(site: flask.Flask) -> None:
    cid = uuid.uuid4()
    session = _visit(site, {}, f"/campaigns/{cid}?ref=WhatsApp")
    for later in (f"/campaigns/{cid}?ref=newsletter", f"/campaigns/{cid}"):
        session = _visit(site, session, later, referer="https://x.com/post/1")
    with site.test_request_context("/"):
        flask.session.update(session)
        assert referrals.source_for(cid) == "whatsapp"
        assert referrals.source_for(uuid.uuid4()) is None


@pytest.mark.parametrize(
    ("path", "referer", "kept"),
    [
        ("?ref=javascript:alert(1)", None, None),
        ("?ref=" + "x" * 10_240, "https://blog.example.org/post?id=7", "blog.example.org"),
        ("?ref=https://evil.example/?who=me", None, None),
        ("", "https://www.facebook.com/groups/1", "facebook.com"),
        ("", "https://fundtrail.example/", None),  # our public address
        ("", "http://localhost:8000/campaigns", None),  # the host it was reached at
        ("/embed?ref=blog", None, None),  # framed on other sites: no cookie there
        ("/card.png?ref=blog", None, None),
        ("/updates.atom?ref=blog", None, None),
        ("/updates/1?ref=blog", None, "blog"),
    ],
)
def test_only_a_tag_or_another_sites_host_is_kept_on_pages_people_land_on(
    site: flask.Flask, path: str, referer: str | None, kept: str | None
) -> None:
    cid = uuid.uuid4()
    full = f"/campaigns/{cid}{path}"
    if path.startswith("/updates/1"):
        full = f"/campaigns/{cid}/updates/{uuid.uuid4()}?ref=blog"
    site.add_url_rule("/campaigns/<uuid:campaign_id>/<path:rest>", "any_page", lambda **_: "")

    session = _visit(site, {}, full, referer=referer)

    assert session.get("referrals", []) == ([] if kept is None else [[str(cid), kept]])


def test_nothing_is_kept_from_a_page_not_shown_or_outside_campaign_pages(
    site: flask.Flask,
) -> None:
    cid = uuid.uuid4()
    assert "referrals" not in _visit(site, {}, f"/campaigns/{cid}?ref=x", status=404)
    assert "referrals" not in _visit(site, {}, f"/console/campaigns/{cid}?ref=x")


def test_a_session_remembers_ten_campaigns_at_most_the_newest(site: flask.Flask) -> None:
    session: dict[str, object] = {}
    ids = [uuid.uuid4() for _ in range(12)]
    for cid in ids:
        session = _visit(site, session, f"/campaigns/{cid}?ref=whatsapp")

    assert [cid for cid, _ in session["referrals"]] == [str(c) for c in ids[2:]]  # type: ignore[union-attr]
