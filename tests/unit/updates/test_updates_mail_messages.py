"""Notification e-mails and unsubscribe tokens, without I/O: parts, headers, signatures."""

from __future__ import annotations

import base64
import stat
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.updates.mail.messages import Notification, compose, html_to_text
from services.updates.mail.tokens import UnsubscribeTokens, load_or_create_key

KEY = bytes(range(32))
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def notification(**overrides: object) -> Notification:
    values: dict[str, object] = {
        "update_id": uuid.UUID(int=1),
        "account_id": uuid.UUID(int=2),
        "campaign_id": uuid.UUID(int=3),
        "to": "ada@example.test",
        "campaign_title": "Board <game>",
        "title": "We shipped",
        "body_html": '<p>Boxes are <strong>out</strong>: <a href="https://x.test/t">track</a>.</p>',
        "url": "http://127.0.0.1:8003/api/v1/updates/1",
        "unsubscribe_url": "https://updates.test/unsubscribe/tok",
    }
    values.update(overrides)
    return Notification(**values)  # type: ignore[arg-type]


def test_a_message_is_multipart_text_and_html_with_one_click_unsubscribe() -> None:
    message = compose(notification(), "Fundtrail <updates@fundtrail.test>", NOW)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)

    assert parsed.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["To"] == "ada@example.test"
    assert parsed["From"] == "Fundtrail <updates@fundtrail.test>"
    assert parsed["Subject"] == "[Board <game>] We shipped"
    assert parsed["Message-ID"] == f"<{uuid.UUID(int=1)}.{uuid.UUID(int=2)}@fundtrail.test>"
    assert parsed["List-Unsubscribe"] == "<https://updates.test/unsubscribe/tok>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The text part: the body as text, with where links go, and the unsubscribe link.
    assert "Boxes are out: track <https://x.test/t>." in text
    assert "Stop e-mails about this campaign: https://updates.test/unsubscribe/tok" in text
    # The HTML part: the sanitised body as is, every other value escaped.
    assert "<strong>out</strong>" in html
    assert "Board &lt;game&gt;" in html and "Board <game>" not in html
    assert 'href="https://updates.test/unsubscribe/tok"' in html


def test_a_line_break_in_a_title_cannot_add_a_header() -> None:
    message = compose(
        notification(title="Hi\r\nBcc: everyone@example.test"), "updates@fundtrail.test", NOW
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "[Board <game>] Hi Bcc: everyone@example.test"


def test_html_to_text_keeps_paragraphs_lists_and_link_targets() -> None:
    body = (
        "<h2>News</h2>\n<p>One &amp; <em>two</em></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
        '<p><a href="javascript:alert(1)">x</a> <a href="https://ok.test/">ok</a></p>'
    )
    assert html_to_text(body) == "News\n\nOne & two\n\n- a\n- b\n\nx ok <https://ok.test/>"


def test_a_token_names_its_account_and_campaign() -> None:
    tokens = UnsubscribeTokens(KEY)
    account, campaign = uuid.uuid4(), uuid.uuid4()
    checked = tokens.check(tokens.make(account, campaign))
    assert checked is not None
    assert (checked.account_id, checked.campaign_id) == (account, campaign)


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_forged_tampered_and_other_accounts_tokens_are_refused() -> None:
    tokens = UnsubscribeTokens(KEY)
    mine, theirs, campaign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = tokens.make(mine, campaign)
    raw = _raw(token)
    # My tag on their account id: unsubscribing someone else.
    other_account = _token(theirs.bytes + raw[16:])
    # My tag on another campaign.
    other_campaign = _token(raw[:16] + uuid.uuid4().bytes + raw[32:])
    flipped = _token(raw[:-1] + bytes([raw[-1] ^ 1]))
    forged = UnsubscribeTokens(bytes(32)).make(theirs, campaign)
    for bad in (other_account, other_campaign, flipped, forged, token[:-2], "", "x" * 500, "%%"):
        assert tokens.check(bad) is None, bad
    assert tokens.check(token) is not None


def test_the_key_is_made_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "updates-unsubscribe.key"
    first = load_or_create_key(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == first
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize("key", [b"", b"short"])
def test_a_short_key_is_refused(key: bytes) -> None:
    with pytest.raises(ValueError):
        UnsubscribeTokens(key)
