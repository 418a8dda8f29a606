"""A launched campaign's public history as its page shows it: each version of its words, and
what changed from the one before, in words (no diff a person has to read as code)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def versions_with_changes(revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pledges API's revisions (oldest first), each with `number` (1 for the launched
    version) and `changes`: what differs from the version before, as sentences."""
    shown: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for number, revision in enumerate(revisions, start=1):
        changes = [] if previous is None else _changes(previous, revision)
        shown.append({**revision, "number": number, "changes": changes})
        previous = revision
    return shown


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = []
    if before.get("title") != after.get("title"):
        changes.append(_("The title changed."))
    if before.get("description") != after.get("description"):
        changes.append(_("The story changed."))
    earlier = {str(tier.get("id")): tier for tier in before.get("tiers") or []}
    for tier in after.get("tiers") or []:
        old = earlier.get(str(tier.get("id")))
        if old is None:
            continue
        name = tier.get("name")
        if old.get("name") != name:
            changes.append(
                _("The tier “%(old)s” is now called “%(new)s”.", old=old.get("name"), new=name)
            )
        if old.get("description") != tier.get("description"):
            changes.append(_("The description of the tier “%(tier)s” changed.", tier=name))
        if old.get("delivery_month") != tier.get("delivery_month"):
            changes.append(_("The estimated delivery of the tier “%(tier)s” changed.", tier=name))
        if old.get("limit") != tier.get("limit"):
            changes.append(_("The number of places in the tier “%(tier)s” changed.", tier=name))
    return changes
