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


def test_a_database_away_or_a_full_disk_is_a_503_with_retry_after() -> None:
    import flask
    import sqlalchemy as sa

    from shared.files import StorageFull
    from shared.web.problems import database_unavailable, storage_full

    app = flask.Flask(__name__)
    away = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    with app.app_context():
        for response in (database_unavailable(away), storage_full(StorageFull(28, "no room"))):
            assert response.status_code == 503
            assert response.mimetype == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
            assert response.get_json()["status"] == 503
            assert "connection refused" not in response.get_data(as_text=True)
