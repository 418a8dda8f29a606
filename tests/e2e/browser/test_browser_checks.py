"""The browser tests' own instruments, shown to catch what they claim to: an accessibility
check that finds nothing on a broken page would make every page look fine."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser.conftest import accessibility_violations


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
