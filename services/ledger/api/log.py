"""The verifiable log over HTTP: checkpoints, proofs, the verifier key, and the JSONL export."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import flask

from services.ledger import queries
from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.adapters.journal import stream_leaves
from services.ledger.api.blueprint import LedgerBlueprint
from services.ledger.api.schemas import (
    ConsistencyQuery,
    ConsistencySchema,
    ExportQuery,
    InclusionQuery,
    InclusionSchema,
)
from services.ledger.bootstrap import current_dependencies
from services.ledger.domain import merkle
from shared.web.problems import Problem

blp = LedgerBlueprint(
    "ledger log",
    __name__,
    url_prefix="/api/v1",
    description="Each campaign's verifiable log: checkpoints, proofs, export",
)

TREE_SIZE_HEADER = "Fundtrail-Tree-Size"
TEXT = "text/plain; charset=utf-8"


@blp.get("/log/key")
@blp.response(200, description="The verifier key (signed-note vkey form)", content_type=TEXT)
def get_key() -> flask.Response:
    """The key every checkpoint is signed with, as one line: `<name>+<key id>+<key>`."""
    return flask.Response(current_dependencies().log_signing.signer.vkey + "\n", content_type=TEXT)


@blp.get("/campaigns/<uuid:campaign_id>/checkpoint")
@blp.response(200, description="A C2SP signed note holding a tlog-checkpoint", content_type=TEXT)
@blp.problem(404, "No such campaign")
def get_checkpoint(campaign_id: uuid.UUID) -> flask.Response:
    """The latest signed checkpoint. The ledger's worker signs one shortly after each append
    (batched under load), so for a moment it may lack the newest entries."""
    with current_dependencies().uow_factory() as uow:
        return _note(queries.latest_checkpoint(uow, campaign_id))


@blp.get("/campaigns/<uuid:campaign_id>/checkpoints/<int:tree_size>")
@blp.response(200, description="A C2SP signed note holding a tlog-checkpoint", content_type=TEXT)
@blp.problem(404, "No checkpoint of that size was published")
def get_published_checkpoint(campaign_id: uuid.UUID, tree_size: int) -> flask.Response:
    """A checkpoint published earlier, by its tree size."""
    with current_dependencies().uow_factory() as uow:
        return _note(queries.published_checkpoint(uow, campaign_id, tree_size))


@blp.get("/campaigns/<uuid:campaign_id>/proof/inclusion")
@blp.arguments(InclusionQuery, location="query")
@blp.response(200, InclusionSchema)
@blp.problem(404, "No such campaign")
@blp.problem(422, "seq or tree_size outside the log")
def get_inclusion_proof(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """RFC 6962 §2.1.1 audit path of entry `seq` in the tree of `tree_size` entries (default:
    the latest checkpoint's)."""
    with current_dependencies().uow_factory() as uow:
        tree_size = query["tree_size"]
        if tree_size is None:
            tree_size = queries.latest_checkpoint(uow, campaign_id).tree_size
        _within(tree_size, queries.journal_size(uow, campaign_id), "tree_size")
        if query["seq"] >= tree_size:
            raise _invalid("seq", f"must be less than the tree size {tree_size}")
        nodes = uow.journals.node_store(campaign_id)
        hashes = merkle.inclusion_proof(nodes, query["seq"], tree_size)
    return {"leaf_index": query["seq"], "tree_size": tree_size, "hashes": _b64(hashes)}


@blp.get("/campaigns/<uuid:campaign_id>/proof/consistency")
@blp.arguments(ConsistencyQuery, location="query")
@blp.response(200, ConsistencySchema)
@blp.problem(404, "No such campaign")
@blp.problem(422, "from > to, or to outside the log")
def get_consistency_proof(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """RFC 6962 §2.1.2 proof that the tree of `from` entries is a prefix of that of `to`."""
    old, new = query["from_"], query["to"]
    with current_dependencies().uow_factory() as uow:
        _within(new, queries.journal_size(uow, campaign_id), "to")
        if old > new:
            raise _invalid("from", f"must not exceed to ({new})")
        hashes = merkle.consistency_proof(uow.journals.node_store(campaign_id), old, new)
    return {"from_": old, "to": new, "hashes": _b64(hashes)}


@blp.get("/campaigns/<uuid:campaign_id>/export.jsonl")
@blp.arguments(ExportQuery, location="query")
@blp.response(
    200, description="One leaf per line (RFC 8785 JSON)", content_type="application/jsonl"
)
@blp.problem(404, "No such campaign, or no checkpoint of that size")
def export_jsonl(query: dict[str, Any], campaign_id: uuid.UUID) -> flask.Response:
    """The leaves of the latest checkpoint (or of a published one): verifiable offline."""
    dependencies = current_dependencies()
    with dependencies.uow_factory() as uow:
        if query["tree_size"] is None:
            checkpoint = queries.latest_checkpoint(uow, campaign_id)
        else:
            checkpoint = queries.published_checkpoint(uow, campaign_id, query["tree_size"])
    size = checkpoint.tree_size
    engine = dependencies.engine

    def lines() -> Iterator[bytes]:
        for leaf in stream_leaves(engine, campaign_id, size):
            yield leaf + b"\n"

    response = flask.Response(lines(), content_type="application/jsonl; charset=utf-8")
    response.headers[TREE_SIZE_HEADER] = str(size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="campaign-{campaign_id}-{size}.jsonl"'
    )
    return response


def _within(tree_size: int, size: int, field: str) -> None:
    if tree_size > size:
        raise _invalid(field, f"must not exceed the log's size ({size})")


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, f"{field}: {message}", errors={field: [message]})


def _note(checkpoint: PublishedCheckpoint) -> flask.Response:
    response = flask.Response(checkpoint.note, content_type=TEXT)
    response.headers[TREE_SIZE_HEADER] = str(checkpoint.tree_size)
    return response


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(value).decode() for value in hashes]
