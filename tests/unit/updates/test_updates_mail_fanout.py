"""One update's messages made from a template are the bytes the email package writes for each."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from services.updates.mail.fanout import UpdateMessages, outgoing
from services.updates.mail.messages import Notification
from services.updates.mail.tokens import UnsubscribeTokens

TOKENS = UnsubscribeTokens(bytes(range(32)))
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FROM = "Fundtrail <updates@fundtrail.test>"
UPDATE, CAMPAIGN = uuid.uuid4(), uuid.uuid4()
BODIES = {
    "long ascii (quoted-printable)": "<p>" + "Boxes ship <strong>Monday</strong> = soon. " * 20,
    "mostly not latin (base64)": "<p>" + "Коробки отправлены в понедельник. " * 30 + "</p>",
    "short": "<p>Out.</p>",
    "lines and lists": "<ul><li>one</li><li>two</li></ul>\n<pre>a  b\n\tc </pre>",
}


def reader(to: str, body_html: str, title: str = "We shipped ☃") -> Notification:
    account_id = uuid.uuid4()
    return Notification(
        update_id=UPDATE,
        account_id=account_id,
        campaign_id=CAMPAIGN,
        to=to,
        campaign_title="Board <game>",
        title=title,
        body_html=body_html,
        url=f"https://updates.test/api/v1/updates/{UPDATE}",
        unsubscribe_url="https://updates.test/unsubscribe/" + TOKENS.make(account_id, CAMPAIGN),
    )


def without_boundary(data: bytes) -> bytes:
    """Each composed message draws a random MIME boundary; the template keeps the first's."""
    return re.sub(rb"={15}\d+==", b"BOUNDARY", data)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_each_readers_message_is_what_the_email_package_writes_for_it(body: str) -> None:
    addresses = ["ada@example.test", "b@x.io", "bob.o'neil+updates@mail.example.test", "ü@x.test"]
    readers = [reader(address, body) for address in addresses]
    messages = UpdateMessages(readers[0], FROM, NOW)
    assert messages.templated

    for each in readers:
        made, composed = messages.message(each), outgoing(each, FROM, NOW)
        assert without_boundary(made.data) == without_boundary(composed.data)
        assert (made.mail_from, made.to) == ("updates@fundtrail.test", each.to)
        assert made.smtputf8 == (not each.to.isascii())
        parsed = message_from_bytes(made.data, policy=policy.default)
        assert parsed["To"] == each.to
        assert parsed["Message-ID"] == f"<{UPDATE}.{each.account_id}@fundtrail.test>"
        assert parsed["List-Unsubscribe"] == f"<{each.unsubscribe_url}>"
        text = parsed.get_body(("plain",))
        assert text is not None and each.unsubscribe_url in text.get_content()


def test_the_unsubscribe_header_is_one_plain_line() -> None:
    made = outgoing(reader("ada@example.test", "<p>Out.</p>"), FROM, NOW)

    [line] = [line for line in made.data.split(b"\n") if line.startswith(b"List-Unsubscribe:")]
    assert line == b"List-Unsubscribe: <" + reader_url(made.data) + b">"
    assert b"=?" not in line


def reader_url(data: bytes) -> bytes:
    match = re.search(rb"https://updates\.test/unsubscribe/[A-Za-z0-9_-]+", data)
    assert match is not None
    return match.group()


def test_a_long_first_address_makes_every_message_the_general_way() -> None:
    long = "a" * 80 + "@example.test"
    messages = UpdateMessages(reader(long, "<p>Out.</p>"), FROM, NOW)
    assert not messages.templated
    other = reader("bob@example.test", "<p>Out.</p>")

    made = messages.message(other)

    assert without_boundary(made.data) == without_boundary(outgoing(other, FROM, NOW).data)


def test_a_later_long_or_unusual_address_is_composed_the_general_way() -> None:
    messages = UpdateMessages(reader("ada@example.test", "<p>Out.</p>"), FROM, NOW)
    assert messages.templated

    for address in ("b" * 90 + "@example.test", '"odd one"@example.test', "ü@x.test"):
        other = reader(address, "<p>Out.</p>")
        made = messages.message(other)
        assert without_boundary(made.data) == without_boundary(outgoing(other, FROM, NOW).data)
