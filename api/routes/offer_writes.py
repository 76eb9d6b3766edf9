"""Offer writes: POST / PUT / PATCH / DELETE on ``/api/offres`` (recruiters and admins; owner or admin).

A write is an event, not a row: it is published on the raw topic as ``RawOfferEnvelope(source=api)`` (a
delete as an ``OfferRemoval``) and flows through the same pipeline as every source, so the index, the
warehouse and other consumers see it. The relational store keeps who owns which offer and the draft
they sent; the pending-writes overlay lets everyone read the write back at once (``api.pending``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.models import OfferView
from api.offer_drafts import OfferDraft, OfferPatch, canonical_id, envelope_for, local_offer
from api.offer_ids import OfferIdPath, parse_offer_id
from api.offer_writer import DeliveryError, OfferWriter
from api.pending import PendingWrites
from api.security import StoreDep, require_role
from api.store import repository
from api.store.models import OfferOwnership, User
from schemas.events import Offer, OfferRemoval, RawOfferEnvelope, Source, utcnow
from stream_processors.enrichment.errors import EnrichmentError
from vector_index.base import VectorIndex

router = APIRouter(prefix="/api/offres", tags=["offers"])

E = TypeVar("E", RawOfferEnvelope, OfferRemoval)

Author = Annotated[User, Depends(require_role("recruiter", "admin"))]

_WRITE_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a recruiter, not the owner, or an offer of another source (read-only)"},
    404: {"description": "No such offer written through the API"},
    422: {"description": "Invalid offer or id"},
    503: {"description": "The event could not be published; nothing changed"},
}


# OpenAPI links from a written offer to what its author does next (read it, change it, withdraw it).
_OFFER_ID = {"path.offer_id": "$response.body#/offer/id"}
_OFFER_LINKS = {name: {"operationId": op, "parameters": _OFFER_ID} for name, op in (
    ("GetOffer", "get_offer_api_offres__offer_id__get"), ("ReplaceOffer", "replace_offer_api_offres__offer_id__put"),
    ("PatchOffer", "patch_offer_api_offres__offer_id__patch"),
    ("DeleteOffer", "delete_offer_api_offres__offer_id__delete"))}


def _writer(request: Request) -> OfferWriter:
    writer: OfferWriter | None = getattr(request.app.state, "offer_writer", None)
    if writer is None:
        raise HTTPException(503, "offer writes are not available yet; retry in a few seconds")
    return writer


def _pending(request: Request) -> PendingWrites:
    pending: PendingWrites = request.app.state.pending_writes
    return pending


def _index(request: Request) -> VectorIndex | None:
    return getattr(request.app.state, "index", None)


def _fallback_url(request: Request, source_id: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/api/offres/{Source.API.value}:{source_id}"


def _build(request: Request, draft: OfferDraft, source_id: str, created_at: datetime,
           now: datetime) -> tuple[RawOfferEnvelope, Offer]:
    envelope = envelope_for(draft, source_id, created_at=created_at, fetched_at=now,
                            fallback_url=_fallback_url(request, source_id))
    try:
        return envelope, local_offer(envelope)
    except EnrichmentError as exc:  # what the worker would dead-letter: refuse it here instead
        raise HTTPException(422, f"this offer cannot be processed: {exc}") from exc


def _publish(action: str, fn: Callable[[E], None], event: E) -> None:
    try:
        fn(event)
    except (DeliveryError, BufferError) as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the offer could not be {action} (event log unavailable); nothing changed, retry later",
                            headers={"Retry-After": "5"}) from exc


def _read_only(source: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, f"offers from {source} are read-only: they change at their source")


def _owned_row(session: Session, offer_id: str, user: User, index: VectorIndex | None) -> tuple[OfferOwnership, str]:
    """The ownership row behind ``offer_id`` (api ref, API canonical id, or the indexed cluster id) and the
    cluster id it was found under (or ""). 404 when unknown or deleted, 403 when not the user's."""
    parsed = parse_offer_id(offer_id)
    cluster = ""
    row: OfferOwnership | None = None
    if parsed.is_ref:
        if parsed.source is not Source.API:
            raise _read_only(parsed.value.partition(":")[0])
        row = repository.offer_by_source_id(session, parsed.value.partition(":")[2])
    else:
        row = repository.offer_by_canonical_id(session, parsed.value)
        if row is None and index is not None:
            indexed = index.get(parsed.value)
            if indexed is not None:
                prefix = f"{Source.API.value}:"
                sids = [r.removeprefix(prefix) for r in indexed.source_refs if r.startswith(prefix)]
                if not sids:
                    raise _read_only(indexed.source.value)
                rows = [r for r in repository.offers_by_source_ids(session, sids) if r.deleted_at is None]
                row = next((r for r in rows if r.owner_id == user.id), rows[0] if rows else None)
                cluster = parsed.value
    if row is None or row.deleted_at is not None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no offer '{offer_id}' written through the API")
    if row.owner_id != user.id and user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the offer's author or an admin may change it")
    return row, cluster


