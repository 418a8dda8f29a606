"""The pledges service as the site calls it: campaigns, pledges, accounts; each path once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any
from urllib.parse import quote

from requests_toolbelt import MultipartEncoder

from services.site.clients.http import ServiceClient

Json = dict[str, Any]

_CAMPAIGNS = "/api/v1/campaigns"
_PLEDGES = "/api/v1/pledges"
_ME = "/api/v1/me"


class PledgesClient(ServiceClient):
    """The pledges API (`/api/v1`), each call with the token of the visitor it is made for."""

    # Campaigns

    def campaigns(
        self, *, status: str | Sequence[str], limit: int, offset: int = 0, title: str = ""
    ) -> list[Json]:
        """Campaigns in `status` (one state or several), newest first, at most `limit` (the
        API's page) after skipping `offset`; with `title`, only those whose title holds each
        of its words."""
        params: dict[str, Any] = {
            "status": [status] if isinstance(status, str) else list(status),
            "limit": limit,
            "offset": offset,
        }
        if title:
            params["q"] = title
        found = self.get_json(_CAMPAIGNS, params=params)
        campaigns: list[Json] = found.get("campaigns", [])
        return campaigns

    def campaign(self, campaign_id: object, *, token: str | None = None) -> Json:
        """A campaign as `token`'s holder may see it (a draft only by its creator)."""
        found: Json = self.get_json(f"{_CAMPAIGNS}/{campaign_id}", token=token)
        return found

    def campaign_if_found(self, campaign_id: object, *, token: str | None = None) -> Json | None:
        found: Json | None = self.get_json_if_found(f"{_CAMPAIGNS}/{campaign_id}", token=token)
        return found

    def campaign_revisions(self, campaign_id: object) -> list[Json]:
        """A launched campaign's versions of its words, oldest first (public)."""
        found = self.get_json(f"{_CAMPAIGNS}/{campaign_id}/revisions")
        revisions: list[Json] = found.get("revisions", [])
        return revisions

    def my_campaigns(self, *, token: str, limit: int, offset: int) -> list[Json]:
        """The creator's own campaigns, drafts included."""
        found = self.get_json(
            f"{_ME}/campaigns", params={"limit": limit, "offset": offset}, token=token
        )
        campaigns: list[Json] = found.get("campaigns", [])
        return campaigns

    def create_campaign(self, body: Json, *, token: str) -> Json:
        made: Json = self.post_json(_CAMPAIGNS, body, token=token)
        return made

    def edit_campaign(self, campaign_id: object, body: Json, *, token: str) -> Json:
        saved: Json = self.patch_json(f"{_CAMPAIGNS}/{campaign_id}", body, token=token)
        return saved

    def launch(self, campaign_id: object, *, token: str) -> Json:
        done: Json = self.post_json(f"{_CAMPAIGNS}/{campaign_id}/launch", None, token=token)
        return done

    def cancel(self, campaign_id: object, *, token: str) -> Json:
        done: Json = self.post_json(f"{_CAMPAIGNS}/{campaign_id}/cancel", None, token=token)
        return done

    def campaign_pledges(
        self,
        campaign_id: object,
        *,
        token: str,
        limit: int,
        offset: int,
        statuses: Sequence[str] = (),
    ) -> list[Json]:
        """Who pledged to the creator's campaign (no e-mail addresses); with `statuses`, only
        the pledges in those states."""
        found = self.get_json(
            f"{_CAMPAIGNS}/{campaign_id}/pledges",
            params={"limit": limit, "offset": offset, "status": list(statuses)},
            token=token,
        )
        pledges: list[Json] = found.get("pledges", [])
        return pledges

    def unpaid_pledges(self, campaign_id: object, *, token: str) -> Json:
        """How many of the creator's pledges failed to pay or dropped, and for how much."""
        found: Json = self.get_json(f"{_CAMPAIGNS}/{campaign_id}/pledges/unpaid", token=token)
        return found

    def referrals(self, campaign_id: object, *, token: str) -> Json:
        """Where the creator's backers came from: `{currency, sources: [{source, pledges,
        amount}]}`, the largest amount first."""
        found: Json = self.get_json(f"{_CAMPAIGNS}/{campaign_id}/referrals", token=token)
        return found

    # Pledges

    def make_pledge(self, campaign_id: object, body: Json, *, token: str, key: str) -> Json:
        """Pledge once per `key`: the same form sent twice makes one pledge."""
        made: Json = self.post_json(
            f"{_CAMPAIGNS}/{campaign_id}/pledges",
            body,
            token=token,
            headers={"Idempotency-Key": key},
        )
        return made

    def pledge(self, pledge_id: object, *, token: str) -> Json:
        found: Json = self.get_json(f"{_PLEDGES}/{pledge_id}", token=token)
        return found

    def change_pledge(self, pledge_id: object, body: Json, *, token: str) -> Json:
        changed: Json = self.patch_json(f"{_PLEDGES}/{pledge_id}", body, token=token)
        return changed

    def cancel_pledge(self, pledge_id: object, *, token: str) -> Json:
        done: Json = self.post_json(f"{_PLEDGES}/{pledge_id}/cancel", None, token=token)
        return done

    def refund(self, pledge_id: object, body: Json, *, token: str) -> Json:
        done: Json = self.post_json(f"{_PLEDGES}/{pledge_id}/refund", body, token=token)
        return done

    def start_card_setup(self, pledge_id: object, *, token: str) -> Json:
        """The payment provider's hosted page saving a card for the pledge (`checkout_url`)."""
        made: Json = self.post_json(f"{_PLEDGES}/{pledge_id}/payment-method", None, token=token)
        return made

    def my_pledges(
        self, *, token: str, campaign_id: object = None, limit: int = 200, offset: int = 0
    ) -> list[Json]:
        """The backer's own pledges, newest first; with `campaign_id`, to that campaign only."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if campaign_id is not None:
            params["campaign_id"] = str(campaign_id)
        found = self.get_json(f"{_ME}/pledges", params=params, token=token)
        pledges: list[Json] = found.get("pledges", [])
        return pledges

    # Payments

    def payments(self) -> Json:
        """How pledges are paid here: `moves_money` is false in test mode."""
        found: Json = self.get_json("/api/v1/payments")
        return found

    def payout_account(self, *, token: str) -> Json | None:
        """The creator's payout account and what it can do; None before setting it up."""
        found: Json | None = self.get_json_if_found(f"{_ME}/payout-account", token=token)
        return found

    def start_payout_onboarding(self, *, token: str) -> str:
        """A fresh address of the payment provider's set-up pages for the creator's account."""
        made: Json = self.post_json(f"{_ME}/payout-account", None, token=token)
        return str(made["onboarding_url"])

    # Accounts

    def email_verification(self, *, token: str) -> Json | None:
        """Whether the account's address is confirmed; None for an account with no address to
        confirm (made by an operator)."""
        found: Json | None = self.get_json_if_found(f"{_ME}/email-verification", token=token)
        return found

    def send_verification(self, *, token: str) -> Json:
        """Mail a new link to confirm the account's address."""
        sent: Json = self.post_json(f"{_ME}/email-verification", None, token=token)
        return sent

    def confirm_email(self, link_token: str) -> Json:
        done: Json = self.post_json("/api/v1/email-verifications", {"token": link_token})
        return done

    def signup(self, body: Json) -> Json:
        made: Json = self.post_json("/api/v1/signup", body)
        return made

    def start_session(self, email: str, password: str) -> Json:
        """A token for the account with this address and password."""
        made: Json = self.post_json("/api/v1/sessions", {"email": email, "password": password})
        return made

    def me(self, *, token: str) -> Json:
        found: Json = self.get_json(_ME, token=token)
        return found

    def save_language(self, language: str, *, token: str) -> Json:
        """Saves `language` ("en" or "id") as the account's preference."""
        saved: Json = self.patch_json(_ME, {"language": language}, token=token)
        return saved

    def revoke_token(self, token_id: str, reason: str, *, token: str) -> None:
        self.post_json(f"/api/v1/tokens/{token_id}/revoke", {"reason": reason}, token=token)

    def request_password_reset(self, email: str) -> None:
        self.post_json("/api/v1/password-resets", {"email": email})

    def reset_password(self, link_token: str, password: str) -> None:
        # Quoted: whatever the token holds, it names no other address of the service.
        self.post_json(
            f"/api/v1/password-resets/{quote(link_token, safe='')}", {"password": password}
        )

    def put_cover(
        self, campaign_id: object, picture: tuple[str, IO[bytes], str], *, token: str
    ) -> Json:
        """Make `picture` (file name, stream, media type) the campaign's cover; the stream is
        sent as it is read, never held whole."""
        body = MultipartEncoder(fields={"image": picture})
        answer: Json = self.request(
            "PUT",
            f"{_CAMPAIGNS}/{campaign_id}/cover",
            token=token,
            data=body,
            headers={"Content-Type": body.content_type},
        ).json()
        return answer

    def cover_image(self, sha256: str, width: int) -> bytes:
        """A public campaign's cover picture at one of its widths (JPEG bytes)."""
        return self.request(
            "GET", f"/api/v1/covers/{quote(sha256, safe='')}/{int(width)}.jpg"
        ).content
