"""What the updates service's routes share: who is asking."""

from __future__ import annotations

import uuid

from shared.web.auth import optional_principal


def viewer_id() -> uuid.UUID | None:
    """The caller of a public read, if they sent a token (a bad one is still a 401)."""
    principal = optional_principal()
    return None if principal is None else principal.account_id
