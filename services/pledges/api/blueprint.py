"""The pledges API's blueprint: the shared one, plus a way to document problem answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.web.api import Blueprint as SharedBlueprint
from shared.web.problems import PROBLEM_JSON, ProblemSchema


class Blueprint(SharedBlueprint):
    def problem(self, status: int, description: str) -> Callable[[Any], Any]:
        """Document an error answer: RFC 9457 problem+json, saying when it happens."""
        return self.alt_response(
            status, schema=ProblemSchema, content_type=PROBLEM_JSON, description=description
        )
