"""The ledger's JSON API under /api/v1: thin routes over the handlers."""

from services.ledger.api.exports import blp as exports_blp
from services.ledger.api.journal import blp as journal_blp
from services.ledger.api.log import blp as log_blp
from services.ledger.api.receipt_copies import blp as receipt_copies_blp
from services.ledger.api.reports import blp as reports_blp
from services.ledger.api.verifier import blp as verifier_blp

BLUEPRINTS = (
    journal_blp,
    log_blp,
    exports_blp,
    reports_blp,
    receipt_copies_blp,
    verifier_blp,
)
