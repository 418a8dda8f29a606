"""The browser tests' own instruments, shown to catch what they claim to: an accessibility
check that finds nothing on a broken page would make every page look fine."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser.conftest import PHONE, accessibility_violations, layout_problems


def test_axe_reports_serious_and_critical_violations(chromium: Any, axe_source: str) -> None:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><title>Broken</title><main>'
            '<form><input type="text" name="amount"><button type="submit"></button></form>'
            "</main></html>"
        )
        found = accessibility_violations(page, axe_source)
    finally:
        context.close()
    rules = {line.split(" ", 1)[0] for line in found}
    # An unlabelled input and an empty button: both critical in axe-core 4.
    assert {"label", "button-name"} <= rules, found


def test_layout_problems_finds_sideways_scrolling_and_small_targets(chromium: Any) -> None:
    context = chromium.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><title>Cramped</title><body><main>'
            '<p>Read <a href="/terms">the terms</a> first.</p>'
            '<ul><li><a href="/alone" style="font-size:12px">alone</a></li></ul>'
            '<input type="radio" id="tiny" name="r"><label for="tiny">Tiny</label>'
            '<div style="overflow-x:auto"><table style="width:900px"><tr><td>wide, '
            "but in its own box</td></tr></table></div>"
            '<pre id="long">' + "0123456789abcdef" * 40 + "</pre>"
            "</main></body></html>"
        )
        found = layout_problems(page)
    finally:
        context.close()
    assert len(found) == 3, found
    assert found[0].startswith("scrolls sideways:") and "pre" in found[0], found
    # The link in a sentence is excused (WCAG's inline exception); the one on its own is not.
    assert found[1].startswith('a "alone" is '), found
    assert found[2] == 'input "tiny" is 13×13', found
