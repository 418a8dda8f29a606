"""The updates service's HTTP entrypoints: the JSON API under /api/v1, and its pages."""

from services.updates.api.campaigns import blp as campaigns_blp
from services.updates.api.comments import blp as comments_blp
from services.updates.api.feed import feed_blp
from services.updates.api.images import blp as images_blp
from services.updates.api.limits import blp as limits_blp
from services.updates.api.updates import blp as updates_blp

#: Blueprints in the OpenAPI spec.
BLUEPRINTS = (campaigns_blp, updates_blp, comments_blp, limits_blp, images_blp)
#: Plain blueprints: pages at the root, outside /api/v1 and the spec.
PAGES = (feed_blp,)
