"""The shared rules for text, numbers and times in requests: what is refused, and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import flask
import marshmallow as ma
import pytest

from shared.text import TextRefused, clean_text, text_fault
from shared.web.api import MAX_JSON_DEPTH, StrictJsonParser
from shared.web.fields import MAX_LOG_POSITION, Day, Moment, Text, bounded_int, page_offset
from shared.web.problems import Problem


@pytest.mark.parametrize(
    "char",
    [
        "\u202e",
        "\u200b",
        "\ufeff",
        "\u2066",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "\u00ad",
        "\x00",
        "\x1b",
        "\ud800",
        "\u2028",
        "\u2029",
        "\U000e0041",
    ],
)
def test_invisible_bidi_control_and_surrogate_characters_are_refused(char: str) -> None:
    fault = text_fault(f"Board{char}game")
    assert fault is not None and f"U+{ord(char):04X}" in fault
    with pytest.raises(TextRefused, match=f"U\\+{ord(char):04X}"):
        clean_text(f"Board{char}game", max_length=100)


def test_ordinary_text_in_any_script_passes_with_joiners_and_multiline_breaks() -> None:
    assert clean_text("  Jeu de société 🎲 ", max_length=100) == "Jeu de société 🎲"
    assert clean_text("می\u200cخواهم", max_length=100) == "می\u200cخواهم"  # ZWNJ in Persian
    assert clean_text("👨\u200d👩\u200d👧", max_length=10) == "👨\u200d👩\u200d👧"  # ZWJ emoji
    assert clean_text("line one\n\tline two", max_length=100, multiline=True)
    with pytest.raises(TextRefused, match="control character"):
        clean_text("line one\nline two", max_length=100)


class Body(ma.Schema):
    title = Text(required=True, max_length=10)
    deadline = Moment()
    day = Day()
    offset = page_offset()
    seq = bounded_int(0, MAX_LOG_POSITION)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "abc\u202edef"}, "title"),
        ({"title": "ab\x00"}, "title"),
        ({"title": "ok", "deadline": "0001-01-01T00:00:00+14:00"}, "deadline"),
        ({"title": "ok", "deadline": "9999-12-31T23:59:59-14:00"}, "deadline"),
        ({"title": "ok", "day": "0001-01-01"}, "day"),
        ({"title": "ok", "offset": 2**63}, "offset"),
        ({"title": "ok", "seq": 2**63}, "seq"),
        ({"title": "ok", "seq": "9" * 5000}, "seq"),
    ],
)
def test_fields_refuse_with_a_message_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ma.ValidationError) as caught:
        Body().load(data)
    assert list(caught.value.messages) == [field]


def test_a_moment_is_loaded_in_utc() -> None:
    loaded = Body().load({"title": "ok", "deadline": "2030-01-01T10:00:00+14:00"})
    assert loaded["deadline"] == datetime(2029, 12, 31, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        ("[" * 5000 + "]" * 5000, 400, "nests deeper"),
        ("[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2), 400, "nests deeper"),
        ('{"goal_amount": ' + "9" * 5000 + "}", 400, "cannot be read"),
        ('{"tiers": [{"name": "\\ud800"}]}', 422, "tiers.0.name"),
        ('{"\\udfff": 1}', 422, "_body"),
    ],
)
def test_the_json_parser_turns_unreadable_bodies_into_problems(
    raw: str, status: int, says: str
) -> None:
    app = flask.Flask(__name__)
    with (
        app.test_request_context(data=raw, content_type="application/json"),
        pytest.raises(Problem) as caught,
    ):
        StrictJsonParser()._raw_load_json(flask.request)
    assert caught.value.code == status
    assert says in (caught.value.description or "") + json.dumps(caught.value.errors)