def _aliases(row: OfferOwnership, cluster: str, index: VectorIndex | None) -> set[str]:
    names = {row.canonical_id}
    if cluster:
        names.add(cluster)
    elif index is not None:  # the id search results show, once indexed
        indexed = index.get_by_ref(f"{Source.API.value}:{row.source_id}")
        if indexed is not None:
            names.add(indexed.id)
    return names


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OfferView,
             responses={201: {"links": _OFFER_LINKS}, **_WRITE_ERRORS})
def create_offer(draft: OfferDraft, user: Author, store: StoreDep, request: Request, response: Response) -> OfferView:
    """Publish a new offer (recruiters and admins). Readable at once at the ``Location`` returned, and
    searchable as soon as the pipeline has indexed it (about a second)."""
    source_id = uuid.uuid4().hex
    now = utcnow()
    envelope, offer = _build(request, draft, source_id, now, now)
    with store.session() as session:
        repository.record_offer(session, source_id=source_id, canonical_id=canonical_id(source_id),
                                owner_id=user.id, draft=draft.model_dump(mode="json"), at=now)
        _publish("published", _writer(request).publish, envelope)  # a failure rolls the row back
    _pending(request).record(source_id, offer, offer.version, {offer.id})
    response.headers["Location"] = f"/api/offres/{offer.id}"
    return OfferView.of(offer)


def _replace(request: Request, store: StoreDep, user: User, offer_id: str,
             change: OfferDraft | OfferPatch) -> OfferView:
    index = _index(request)
    now = utcnow()
    with store.session() as session:
        row, cluster = _owned_row(session, offer_id, user, index)
        if isinstance(change, OfferPatch):
            try:
                draft = change.apply_to(row.draft)
            except ValidationError as exc:
                raise HTTPException(422,
                                    [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                                     for e in exc.errors()]) from exc
        else:
            draft = change
        envelope, offer = _build(request, draft, row.source_id, repository.aware(row.created_at) or now, now)
        repository.update_offer(session, row, draft.model_dump(mode="json"), now)
        _publish("updated", _writer(request).publish, envelope)
        source_id, aliases = row.source_id, _aliases(row, cluster, index)
    _pending(request).record(source_id, offer, offer.version, aliases)
    return OfferView.of(offer)


@router.put("/{offer_id}", response_model=OfferView, responses={200: {"links": _OFFER_LINKS}, **_WRITE_ERRORS})
def replace_offer(offer_id: OfferIdPath, draft: OfferDraft, user: Author, store: StoreDep,
                  request: Request) -> OfferView:
    """Replace an offer you wrote (or any API offer, as an admin). ``offer_id``: the id POST returned,
    ``api:{source_id}``, or the id search results show."""
    return _replace(request, store, user, offer_id, draft)


@router.patch("/{offer_id}", response_model=OfferView, responses={200: {"links": _OFFER_LINKS}, **_WRITE_ERRORS})
def patch_offer(offer_id: OfferIdPath, patch: OfferPatch, user: Author, store: StoreDep,
                request: Request) -> OfferView:
    """Change some fields of an offer you wrote; the others keep their value."""
    return _replace(request, store, user, offer_id, patch)


@router.delete("/{offer_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE_ERRORS)
def delete_offer(offer_id: OfferIdPath, user: Author, store: StoreDep, request: Request) -> Response:
    """Withdraw an offer you wrote: it disappears at once here, and from the index and the warehouse
    through the pipeline."""
    index = _index(request)
    now = utcnow()
    with store.session() as session:
        row, cluster = _owned_row(session, offer_id, user, index)
        reason = "withdrawn by its author" if row.owner_id == user.id else "removed by an administrator"
        repository.mark_offer_deleted(session, row, now)
        _publish("deleted", _writer(request).remove,
                 OfferRemoval(source=Source.API, source_id=row.source_id, removed_at=now, reason=reason))
        source_id, aliases = row.source_id, _aliases(row, cluster, index)
    _pending(request).record(source_id, None, 0, aliases)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
