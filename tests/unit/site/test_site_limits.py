"""The services' published limits: asked once and kept a while, their defaults while a service
does not answer (asked again sooner), and odd answers never trusted."""

from __future__ import annotations

from typing import Any

from services.site import limits
from services.site.clients import ApiError, ServiceUnavailable


class _Service:
    """A service's `limits()`: an answer, or a refusal, counted."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked = 0

    def limits(self) -> Any:
        self.asked += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def payments(self) -> Any:
        """The pledges service's `payments()`: answered the same way."""
        return self.limits()


class _Services:
    def __init__(self, ledger: Any, updates: Any, pledges: Any = None) -> None:
        self.ledger, self.updates = _Service(ledger), _Service(updates)
        self.pledges = _Service(pledges)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _published(ledger: Any, updates: Any) -> tuple[limits.PublishedLimits, _Services, _Clock]:
    services, clock = _Services(ledger, updates), _Clock()
    return limits.PublishedLimits(services, clock), services, clock  # type: ignore[arg-type]


def test_published_limits_are_asked_once_and_kept_until_they_expire() -> None:
    published, services, clock = _published(
        {"receipt_max_bytes": 2_000_000}, {"max_request_bytes": 300_000}
    )

    assert published.receipt_upload_max() == 2_000_000 + 1024 * 1024
    assert published.receipt_upload_max() == 2_000_000 + 1024 * 1024
    assert published.update_form_max() == 300_000
    assert (services.ledger.asked, services.updates.asked) == (1, 1)

    clock.now += limits.TTL_SECONDS + 1
    services.ledger.answer = {"receipt_max_bytes": 5}
    assert published.receipt_upload_max() == 5 + 1024 * 1024
    assert services.ledger.asked == 2


def test_a_service_that_does_not_answer_has_its_defaults_and_is_asked_again_sooner() -> None:
    published, services, clock = _published(ServiceUnavailable("ledger"), ApiError(404, {}))

    assert published.receipt_upload_max() == limits.DEFAULT_RECEIPT_MAX + 1024 * 1024
    assert published.update_form_max() == limits.DEFAULT_UPDATE_REQUEST_MAX
    clock.now += limits.RETRY_SECONDS + 1
    services.ledger.answer = {"receipt_max_bytes": 1_000}
    assert published.receipt_upload_max() == 1_000 + 1024 * 1024


def test_odd_answers_are_not_trusted() -> None:
    published, _, _ = _published({"receipt_max_bytes": -1}, {"max_request_bytes": True})

    assert published.receipt_upload_max() == limits.DEFAULT_RECEIPT_MAX + 1024 * 1024
    assert published.update_form_max() == limits.DEFAULT_UPDATE_REQUEST_MAX


def test_whether_money_moves_is_kept_a_minute_and_only_a_plain_yes_counts() -> None:
    published, services, clock = _published({}, {})
    services.pledges.answer = {"provider": "stripe", "moves_money": True}
    assert published.money_moves() is True
    assert published.money_moves() is True
    assert services.pledges.asked == 1

    clock.now += limits.PAYMENTS_TTL_SECONDS + 1
    services.pledges.answer = {"provider": "record-only", "moves_money": False}
    assert published.money_moves() is False
    assert services.pledges.asked == 2

    for odd in ({"moves_money": "true"}, {"moves_money": 1}, {}, ["moves_money"]):
        clock.now += limits.PAYMENTS_TTL_SECONDS + 1
        services.pledges.answer = odd
        assert published.money_moves() is False, odd


def test_while_the_pledges_service_does_not_answer_the_site_says_test_mode() -> None:
    published, services, clock = _published({}, {})
    services.pledges.answer = ServiceUnavailable("pledges")
    assert published.money_moves() is False
    # Asked again sooner than a minute, as any unanswered limit.
    clock.now += limits.RETRY_SECONDS + 1
    services.pledges.answer = {"moves_money": True}
    assert published.money_moves() is True
