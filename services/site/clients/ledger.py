"""The ledger service as the site calls it: figures, entries, expenses, reports, limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from services.site.clients.http import ApiError, ServiceClient

Json = dict[str, Any]


#: Seconds the site waits for a report to be printed and published (the ledger's own limit per
#: rendering is LEDGER_REPORT_TIMEOUT).
PUBLISHING_TIMEOUT = 60.0


@dataclass(frozen=True)
class ReceiptFile:
    """A receipt (or its public copy, or the copy's thumbnail) as the ledger served it."""

    content: bytes
    media_type: str
    #: The ledger's ETag: what names these bytes.
    etag: str | None


class LedgerClient(ServiceClient):
    """The ledger API (`/api/v1`). A campaign the ledger has not heard of yet (its events are
    on their way) reads as None, which pages show as "nothing yet"."""

    def balance(self, campaign_id: object) -> Json | None:
        """The campaign's figures, and whether its creator may log expenses now."""
        found: Json | None = self.get_json_if_found(f"/api/v1/campaigns/{campaign_id}/balance")
        return found

    def entries(self, campaign_id: object, *, after_seq: int, limit: int) -> Json | None:
        """A page of entries after `after_seq`: `{entries, next_after_seq}`."""
        found: Json | None = self.get_json_if_found(
            f"/api/v1/campaigns/{campaign_id}/entries",
            params={"after_seq": after_seq, "limit": limit},
        )
        return found

    def expenses(self, campaign_id: object, *, after_seq: int, limit: int) -> Json | None:
        """A page of the campaign's expenses and the reversals of them, each saying whether it
        is `in_force` and `reversible` and what `reversed_by` it: `{expenses, next_after_seq}`."""
        found: Json | None = self.get_json_if_found(
            f"/api/v1/campaigns/{campaign_id}/expenses",
            params={"after_seq": after_seq, "limit": limit},
        )
        return found

    def checkpoint(self, campaign_id: object) -> str | None:
        """The latest signed checkpoint (C2SP tlog-checkpoint text), None before the first."""
        try:
            return self.request("GET", f"/api/v1/campaigns/{campaign_id}/checkpoint").text
        except ApiError as exc:
            if exc.status != 404:
                raise
            return None

    def verify_file(self, campaign_id: object, name: str, tree_size: int | None) -> Any:
        """One of the three files `fundtrail verify` reads (`export`, `checkpoint`, `key`), as
        a streamed response: the export at `tree_size` and the checkpoint of that size (the
        latest without one), so the two always match."""
        size = {} if tree_size is None else {"tree_size": tree_size}
        base = f"/api/v1/campaigns/{campaign_id}"
        path, params = {
            "export": (f"{base}/export.jsonl", size),
            "checkpoint": (
                f"{base}/checkpoint" if tree_size is None else f"{base}/checkpoints/{tree_size}",
                {},
            ),
            "key": ("/api/v1/log/key", {}),
        }[name]
        return self.request("GET", path, params=params or None, stream=True)

    def export(
        self,
        campaign_id: object,
        extension: str,
        *,
        start: str | None,
        end: str | None,
        token: str,
    ) -> Any:
        """The CSV (`csv`) or beancount (`beancount`) export between the days `start` and `end`
        (YYYY-MM-DD, inclusive; None: unbounded), as a streamed response. With an auditor's
        token it names backers; its `Fundtrail-Export-Audience` header says which it is."""
        params = {name: day for name, day in (("from", start), ("to", end)) if day}
        return self.request(
            "GET",
            f"/api/v1/campaigns/{campaign_id}/export.{extension}",
            params=params or None,
            token=token,
            stream=True,
        )

    def verifier(self) -> Json:
        """The verifier wheel the ledger serves: `{filename, version, sha256, path}`."""
        found: Json = self.get_json("/api/v1/verifier")
        return found

    def record_expense(
        self,
        campaign_id: object,
        fields: dict[str, str],
        receipt: tuple[str, IO[bytes], str],
        *,
        token: str,
    ) -> Json:
        """Log an expense with its receipt, streamed to the ledger as it is read."""
        logged: Json = self.post_multipart(
            f"/api/v1/campaigns/{campaign_id}/expenses",
            fields,
            {"receipt": receipt},
            token=token,
        ).json()
        return logged

    def reverse(self, campaign_id: object, seq: int, reason: str, *, token: str) -> Json:
        reversal: Json = self.post_json(
            f"/api/v1/campaigns/{campaign_id}/entries/{seq}/reverse",
            {"reason": reason},
            token=token,
        )
        return reversal

    def publish_report(self, campaign_id: object, *, token: str) -> Json:
        """Publish a report now: the ledger prints it (a PDF in each language) before it
        answers, which takes longer than a read."""
        report: Json = self.post_json(
            f"/api/v1/campaigns/{campaign_id}/reports",
            None,
            token=token,
            timeout=max(self._timeout, PUBLISHING_TIMEOUT),
        )
        return report

    def reports(self, campaign_id: object) -> list[Json]:
        """The campaign's published reports, newest first; none until the ledger hears of it."""
        found = self.get_json_if_found(f"/api/v1/campaigns/{campaign_id}/reports")
        reports: list[Json] = [] if found is None else found.get("reports", [])
        return reports

    def report(self, campaign_id: object, report_id: object) -> Json:
        """One published report: its checkpoint and `links` to its PDF and HTML."""
        found: Json = self.get_json(f"/api/v1/campaigns/{campaign_id}/reports/{report_id}")
        return found

    def limits(self) -> Json:
        """What the ledger accepts (`receipt_max_bytes`, ...)."""
        found: Json = self.get_json("/api/v1/limits")
        return found

    def receipt_copies(self, campaign_id: object, *, token: str | None) -> Json | None:
        """Which receipts have a public copy (the newest of each) and whether the caller may
        open them: `{copies: [{seq, receipt_sha256, kind, published_at, …}], viewable}`."""
        found: Json | None = self.get_json_if_found(
            f"/api/v1/campaigns/{campaign_id}/receipt-copies", token=token
        )
        return found

    def publish_receipt_copy(
        self,
        campaign_id: object,
        seq: int,
        kind: str,
        upload: tuple[str, IO[bytes], str] | None,
        *,
        token: str,
    ) -> Json:
        """Publish a copy of expense `seq`'s receipt for the backers: the original (`kind`
        original) or the redacted `upload`, streamed to the ledger as it is read."""
        published: Json = self.post_multipart(
            f"/api/v1/campaigns/{campaign_id}/entries/{int(seq)}/receipt-copy",
            {"kind": kind},
            {} if upload is None else {"copy": upload},
            token=token,
        ).json()
        return published

    def receipt_copy(
        self, campaign_id: object, sha256: str, *, thumbnail: bool, token: str
    ) -> ReceiptFile:
        """A receipt's public copy, or its thumbnail (backers, the creator, auditors)."""
        path = f"/api/v1/campaigns/{campaign_id}/receipt-copies/{quote(sha256, safe='')}"
        return _file(
            self.request("GET", path + ("/thumbnail.png" if thumbnail else ""), token=token)
        )

    def receipt(self, campaign_id: object, sha256: str, *, token: str) -> ReceiptFile:
        """An original receipt (the campaign's creator and auditors only)."""
        path = f"/api/v1/campaigns/{campaign_id}/receipts/{quote(sha256, safe='')}"
        return _file(self.request("GET", path, token=token))


def receipt_links(campaign_id: object) -> re.Pattern[bytes]:
    """What a receipt link in an auditor's export looks like (at whatever address the ledger
    calls itself): the receipt download route of `campaign_id`, its SHA-256 as group 1."""
    return re.compile(
        rb"https?://[^\s\",]+/api/v1/campaigns/"
        + re.escape(str(campaign_id).encode())
        + rb"/receipts/([0-9a-f]{64})(?![0-9a-f])"
    )


def _file(response: Any) -> ReceiptFile:
    media_type = response.headers.get("Content-Type", "application/octet-stream")
    return ReceiptFile(
        response.content, media_type.split(";")[0].strip(), response.headers.get("ETag")
    )
