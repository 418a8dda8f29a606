"""The exports that name backers, for a signed-in auditor, from the audit page: the ledger's
CSV and beancount exports asked for with the auditor's own token (nobody writes a header by
hand), passed on as they are read, under a name a person can file.

The ledger decides who sees backers: it says which export it gave (`Fundtrail-Export-Audience`),
and the site refuses to pass on the public one as if it were the auditor's (403), so a backer
or a creator asking here is told, never handed a file that looks like what they asked for.

The receipt links in the file point at the ledger's API, which only opens with a token: they
are rewritten, line by line as the file passes, to the site's own route for original receipts,
which asks the auditor to sign in and needs no header.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, NotFound

from services.site import audit_page, context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.clients.ledger import receipt_links
from shared.i18n import gettext_noop as N_

audit_exports = flask.Blueprint("audit_exports", __name__)

#: What each export is at the ledger, by the extension the site serves it under.
EXTENSIONS = ("csv", "beancount")
AUDIENCE_HEADER = "Fundtrail-Export-Audience"
_CHUNK = 64 * 1024
_PASSED_ON = ("Content-Type", "Fundtrail-Tree-Size")
_SLUG_CUT = re.compile(r"[^a-z0-9]+")


@audit_exports.get("/campaigns/<uuid:campaign_id>/audit/export.<string:extension>")
def export(campaign_id: uuid.UUID, extension: str) -> Any:
    if extension not in EXTENSIONS:
        raise NotFound()
    visitor = signed_in(
        message=N_("Sign in as an auditor to download the exports that name backers.")
    )
    services = context.services()
    campaign = services.pledges.campaign(campaign_id, token=visitor.token)
    form = audit_page.read_dates()
    if not form.ok:
        return audit_page.render(campaign_id, form=form, campaign=campaign), 422
    try:
        upstream = services.ledger.export(
            campaign_id,
            extension,
            start=form.values["from"] or None,
            end=form.values["to"] or None,
            token=visitor.token,
        )
    except ApiError as exc:
        if exc.status == 404:
            # Known to the pledges service, not yet to the ledger (or no checkpoint yet).
            raise NotFound(_("The ledger has no entries for this campaign yet.")) from None
        if exc.status != 422:
            raise  # 401: signed out and asked to sign in again, then back here
        form.add_api_errors(exc.errors, set(audit_page.DATE_FIELDS), exc.detail)
        return audit_page.render(campaign_id, form=form, campaign=campaign), 422
    if upstream.headers.get(AUDIENCE_HEADER) != "auditor":
        upstream.close()
        raise Forbidden(
            _(
                "The exports that name backers are for auditors. The public exports on the "
                "audit page hold every entry without them."
            )
        )
    prefix = f"{context.settings().public_url}/campaigns/{campaign_id}/receipts/"
    response = flask.Response(_receipt_links_to_site(upstream, campaign_id, prefix))
    response.call_on_close(upstream.close)
    for name in _PASSED_ON:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{filename(campaign, extension, form.values)}"'
    )
    # It names backers: no shared cache keeps it, and the browser keeps no copy to show again.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def filename(campaign: dict[str, Any], extension: str, days: dict[str, str]) -> str:
    """`<title>-audit[-from-DAY][-to-DAY].<extension>`: the campaign's title in plain ASCII
    (an auditor keeps several campaigns' files side by side), its days when limited."""
    ascii_title = unicodedata.normalize("NFKD", str(campaign.get("title") or ""))
    slug = _SLUG_CUT.sub("-", ascii_title.encode("ascii", "ignore").decode().lower())
    parts = [slug.strip("-")[:48].strip("-") or "campaign", "audit"]
    parts += [f"{name}-{days[name]}" for name in audit_page.DATE_FIELDS if days.get(name)]
    return "-".join(parts) + "." + extension


def _receipt_links_to_site(upstream: Any, campaign_id: uuid.UUID, prefix: str) -> Iterator[bytes]:
    """The export's bytes with each receipt link (the ledger's address for this campaign's
    receipt) made the site's. Rewritten a line at a time (a link never spans lines, and the
    ledger's lines are bounded by its fields' limits), so memory stays flat."""
    link = receipt_links(campaign_id)
    site = prefix.encode()

    def rewrite(text: bytes) -> bytes:
        return link.sub(lambda found: site + found.group(1) + b"/original", text)

    pending = b""
    for chunk in upstream.iter_content(_CHUNK):
        pending += chunk
        cut = pending.rfind(b"\n") + 1
        if cut:
            yield rewrite(pending[:cut])
            pending = pending[cut:]
    if pending:
        yield rewrite(pending)
