"""The ledger's blueprint class: its routes also read multipart bodies."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from shared.web.api import Blueprint, StrictJsonParser

MULTIPART = "multipart"


class MultipartParser(StrictJsonParser):
    """Adds the `multipart` location: form fields and files read together by one schema."""

    __location_map__ = {**StrictJsonParser.__location_map__, MULTIPART: "load_multipart"}

    def load_multipart(self, req: flask.Request, schema: ma.Schema) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class LedgerBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }
