"""A form sent to a service: its answer, or its refusal next to the fields with the page's
status; the refusals the app has pages for go on to them."""

from __future__ import annotations

from typing import Any

import pytest

from services.site.clients import ApiError, ServiceUnavailable
from services.site.forms import FormState, send


def _refusal(status: int, **problem: Any) -> Any:
    """A call the service refuses with `status` and the problem document `problem`."""

    def call() -> Any:
        raise ApiError(status, problem)

    return call


def _typed() -> FormState:
    return FormState(values={"amount": "10.01", "reason": "Too much"})


def test_an_answer_is_returned_and_the_form_left_as_it_was() -> None:
    form = _typed()

    answer = send(form, lambda: {"seq": 7}, fields={"reason"}, fallback="Refused.")

    assert answer == {"seq": 7}
    assert form.ok and form.status == 422
    assert form.values == {"amount": "10.01", "reason": "Too much"}


def test_field_errors_land_next_to_the_fields_and_the_rest_on_the_whole_form() -> None:
    form = _typed()
    refused = _refusal(
        422,
        detail="Invalid body",
        errors={"reason": ["Too long."], "currency": ["Unknown."], "amount": {"0": ["Odd."]}},
    )

    answer = send(form, refused, fields={"amount", "reason"}, fallback="Refused.")

    assert answer is None
    assert form.errors == {"reason": ["Too long."], "_form": ["Unknown."], "amount": ["Odd."]}
    assert form.status == 422
    assert form.values["reason"] == "Too much"  # kept, to be shown again


@pytest.mark.parametrize(
    ("problem", "said"),
    [({"detail": "The campaign is not live."}, "The campaign is not live."), ({}, "Refused.")],
)
def test_a_refusal_without_field_errors_says_its_detail_or_the_fallback(
    problem: dict[str, Any], said: str
) -> None:
    form = _typed()

    assert send(form, _refusal(409, **problem), fields={"reason"}, fallback="Refused.") is None

    assert form.errors == {"_form": [said]}


@pytest.mark.parametrize(
    ("refused", "page"), [(409, 409), (429, 429), (422, 422), (400, 422), (410, 422), (413, 422)]
)
def test_the_page_keeps_a_conflict_or_too_often_and_answers_422_for_the_rest(
    refused: int, page: int
) -> None:
    form = _typed()

    send(form, _refusal(refused, detail="No."), fields={"reason"}, fallback="Refused.")

    assert form.status == page
    assert form.errors == {"_form": ["No."]}


@pytest.mark.parametrize("refused", [401, 403, 404])
def test_sign_in_again_not_allowed_and_not_found_go_on_to_the_apps_pages(refused: int) -> None:
    form = _typed()

    with pytest.raises(ApiError) as raised:
        send(form, _refusal(refused, detail="No."), fields={"reason"}, fallback="Refused.")

    assert raised.value.status == refused
    assert form.ok and form.status == 422


def test_a_route_shows_a_not_found_itself_when_it_leaves_it_out_of_the_error_pages() -> None:
    form = _typed()
    refused = _refusal(404, detail="The ledger has not heard of this campaign.")

    answer = send(form, refused, fields={"reason"}, fallback="Refused.", error_pages={401})

    assert answer is None
    assert form.errors == {"_form": ["The ledger has not heard of this campaign."]}
    assert form.status == 422
    with pytest.raises(ApiError):
        send(_typed(), _refusal(401), fields={"reason"}, fallback="Refused.", error_pages={401})


def test_a_service_that_does_not_answer_is_no_refusal_of_the_form() -> None:
    form = _typed()

    def down() -> Any:
        raise ServiceUnavailable("ledger")

    with pytest.raises(ServiceUnavailable):
        send(form, down, fields={"reason"}, fallback="Refused.")
    assert form.ok
