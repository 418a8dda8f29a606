"""How validation messages become problem+json `errors`."""

from shared.web.problems import flatten_messages


def test_nested_messages_are_named_by_path() -> None:
    messages = {
        "tiers": {0: {"name": ["Missing data for required field."]}},
        "goal_amount": ["Not a valid integer."],
    }
    assert flatten_messages(messages) == {
        "tiers.0.name": ["Missing data for required field."],
        "goal_amount": ["Not a valid integer."],
    }


def test_a_message_about_the_whole_body() -> None:
    assert flatten_messages(["Invalid JSON body."]) == {"_body": ["Invalid JSON body."]}
