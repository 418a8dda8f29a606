"""An HTML checker for tests: what a browser would run or load from a fragment, if anything."""

from __future__ import annotations

from html.parser import HTMLParser

from shared.markdown import ALLOWED_TAGS, ALLOWED_URL_SCHEMES


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value is not None:
                scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
                if scheme not in ALLOWED_URL_SCHEMES:
                    self.problems.append(f"URL {value!r} on <{tag}>")


def active_content(fragment: str) -> list[str]:
    """Everything in `fragment` off the allow-list: tags, event handlers, URL schemes."""
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector.problems
