"""Questions and answers under updates on the campaign page, against the real services: backers
and the creator post, the creator hides with a reason, everyone else is told who discusses."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from tests.factories import bearer
from tests.integration.site.site_support import Stack, csrf_of, error_in_focus


@dataclass
class Discussion:
    campaign_id: str
    update_id: str
    creator: str
    backer: str

    @property
    def page(self) -> str:
        return f"/campaigns/{self.campaign_id}"

    @property
    def post_path(self) -> str:
        return f"/campaigns/{self.campaign_id}/updates/{self.update_id}/comments"

    def hide_path(self, comment_id: str) -> str:
        return f"/campaigns/{self.campaign_id}/comments/{comment_id}/hide"


def _discussion(stack: Stack) -> Discussion:
    """A live campaign with a public update and one backer."""
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    campaign = stack.campaign(creator, title="Cider press")
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        json={"amount": 5_000},
        headers=bearer(backer),
    )
    assert pledged.status_code == 201, pledged.get_json()
    posted = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign['id']}/updates",
            json={"title": "Pressing day", "body": "The apples are in.", "visibility": "public"},
            headers=bearer(creator),
        )
    )
    assert posted.status_code == 201, posted.get_json()
    stack.relay()
    return Discussion(campaign["id"], posted.get_json()["id"], creator, backer)


def _thread(stack: Stack, talk: Discussion) -> list[dict[str, Any]]:
    response = (
        stack.apps["updates"]
        .test_client()
        .get(f"/api/v1/updates/{talk.update_id}/comments", headers=bearer(talk.creator))
    )
    assert response.status_code == 200, response.get_json()
    found: list[dict[str, Any]] = response.get_json()["comments"]
    return found


def _comment_by_api(stack: Stack, talk: Discussion, body: str) -> str:
    response = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/updates/{talk.update_id}/comments",
            json={"body": body},
            headers=bearer(talk.backer),
        )
    )
    assert response.status_code == 201, response.get_json()
    comment_id: str = response.get_json()["id"]
    return comment_id


def test_a_backer_posts_a_comment_and_it_shows_as_text(stack: Stack) -> None:
    talk = _discussion(stack)
    client = stack.site_client(talk.backer)
    page = client.get(talk.page).get_data(as_text=True)
    field_id = f"comment-body-{talk.update_id}"
    # Each update's field names its update, so a screen reader's list of fields tells them apart.
    hidden = r'<span class="visually-hidden"> on “[^”<]+”</span>'
    assert re.search(rf'<label for="{field_id}">Comment{hidden}</label>', html.unescape(page))
    assert '<button type="submit">Post comment</button>' in page
    assert "No questions yet." in page
    text = "<script>alert(1)</script> Is the press <b>oak</b>?"

    response = client.post(talk.post_path, data={"csrf_token": csrf_of(page), "body": text})

    assert response.status_code == 302
    assert response.headers["Location"] == f"{talk.page}#update-{talk.update_id}"
    assert [c["body"] for c in _thread(stack, talk)] == [text]
    shown = client.get(talk.page).get_data(as_text=True)
    assert "Your comment is posted." in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Is the press &lt;b&gt;oak&lt;/b&gt;?" in shown
    assert "<script" not in shown and "<b>oak" not in shown
    assert f'<article class="update" id="update-{talk.update_id}">' in shown
    # The creator reads the same thread, and sees who wrote it only as "A backer".
    as_creator = stack.site_client(talk.creator).get(talk.page).get_data(as_text=True)
    assert "Is the press &lt;b&gt;oak&lt;/b&gt;?" in as_creator and "A backer" in as_creator


def test_the_creator_hides_a_comment_and_its_reason_shows_instead(stack: Stack) -> None:
    talk = _discussion(stack)
    comment_id = _comment_by_api(stack, talk, "Buy cheap watches at spam.example")
    client = stack.site_client(talk.creator)
    page = client.get(talk.page).get_data(as_text=True)
    assert f'<label for="reason-{comment_id}">Reason<span class="visually-hidden"> ' in page
    assert 'class="secondary">Hide</button>' in page
    # Backers get no hide button.
    assert "Hide</button>" not in stack.site_client(talk.backer).get(talk.page).get_data(
        as_text=True
    )

    empty = client.post(
        talk.hide_path(comment_id), data={"csrf_token": csrf_of(page), "reason": "  "}
    )
    hidden = client.post(
        talk.hide_path(comment_id), data={"csrf_token": csrf_of(page), "reason": "Spam & ads"}
    )

    assert empty.status_code == 422
    assert f'id="reason-{comment_id}-error1"' in empty.get_data(as_text=True)
    # Far down the page, the form with its error is where the browser opens.
    error_in_focus(empty.get_data(as_text=True), f"reason-{comment_id}")
    assert f'id="hide-{comment_id}"' in empty.get_data(as_text=True)
    assert hidden.status_code == 302
    assert hidden.headers["Location"] == f"{talk.page}#comment-{comment_id}"
    [comment] = _thread(stack, talk)
    assert (comment["hidden"], comment["hidden_reason"]) == (True, "Spam & ads")
    shown = stack.site_client(talk.backer).get(talk.page).get_data(as_text=True)
    assert "Hidden by the creator: Spam &amp; ads" in shown
    assert "cheap watches" not in shown


def test_comment_forms_refuse_no_csrf_nobody_empty_text_and_a_non_creator_hiding(
    stack: Stack,
) -> None:
    talk = _discussion(stack)
    comment_id = _comment_by_api(stack, talk, "When do the bottles ship?")
    backer = stack.site_client(talk.backer)
    page = backer.get(talk.page).get_data(as_text=True)
    nobody = stack.site_client()
    nobody_token = csrf_of(nobody.get("/login").get_data(as_text=True))

    no_csrf = backer.post(talk.post_path, data={"body": "Forged"})
    empty = backer.post(talk.post_path, data={"csrf_token": csrf_of(page), "body": " \n "})
    anonymous_post = nobody.post(talk.post_path, data={"csrf_token": nobody_token, "body": "Hi"})
    anonymous_hide = nobody.post(
        talk.hide_path(comment_id), data={"csrf_token": nobody_token, "reason": "Mine now"}
    )
    backer_hide = backer.post(
        talk.hide_path(comment_id), data={"csrf_token": csrf_of(page), "reason": "I dislike it"}
    )
    _, stranger = stack.account("creator")
    other_creator = stack.site_client(stranger)
    other_page = other_creator.get("/").get_data(as_text=True)
    stranger_hide = other_creator.post(
        talk.hide_path(comment_id), data={"csrf_token": csrf_of(other_page), "reason": "Rival"}
    )

    assert no_csrf.status_code == 400
    assert empty.status_code == 422
    assert "Write your comment first." in empty.get_data(as_text=True)
    error_in_focus(empty.get_data(as_text=True), f"comment-body-{talk.update_id}")
    for anonymous in (anonymous_post, anonymous_hide):
        assert anonymous.status_code == 302
        assert anonymous.headers["Location"].startswith(f"/login?next={talk.page}")
    for refused in (backer_hide, stranger_hide):
        assert refused.status_code == 403
        text = html.unescape(refused.get_data(as_text=True))
        assert "Only the campaign's creator can hide its comments." in text
    [comment] = _thread(stack, talk)
    assert (comment["hidden"], comment["body"]) == (False, "When do the bottles ship?")


def test_only_backers_and_the_creator_read_the_thread(stack: Stack) -> None:
    talk = _discussion(stack)
    _comment_by_api(stack, talk, "A question only backers read")
    _, outsider = stack.account("backer")

    anonymous = stack.site_client().get(talk.page)
    not_backing = stack.site_client(outsider).get(talk.page)

    for response in (anonymous, not_backing):
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "The campaign's backers and its creator discuss each update here" in text
        assert "A question only backers read" not in text
        assert "Post comment" not in text
    assert "sign in</a> to join them" in anonymous.get_data(as_text=True)


def test_the_rate_limit_is_a_form_error_with_the_text_kept(stack: Stack) -> None:
    talk = _discussion(stack)
    limit = stack.apps["updates"].extensions["fundtrail"].updates_settings.comment_rate_count
    for n in range(limit):
        _comment_by_api(stack, talk, f"Question {n}")
    client = stack.site_client(talk.backer)
    page = client.get(talk.page).get_data(as_text=True)

    response = client.post(
        talk.post_path, data={"csrf_token": csrf_of(page), "body": "One more question"}
    )

    assert response.status_code == 429
    # The updates service's Retry-After reaches the browser, as the page's own words say.
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 0 < int(retry_after) <= 60
    text = response.get_data(as_text=True)
    error = re.search(
        rf'<p class="error" id="comment-body-{talk.update_id}-error1">([^<]*)</p>', text
    )
    assert error and "You are commenting too often" in error.group(1)
    assert re.search(r"try again in \d+ seconds", error.group(1))
    assert ">One more question</textarea>" in text
    assert len(_thread(stack, talk)) == limit
