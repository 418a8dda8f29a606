"""What the pledge, question and retraction mails say, without I/O: amounts as every mail writes
them (never minor units), what a change replaced, a partial refund "of" the whole, the reason
quoted, both languages; and the unsubscribe tokens that stop one kind of mail each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.updates.domain import pledge_mail as wording
from services.updates.mail.tokens import NEW_PLEDGES, QUESTIONS, UPDATES, UnsubscribeTokens
from services.updates.words import words

URL = "https://fundtrail.test/campaigns/42"
EN, ID = words("en"), words("id")
AT = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)


def test_a_pledge_made_names_the_amount_and_tier_and_where_to_change_it() -> None:
    message = wording.pledge_made(EN, "Pinhole\ncameras", 4_500, "EUR", "Early bird", URL)
    assert message.subject == "Your pledge to Pinhole cameras"  # one line: no header injection
    assert message.text == (
        "Thank you! Your pledge of €45.00, tier “Early bird” to Pinhole cameras is recorded.\n\n"
        "While the campaign is live you can change or cancel it on the campaign's page:\n\n"
        f"{URL}\n"
    )


def test_a_change_says_what_it_replaced() -> None:
    message = wording.pledge_changed(EN, "Pinhole", 2_000, "EUR", None, 4_500, "Early bird", URL)
    assert message.subject == "Your pledge to Pinhole was changed"
    assert message.text.startswith(
        "Your pledge to Pinhole is now €20.00. It replaces your earlier pledge of €45.00, tier "
        "“Early bird”: only the new one counts.\n\n"
    )


@pytest.mark.parametrize(
    ("amount", "total", "subject", "says"),
    [
        (
            1_000,
            1_000,
            "€10.00 of your pledge to Pinhole was refunded",
            "€10.00 of €45.00 was refunded of your pledge to Pinhole.\n",
        ),
        (
            1_000,
            3_000,
            "€10.00 of your pledge to Pinhole was refunded",
            "€10.00 of €45.00 was refunded of your pledge to Pinhole. In all, €30.00 of €45.00 "
            "has been refunded.\n",
        ),
        (
            4_500,
            4_500,
            "Your pledge to Pinhole was refunded",
            "Your whole pledge of €45.00 to Pinhole was refunded.\n",
        ),
    ],
)
def test_a_refund_says_how_much_of_how_much_and_why(
    amount: int, total: int, subject: str, says: str
) -> None:
    message = wording.pledge_refunded(
        EN, "Pinhole", amount, 4_500, total, "EUR", "Lens supplier\n  went bust", URL
    )
    assert message.subject == subject
    assert message.text.startswith(says)
    assert "The creator's reason:\n\n> Lens supplier\n>   went bust\n\n" in message.text
    assert str(amount) not in message.text.replace(".00", "")  # never minor units


def test_one_new_pledge_and_a_gathering_of_them() -> None:
    one = wording.new_pledges(
        EN, "Pinhole", [wording.PledgeFacts(4_500, "EUR", "Early bird", AT)], URL
    )
    assert one.subject == "New pledge to Pinhole: €45.00"
    assert one.text.startswith("A backer pledged €45.00, tier “Early bird” to Pinhole.\n\n")
    many = wording.new_pledges(
        EN,
        "Pinhole",
        [
            wording.PledgeFacts(1_000, "EUR", None, AT.replace(minute=40)),
            wording.PledgeFacts(2_500, "EUR", "Poster", AT),
        ],
        URL,
    )
    assert many.subject == "2 new pledges to Pinhole"
    assert many.text.startswith(
        "2 backers pledged to Pinhole since our last mail about new pledges:\n\n"
        "- €25.00, tier “Poster” (4 December 2026, 14:30 UTC)\n"
        "- €10.00 (4 December 2026, 14:40 UTC)\n\n"
    )


def test_a_question_and_a_retraction_quote_someone_elses_words() -> None:
    question = wording.new_question(EN, "Pinhole", "Boxes\nship", "When?\nAnd where?", URL)
    assert question.subject == "New question on “Boxes ship” (Pinhole)"
    assert "“Boxes ship” of Pinhole:\n\n> When?\n> And where?\n\n" in question.text
    notice = wording.update_retracted(EN, "Pinhole", "Boxes ship", "Wrong date.", URL)
    assert notice.subject == "Retracted: “Boxes ship” (Pinhole)"
    assert "Their reason:\n\n> Wrong date.\n\n" in notice.text and notice.text.endswith(URL + "\n")


def test_every_mail_has_its_indonesian_words() -> None:
    HERE = "https://fundtrail.test/x"  # noqa: N806  (no English word in the link)
    texts = [
        wording.pledge_made(ID, "Pinhole", 4_500, "EUR", "Early bird", HERE),
        wording.pledge_changed(ID, "Pinhole", 2_000, "EUR", None, 4_500, None, HERE),
        wording.pledge_refunded(ID, "Pinhole", 1_000, 4_500, 1_000, "EUR", "Habis", HERE),
        wording.new_pledges(ID, "Pinhole", [wording.PledgeFacts(1, "EUR", None, AT)] * 2, HERE),
        wording.new_question(ID, "Pinhole", "Kabar", "Kapan?", HERE),
        wording.update_retracted(ID, "Pinhole", "Kabar", "Salah.", HERE),
    ]
    for message in texts:
        english = (
            "pledge",
            "refunded",
            "backer",
            "question",
            "Retracted",
            "campaign",
            "reason",
        )
        assert not any(word in message.subject + message.text for word in english), message
    assert texts[0].text.startswith("Terima kasih! Dukungan Anda sebesar ")
    assert "paket “Early bird”" in texts[0].text


def test_an_unsubscribe_token_stops_one_kind_of_mail_and_cannot_be_turned_into_another() -> None:
    tokens = UnsubscribeTokens(b"k" * 32)
    account, campaign = uuid.uuid4(), uuid.uuid4()
    made = {
        kind: tokens.make(account, campaign, kind) for kind in (UPDATES, NEW_PLEDGES, QUESTIONS)
    }
    assert len(set(made.values())) == 3
    for kind, token in made.items():
        checked = tokens.check(token)
        assert checked is not None and (checked.account_id, checked.campaign_id, checked.kind) == (
            account,
            campaign,
            kind,
        )
    # The links in update mail already sent keep their form (and work).
    assert made[UPDATES] == tokens.make(account, campaign)
    # Changing the kind's byte breaks the tag: a new-pledge link cannot stop questions.
    import base64

    raw = bytearray(base64.urlsafe_b64decode(made[NEW_PLEDGES] + "=="))
    raw[32] = 2
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert tokens.check(forged) is None
    raw[32] = 9  # a kind that does not exist
    assert tokens.check(base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()) is None
