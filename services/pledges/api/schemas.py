"""What the pledges API reads and writes. Types are checked here; rules in the domain."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from services.pledges.domain import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    TIER_DESCRIPTION_MAX,
    TIER_NAME_MAX,
    TITLE_MAX,
)
from services.pledges.domain.accounts import NAME_MAX
from shared.events.accounts import ROLES
from shared.languages import DEFAULT_LANGUAGE, LANGUAGE_CHOICES, LANGUAGES
from shared.web.fields import MAX_OFFSET, Moment, Text, page_offset

#: Longest e-mail address (RFC 5321's path limit).
EMAIL_MAX = 254


class Language(ma.fields.String):
    """A language Fundtrail speaks; anything else (`fr`, `ID`, `en-GB`) is a 422 naming it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=ma.validate.OneOf(LANGUAGES, error=f"must be {LANGUAGE_CHOICES}"),
            metadata={"description": f"{LANGUAGE_CHOICES} (English or Bahasa Indonesia)"},
            **kwargs,
        )


class AccountIn(ma.Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    name = Text(required=True, max_length=NAME_MAX)
    email = Text(
        load_default=None,
        allow_none=True,
        max_length=EMAIL_MAX,
        validate=ma.validate.Length(max=EMAIL_MAX),
    )
    language = Language(load_default=DEFAULT_LANGUAGE)


class AccountOut(ma.Schema):
    id = ma.fields.UUID()
    role = ma.fields.String()
    name = ma.fields.String()
    token = ma.fields.String(metadata={"description": "Shown once: keep it safe"})


class RevokeIn(ma.Schema):
    reason = Text(load_default="", max_length=500, validate=ma.validate.Length(max=500))


class RevokedOut(ma.Schema):
    id = ma.fields.UUID()
    revoked_at = ma.fields.AwareDateTime()


class TierIn(ma.Schema):
    name = Text(required=True, max_length=TIER_NAME_MAX)
    min_amount = ma.fields.Integer(strict=True, required=True)
    limit = ma.fields.Integer(strict=True, load_default=None, allow_none=True)
    description = Text(
        load_default="",
        max_length=TIER_DESCRIPTION_MAX,
        multiline=True,
        metadata={"description": "What backers of this tier get (Markdown is not rendered)"},
    )
    delivery_month = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Estimated delivery month, YYYY-MM; not before the deadline's month"
        },
    )


class BudgetLineIn(ma.Schema):
    category = Text(required=True, max_length=CATEGORY_MAX)
    amount = ma.fields.Integer(strict=True, required=True)


class CampaignIn(ma.Schema):
    title = Text(required=True, max_length=TITLE_MAX)
    description = Text(required=True, max_length=DESCRIPTION_MAX, multiline=True)
    goal_amount = ma.fields.Integer(strict=True, required=True)
    currency = ma.fields.String(required=True)
    deadline = Moment(required=True)
    funding_model = ma.fields.String(required=True)
    tiers = ma.fields.List(ma.fields.Nested(TierIn), load_default=list)
    budget = ma.fields.List(ma.fields.Nested(BudgetLineIn), load_default=list)
    language = Language(load_default=DEFAULT_LANGUAGE)


class TierOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    min_amount = ma.fields.Integer()
    limit = ma.fields.Integer(allow_none=True)
    taken = ma.fields.Integer()
    remaining = ma.fields.Integer(allow_none=True)
    description = ma.fields.String()
    delivery_month = ma.fields.String(allow_none=True, metadata={"description": "YYYY-MM"})


class BudgetLineOut(ma.Schema):
    category = ma.fields.String()
    amount = ma.fields.Integer()


class CoverOut(ma.Schema):
    """A campaign's cover picture: served at `/api/v1/covers/{sha256}/{width}.jpg`."""

    sha256 = ma.fields.String(metadata={"description": "Names the picture (hex SHA-256)"})
    sizes = ma.fields.List(
        ma.fields.Integer(), metadata={"description": "The widths it is published at, in px"}
    )


