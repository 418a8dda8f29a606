"""The pledges service's JSON API under /api/v1: thin routes over the handlers."""

from services.pledges.api.accounts import blp as accounts_blp
from services.pledges.api.campaigns import blp as campaigns_blp
from services.pledges.api.cards import blp as cards_blp
from services.pledges.api.covers import blp as covers_blp
from services.pledges.api.email_verification import blp as email_verification_blp
from services.pledges.api.lifecycle import blp as lifecycle_blp
from services.pledges.api.payments import blp as payments_blp
from services.pledges.api.payouts import blp as payouts_blp
from services.pledges.api.pledges import blp as pledges_blp
from services.pledges.api.signup import blp as sign_up_blp
from services.pledges.api.stripe_webhook import blp as stripe_webhook_blp

BLUEPRINTS = (
    accounts_blp,
    campaigns_blp,
    cards_blp,
    covers_blp,
    email_verification_blp,
    lifecycle_blp,
    payments_blp,
    payouts_blp,
    pledges_blp,
    sign_up_blp,
    stripe_webhook_blp,
)
