"""The ledger's blueprint class and what its routes reach: a multipart body, the app's adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask
import marshmallow as ma
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from services.ledger.adapters.receipts import ReceiptStore
from services.ledger.settings import LedgerSettings
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.web.api import Blueprint, StrictJsonParser
from shared.web.app import service_context

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


@dataclass(frozen=True)
class LedgerContext:
    """The ledger's own adapters, made once per app."""

    settings: LedgerSettings
    signing: LogSigning
    receipts: ReceiptStore


def ledger() -> LedgerContext:
    context: LedgerContext = service_context().extra["ledger"]
    return context


def unit_of_work() -> LedgerUnitOfWork:
    uow = service_context().uow_factory()
    assert isinstance(uow, LedgerUnitOfWork)
    return uow
