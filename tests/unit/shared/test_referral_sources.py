"""The rule for a pledge's source: a short tag or a host name, lower-cased; never a link."""

from __future__ import annotations

import pytest

from services.pledges.domain import InvalidSource
from services.pledges.domain.rules import check_source
from shared.referrals import SOURCE_MAX, SourceRefused, referring_host, tidy_source


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("whatsapp", "whatsapp"),
        ("  WhatsApp\n", "whatsapp"),
        ("Spring_Newsletter-2026", "spring_newsletter-2026"),
        ("news.ycombinator.com", "news.ycombinator.com"),
        ("a" * SOURCE_MAX, "a" * SOURCE_MAX),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_tags_and_hosts_are_kept_lower_cased_and_blank_is_none(
    given: str | None, kept: str | None
) -> None:
    assert tidy_source(given) == kept


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/path?who=me@example.com",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>",
        "example.com/path",
        "<script>alert(1)</script>",
        "news letter",
        "wh\u0430tsapp",  # a Cyrillic а that looks like the Latin one
        "\u212a",  # KELVIN SIGN, which lower-cases to an ASCII k
        "ｗｈａｔｓａｐｐ",  # fullwidth letters
        "whatsapp\x00",
        "whatsapp\u202e",
        "a" * (SOURCE_MAX + 1),
        "x" * 10_240,
    ],
)
def test_anything_but_a_tag_or_host_is_refused_with_a_reason(hostile: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        tidy_source(hostile)
    assert str(refused.value)
    # The pledges domain refuses it as a bad value of the `source` field (a 422 naming it).
    with pytest.raises(InvalidSource) as invalid:
        check_source(hostile)
    assert invalid.value.field == "source"


OURS = ("fundtrail.example", "localhost")


@pytest.mark.parametrize(
    ("referer", "host"),
    [
        ("https://www.facebook.com/groups/films/posts/123?fbclid=abc", "facebook.com"),
        ("https://l.facebook.com/", "l.facebook.com"),
        ("http://Blog.Example.ORG:8080/2026/12/our-film", "blog.example.org"),
        ("https://user:secret@forum.example/thread", "forum.example"),
        # Ours, with or without `www.` or a port: a visit from our own pages is no referral.
        ("https://fundtrail.example/campaigns/1", None),
        ("https://www.fundtrail.example/", None),
        ("http://localhost:8000/", None),
        # Not a web page of another site, or nothing usable as a source.
        ("android-app://com.whatsapp/", None),
        ("javascript:alert(1)", None),
        ("https://", None),
        ("not a url", None),
        ("https://[::1/", None),
        ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("https://bücher.example/", None),
        (f"https://{'a' * 60}.example/", None),
        ("https://example.com/" + "x" * 10_240, None),
        ("", None),
        (None, None),
    ],
)
def test_a_referring_page_gives_its_host_only_and_never_ours(
    referer: str | None, host: str | None
) -> None:
    assert referring_host(referer, OURS) == host
