"""The updates service as the site calls it: updates, comments, previews, limits."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import quote

from services.site.clients.http import ServiceClient

Json = dict[str, Any]


class UpdatesClient(ServiceClient):
    """The updates API (`/api/v1`), each call with the token of the visitor it is made for."""

    def campaign_updates(self, campaign_id: object, *, token: str | None) -> list[Json]:
        """The campaign's updates as `token`'s holder may see them; none until the updates
        service hears of the campaign."""
        found = self.get_json_if_found(f"/api/v1/campaigns/{campaign_id}/updates", token=token)
        updates: list[Json] = [] if found is None else found.get("updates", [])
        return updates

    def update(self, update_id: object, *, token: str | None) -> Json:
        found: Json = self.get_json(f"/api/v1/updates/{update_id}", token=token)
        return found

    def publish(self, campaign_id: object, body: Json, *, token: str) -> Json:
        """Publish an update (`title, body, visibility`)."""
        made: Json = self.post_json(f"/api/v1/campaigns/{campaign_id}/updates", body, token=token)
        return made

    def edit(self, update_id: object, body: Json, *, token: str) -> Json:
        saved: Json = self.patch_json(f"/api/v1/updates/{update_id}", body, token=token)
        return saved

    def retract(self, update_id: object, reason: str, *, token: str) -> Json:
        done: Json = self.post_json(
            f"/api/v1/updates/{update_id}/retract", {"reason": reason}, token=token
        )
        return done

    def revisions(self, update_id: object, *, token: str) -> list[Json]:
        found = self.get_json(f"/api/v1/updates/{update_id}/revisions", token=token)
        revisions: list[Json] = found.get("revisions", [])
        return revisions

    def preview(self, body: str, *, token: str) -> Json:
        """The Markdown `body` as the service would publish it: `{body_html}`, sanitised."""
        shown: Json = self.post_json("/api/v1/previews", {"body": body}, token=token)
        return shown

    def comments(self, update_id: object, *, token: str) -> list[Json]:
        found = self.get_json(f"/api/v1/updates/{update_id}/comments", token=token)
        comments: list[Json] = found.get("comments", [])
        return comments

    def post_comment(self, update_id: object, body: str, *, token: str) -> Json:
        made: Json = self.post_json(
            f"/api/v1/updates/{update_id}/comments", {"body": body}, token=token
        )
        return made

    def hide_comment(self, comment_id: object, reason: str, *, token: str) -> Json:
        done: Json = self.post_json(
            f"/api/v1/comments/{comment_id}/hide", {"reason": reason}, token=token
        )
        return done

    def limits(self) -> Json:
        """What the updates service accepts (`max_request_bytes`, `body_max_chars`, ...)."""
        found: Json = self.get_json("/api/v1/limits")
        return found

    def upload_image(
        self, campaign_id: object, picture: tuple[str, IO[bytes], str], *, token: str
    ) -> Json:
        """Upload a picture for the campaign's updates: `{sha256, url, width, height}`."""
        made: Json = self.post_multipart(
            f"/api/v1/campaigns/{campaign_id}/images", {}, {"image": picture}, token=token
        ).json()
        return made

    def update_image(self, campaign_id: object, sha256: str, width: int) -> bytes:
        """A picture of the campaign's updates at one of its widths (JPEG bytes)."""
        path = f"/api/v1/campaigns/{campaign_id}/images/{quote(sha256, safe='')}/{int(width)}.jpg"
        return self.request("GET", path).content
