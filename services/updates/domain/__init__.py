"""The updates service's domain: updates, revisions, retractions, comments and announcements.

Pure rules: no Flask, SQLAlchemy, Kafka or marshmallow.
"""

from services.updates.domain.comments import Comment, RateLimit, post_comment
from services.updates.domain.updates import (
    CampaignFacts,
    Kind,
    Revision,
    Update,
    Visibility,
    automatic_update,
    may_read,
    post_update,
)

__all__ = [
    "CampaignFacts",
    "Comment",
    "Kind",
    "RateLimit",
    "Revision",
    "Update",
    "Visibility",
    "automatic_update",
    "may_read",
    "post_comment",
    "post_update",
]
