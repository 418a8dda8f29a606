"""Where sign-in sends a person next: a path on this site, or the home page for anything else."""

from __future__ import annotations

import pytest

from services.site.accounts import safe_next

HOSTILE = [
    "/\t/evil.example",  # a browser drops the tab: //evil.example
    "/\n/evil.example",  # a header cannot carry it: once a 500
    "/\r\n/evil.example",
    "/ /evil.example",
    " /campaigns",
    "/campaigns\x00",
    "/campaigns\x7f",
    "/\u2028/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/campaigns\\..\\x",
    "https://evil.example/",
    "http:/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "campaigns",
    "/%2F/evil.example",  # a server that decodes %2F would see //evil.example
    "/%2f/evil.example",
    "/%5C/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_but_a_plain_path_on_this_site_is_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/console",
        "/campaigns/6f1c2a52-7a7e-4c1a-9a55-0c9a3c2f1b11?ref=mail#updates",
        "/campaigns?q=cider%20press",
        "/login?next=%2Fconsole",
    ],
)
def test_a_path_on_this_site_is_kept_as_it_is(target: str) -> None:
    assert safe_next(target) == target
