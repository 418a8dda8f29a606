"""The updates domain: posting, revising, retracting, commenting, the rate limit, announcements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.updates.domain import (
    CampaignFacts,
    Comment,
    Kind,
    RateLimit,
    Update,
    Visibility,
    automatic_update,
    may_read,
    post_comment,
    post_update,
)
from services.updates.domain import automatic as announcements
from services.updates.domain.errors import (
    AutomaticUpdateNotEditable,
    InvalidValue,
    NotAReader,
    NotCampaignCreator,
    StateConflict,
    TooManyComments,
    UnknownCampaign,
    UpdateRetracted,
)
from services.updates.words import words

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CREATOR, BACKER = uuid.uuid4(), uuid.uuid4()
CAMPAIGN = CampaignFacts(uuid.uuid4(), CREATOR, "Board game", "live", 100_000, "EUR")


def an_update(**overrides: object) -> Update:
    values: dict[str, object] = {
        "update_id": uuid.uuid4(),
        "author_id": CREATOR,
        "title": "  News  ",
        "body": "    indented code\n",
        "visibility": "public",
        "pinned": False,
        "now": NOW,
    }
    values.update(overrides)
    return post_update(CAMPAIGN, **values)  # type: ignore[arg-type]


def test_a_post_keeps_the_markdown_as_written_and_records_revision_one() -> None:
    update = an_update()
    assert update.title == "News"
    assert update.body == "    indented code\n"
    assert [r.number for r in update.new_revisions] == [1]


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"author_id": uuid.uuid4()}, NotCampaignCreator),
        ({"visibility": "friends"}, InvalidValue),
        ({"body": " \n "}, InvalidValue),
        ({"body": "x" * 20_001}, InvalidValue),
        ({"title": "a\u200bb"}, InvalidValue),
    ],
)
def test_a_post_is_refused(overrides: dict[str, object], refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        an_update(**overrides)


def test_no_updates_on_a_draft() -> None:
    draft = CampaignFacts(uuid.uuid4(), CREATOR, "Draft", "draft")
    with pytest.raises(UnknownCampaign):
        post_update(
            draft,
            update_id=uuid.uuid4(),
            author_id=CREATOR,
            title="t",
            body="b",
            visibility="public",
            pinned=False,
            now=NOW,
        )


def test_a_revision_is_kept_and_an_empty_edit_records_nothing() -> None:
    update = an_update()
    update.new_revisions.clear()
    later = NOW + timedelta(hours=1)

    revision = update.revise(CREATOR, CREATOR, title=None, body="New", now=later)
    unchanged = update.revise(CREATOR, CREATOR, title="News", body=None, now=later)

    assert revision is not None and (revision.number, revision.body) == (2, "New")
    assert unchanged is None
    assert update.revised_at == later
    assert update.new_revisions == [revision]


def test_who_and_what_may_be_revised_or_retracted() -> None:
    update = an_update()
    with pytest.raises(NotCampaignCreator):
        update.revise(BACKER, CREATOR, title="x", body=None, now=NOW)
    update.retract(CREATOR, CREATOR, "Wrong", NOW)
    with pytest.raises(UpdateRetracted):
        update.revise(CREATOR, CREATOR, title="x", body=None, now=NOW)
    automatic = automatic_update(CAMPAIGN.campaign_id, "launched", "Live", "Body", NOW)
    with pytest.raises(AutomaticUpdateNotEditable):
        automatic.retract(CREATOR, CREATOR, "No", NOW)


def test_automatic_updates_are_public_and_their_id_follows_from_the_key() -> None:
    one = automatic_update(CAMPAIGN.campaign_id, "launched", "Live", "Body", NOW)
    again = automatic_update(CAMPAIGN.campaign_id, "launched", "Live", "Body", NOW)
    assert one.id == again.id and one.kind is Kind.AUTOMATIC
    assert one.visibility is Visibility.PUBLIC


def test_backers_only_updates_are_for_backers_and_the_creator() -> None:
    assert may_read(Visibility.PUBLIC, is_creator=False, is_backer=False)
    assert may_read(Visibility.BACKERS, is_creator=False, is_backer=True)
    assert may_read(Visibility.BACKERS, is_creator=True, is_backer=False)
    assert not may_read(Visibility.BACKERS, is_creator=False, is_backer=False)


def comment_on(update: Update, author: uuid.UUID, is_backer: bool, **extra: object) -> Comment:
    values: dict[str, object] = {
        "comment_id": uuid.uuid4(),
        "author_id": author,
        "creator_id": CREATOR,
        "author_is_backer": is_backer,
        "body": "A question",
        "reply_to": None,
        "in_reply_to": None,
        "recent": [],
        "rate_limit": RateLimit(5, timedelta(minutes=1)),
        "now": NOW,
    }
    values.update(extra)
    return post_comment(update, **values)  # type: ignore[arg-type]


def test_only_backers_and_the_creator_comment() -> None:
    update = an_update()
    assert comment_on(update, BACKER, True).body == "A question"
    assert comment_on(update, CREATOR, False).author_id == CREATOR
    with pytest.raises(NotAReader):
        comment_on(update, uuid.uuid4(), False)


def test_the_rate_limit_says_when_a_slot_frees_up() -> None:
    limit = RateLimit(3, timedelta(seconds=60))
    recent = [NOW - timedelta(seconds=s) for s in (50, 20, 5)]
    limit.check(recent[1:], NOW)  # two in the window: fine
    with pytest.raises(TooManyComments) as refused:
        limit.check(recent, NOW)
    assert refused.value.retry_after == 10


def test_a_hidden_comment_is_hidden_once_and_only_by_the_creator() -> None:
    comment = comment_on(an_update(), BACKER, True)
    with pytest.raises(NotCampaignCreator):
        comment.hide(BACKER, CREATOR, "Mine", NOW)
    comment.hide(CREATOR, CREATOR, "Abuse", NOW)
    assert (comment.hidden, comment.hidden_reason) == (True, "Abuse")
    with pytest.raises(StateConflict):
        comment.hide(CREATOR, CREATOR, "Again", NOW)


EN, ID = words("en"), words("id")


def test_announcements_speak_plainly_with_figures() -> None:
    launched = announcements.launched(
        EN, "Board [game](javascript:x)", 500_000, "EUR", NOW, "all_or_nothing"
    )
    assert launched.key == "launched"
    assert launched.body.startswith("Board \\[game\\]\\(javascript:x\\) is now open")
    assert "€5,000.00 by 25 November 2026" in launched.body
    goal = announcements.goal_reached(EN, 100_000, 100_000, "JPY", 1)
    assert goal.body == (
        "Backers have pledged ¥100,000, reaching the goal of ¥100,000: 1 backer so far."
    )


def test_an_indonesian_campaigns_announcements_are_in_indonesian_with_rupiah() -> None:
    launched = announcements.launched(ID, "Album Kita", 50_000_000, "IDR", NOW, "flexible")
    assert launched.title == "Kampanye sudah dimulai"
    assert launched.body == (
        "Album Kita kini terbuka untuk dukungan. Kampanye ini menargetkan Rp 50.000.000 hingga "
        "25 November 2026 (UTC), dengan skema pendanaan fleksibel: dukungan tetap ditagih "
        "meskipun target tidak tercapai."
    )
    settled = announcements.succeeded(ID, 75_500_000, 50_000_000, "IDR", 3)
    assert (settled.key, settled.title) == ("settled", "Kampanye berhasil")
    assert settled.body.startswith(
        "Kampanye ditutup dengan dukungan Rp 75.500.000 dari 3 pendukung"
    )