class CampaignOut(ma.Schema):
    """A campaign as anyone may see it: totals, never who pledged what."""

    id = ma.fields.UUID()
    creator_id = ma.fields.UUID()
    title = ma.fields.String()
    description = ma.fields.String(metadata={"description": "The story, in Markdown"})
    description_html = ma.fields.String(
        metadata={"description": "The story as sanitised HTML (the same rendering as updates)"}
    )
    status = ma.fields.String()
    funding_model = ma.fields.String()
    goal_amount = ma.fields.Integer()
    currency = ma.fields.String()
    pledged_amount = ma.fields.Integer()
    backers_count = ma.fields.Integer()
    deadline = ma.fields.AwareDateTime()
    test_mode = ma.fields.Boolean(
        metadata={"description": "True when no money moves for this campaign (test mode)"}
    )
    language = ma.fields.String(
        metadata={"description": "What its automatic updates are written in: en or id"}
    )
    funded_percent = ma.fields.Integer(
        metadata={
            "description": "Pledged total as a whole percent of the goal, rounded down "
            "(may pass 100)"
        }
    )
    seconds_left = ma.fields.Integer(
        metadata={
            "description": "Whole seconds until the deadline; 0 once it has passed or "
            "the campaign has ended"
        }
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    launched_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    revised_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When its title, story or tiers were last revised after launch "
            "(see `/revisions`); null if never"
        },
    )
    tiers = ma.fields.List(ma.fields.Nested(TierOut))
    budget = ma.fields.List(ma.fields.Nested(BudgetLineOut))
    cover = ma.fields.Nested(
        CoverOut, allow_none=True, metadata={"description": "None until a cover is chosen"}
    )


class TierEdit(TierIn):
    id = ma.fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={"description": "An existing tier's id to keep it; leave out for a new tier"},
    )


class CampaignEdit(ma.Schema):
    """A draft's new terms: each given field replaces the old one; tiers and budget whole.
    Once launched, only `title`, `description` and the tiers' `name`, `description`,
    `delivery_month` (and `limit`, never below the places taken) change; each tier is named
    by its `id`, every one kept; any other term given with a new value is a 409 naming it."""

    title = Text(max_length=TITLE_MAX)
    description = Text(max_length=DESCRIPTION_MAX, multiline=True)
    goal_amount = ma.fields.Integer(strict=True)
    currency = ma.fields.String()
    deadline = Moment()
    funding_model = ma.fields.String()
    tiers = ma.fields.List(ma.fields.Nested(TierEdit))
    budget = ma.fields.List(ma.fields.Nested(BudgetLineIn))
    language = Language()


class TierVersionOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    min_amount = ma.fields.Integer()
    limit = ma.fields.Integer(allow_none=True)
    description = ma.fields.String()
    delivery_month = ma.fields.String(allow_none=True)


class RevisionOut(ma.Schema):
    revised_at = ma.fields.AwareDateTime(
        metadata={"description": "When this version began to show (the launch for the first)"}
    )
    title = ma.fields.String()
    description = ma.fields.String()
    description_html = ma.fields.String(
        metadata={"description": "This version's story rendered and sanitised, as the campaign's"}
    )
    tiers = ma.fields.List(ma.fields.Nested(TierVersionOut))


class RevisionList(ma.Schema):
    revisions = ma.fields.List(
        ma.fields.Nested(RevisionOut), metadata={"description": "Oldest first"}
    )


class CampaignList(ma.Schema):
    campaigns = ma.fields.List(ma.fields.Nested(CampaignOut))


class CampaignQuery(ma.Schema):
    # Repeated for several (`status=failed&status=cancelled`): "ended" campaigns are two states.
    status = ma.fields.List(
        ma.fields.String(),
        load_default=None,
        # On the list, not each item: the error names `status`, as it did for a single one.
        validate=ma.validate.ContainsOnly(["draft", "live", "succeeded", "failed", "cancelled"]),
        metadata={"description": "Only campaigns in these states; repeat for several"},
    )
    q = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=TITLE_MAX),
        metadata={"description": "Only campaigns whose title contains these words, in any case"},
    )
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    offset = page_offset(metadata={"description": f"Campaigns to skip, at most {MAX_OFFSET}"})
