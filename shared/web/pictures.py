"""How a service answers about pictures over HTTP: the upload refusals and the served files."""

from __future__ import annotations

import hashlib
from typing import Any

import flask
import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from shared.errors import FAMILY_STATUSES
from shared.images import FIELD, MAX_UPLOAD_BYTES, ImageTooLarge
from shared.web.problems import http_exception_to_problem, problem_response, refusal_handler

#: A picture's bytes never change under its name: caches may keep it for a year unasked.
PUBLIC_FOREVER = "public, max-age=31536000, immutable"
#: A draft's cover, seen only by its creator: no shared cache may keep it.
PRIVATE = "private, no-cache"
#: Path endings of the routes that take a picture upload.
UPLOAD_PATHS = ("/cover", "/images")
#: A body's multipart framing and form fields besides the picture.
FORM_OVERHEAD = 64 * 1024


def _is_file(value: object) -> None:
    if not isinstance(value, FileStorage):
        raise ma.ValidationError("must be a file (multipart/form-data upload)")


class PictureForm(ma.Schema):
    """The multipart body of a picture upload."""

    image = Upload(
        required=True,
        validate=_is_file,
        metadata={"description": "A JPEG, PNG or WebP picture; its metadata is removed"},
    )


def read_upload(form: dict[str, Any]) -> bytes:
    """The uploaded file's bytes; one byte past the limit is enough to refuse it."""
    content: bytes = form[FIELD].stream.read(MAX_UPLOAD_BYTES + 1)
    return content


def picture_response(jpeg: bytes, *, public: bool) -> flask.Response:
    """One rendition, with the caching it allows, conditional requests answered."""
    response = flask.Response(jpeg, mimetype="image/jpeg")
    response.headers["Cache-Control"] = PUBLIC_FOREVER if public else PRIVATE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(hashlib.sha256(jpeg).hexdigest())
    response.make_conditional(flask.request)
    return response


def _body_too_large(error: RequestEntityTooLarge) -> flask.Response:
    if flask.request.path.endswith(UPLOAD_PATHS):
        message = f"the picture is larger than the {MAX_UPLOAD_BYTES} bytes accepted"
        return problem_response(413, message, errors={FIELD: [message]})
    return http_exception_to_problem(error)


def register(app: flask.Flask, upload_endpoints: frozenset[str] | None = None) -> None:
    """Answer too-large pictures with 413 (not 422) and the field `image`. With
    `upload_endpoints`, only those routes take a body as large as a picture (the app's own
    limit stays for every other); without, the whole app does."""
    if upload_endpoints is None:
        app.config["MAX_CONTENT_LENGTH"] = max(
            app.config.get("MAX_CONTENT_LENGTH") or 0, MAX_UPLOAD_BYTES + FORM_OVERHEAD
        )
    else:

        def allow_pictures(endpoint: str | None, values: dict[str, Any] | None) -> None:
            # Runs once the request is routed, before its body is read.
            if endpoint in upload_endpoints:
                flask.request.max_content_length = MAX_UPLOAD_BYTES + FORM_OVERHEAD

        app.url_value_preprocessor(allow_pictures)
    app.register_error_handler(
        ImageTooLarge, refusal_handler(((ImageTooLarge, 413), *FAMILY_STATUSES))
    )
    app.register_error_handler(RequestEntityTooLarge, _body_too_large)
