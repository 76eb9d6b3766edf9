"""The API's in-memory read model of the live offers: one column per filterable field, for search and facets.

Facets must count the whole result set, and a search must stay in a few milliseconds with 50,000 offers:
fetching payloads from the index per request cannot do that. So the API keeps the fields it filters,
sorts and counts on as numpy columns (categorical fields as integer codes into a vocabulary, skills as
(slot, skill) pairs), plus the offers' vectors for exact dense similarity and a BM25 index for words.

It is filled from the index at startup (``load``) and kept in step by the indexer's hook (``apply``),
under one lock: writers (the indexer thread) and readers (request threads) take turns; a read holds
it only for the few milliseconds of array work.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ml.lexical import analyze
from schemas.events import Offer
from stream_processors.enrichment.text import fold

# Single-valued categorical columns; each has a vocabulary (code -> value) and a folded lookup.
CATEGORICAL = ("contract_type", "seniority", "domain", "rome_code", "city", "departement_code", "company",
               "remote", "source")

NAN = float("nan")


class LexicalIndex(Protocol):
    """What the catalog needs of ``ml.lexical.Bm25Index``."""

    def upsert(self, doc_id: str, text: str) -> None: ...

    def remove(self, doc_id: str) -> None: ...

    def search(self, query: str, limit: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]: ...

    def matched_terms(self, query: str, doc_id: str) -> list[str]: ...

    def __len__(self) -> int: ...


def lexical_text(offer: Offer) -> str:
    """The words BM25 sees: title and occupation twice as much as the body (they say what the job is)."""
    head = " ".join(p for p in (offer.title, offer.rome_label or "", " ".join(offer.skills)) if p)
    return f"{head}\n{head}\n{offer.description}"


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else NAN


class TermPostings:
    """Which slots hold each index term (``ml.lexical.analyze``, as BM25 sees it), as int arrays.

    The match set of a broad query ("python" in 10,000 offers) is then a few numpy operations per term;
    BM25 (``ml.lexical``) only has to rank the head. A posting carries its slot's generation: an entry left
    by an offer that was since updated or deleted no longer matches, and compaction drops such entries.
    """

    def __init__(self) -> None:
        self._slots: dict[str, array[int]] = {}
        self._gens: dict[str, array[int]] = {}
        self._live_of: dict[int, int] = {}  # slot -> number of its live entries
        self.entries = 0
        self.live_entries = 0

    def add(self, slot: int, gen: int, terms: set[str]) -> None:
        for term in terms:
            if term not in self._slots:
                self._slots[term], self._gens[term] = array("i"), array("i")
            self._slots[term].append(slot)
            self._gens[term].append(gen)
        self.entries += len(terms)
        self.live_entries += len(terms) - self._live_of.pop(slot, 0)
        self._live_of[slot] = len(terms)

    def drop(self, slot: int) -> None:
        self.live_entries -= self._live_of.pop(slot, 0)

    def match(self, query: str, generation: npt.NDArray[np.int32], n: int) -> npt.NDArray[np.bool_]:
        """Slots (of the first ``n``) holding at least one term of ``query``."""
        found = np.zeros(n, dtype=bool)
        for term in set(analyze(query)):
            if term not in self._slots:
                continue
            slots = np.frombuffer(self._slots[term], dtype=np.int32)
            gens = np.frombuffer(self._gens[term], dtype=np.int32)
            found[slots[generation[slots] == gens]] = True
        return found

    def compact(self, generation: npt.NDArray[np.int32]) -> None:
        """Drop stale entries once they are most of the arrays (updates and deletes leave them behind)."""
        if self.entries <= 2 * self.live_entries + 10_000:
            return
        for term in list(self._slots):
            slots = np.frombuffer(self._slots[term], dtype=np.int32)
            gens = np.frombuffer(self._gens[term], dtype=np.int32)
            keep = generation[slots] == gens
            new_slots, new_gens = array("i", slots[keep].tobytes()), array("i", gens[keep].tobytes())
            del slots, gens  # release the buffers before replacing the arrays
            if len(new_slots):
                self._slots[term], self._gens[term] = new_slots, new_gens
            else:
                del self._slots[term], self._gens[term]
        self.entries = self.live_entries


@dataclass
class Vocabulary:
    """Values of one categorical field: code -> display value, and folded value -> codes."""

    values: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)

    def code(self, value: str | None) -> int:
        if value is None or value == "":
            return -1
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
            self.by_key.setdefault(fold(value), []).append(code)
        return code

    def lookup(self, value: str) -> list[int]:
        """Codes whose value equals ``value`` ignoring case and accents."""
        return self.by_key.get(fold(value), [])


class Catalog:
    """Columns of the live offers, indexed by slot; a deleted offer's slot is reused."""

    def __init__(self, dim: int, lexical: LexicalIndex | None = None, capacity: int = 1024) -> None:
        self.dim = dim
        self.lexical = lexical
        self.postings = TermPostings() if lexical is not None else None
        self._lock = threading.RLock()
        self.vocab: dict[str, Vocabulary] = {name: Vocabulary() for name in CATEGORICAL}
        self.skill_vocab = Vocabulary()
        self.ids: list[str | None] = []
        self.slot_of: dict[str, int] = {}
        self.refs: dict[str, str] = {}  # "{source}:{source_id}" -> offer id
        self.rome_labels: dict[str, str] = {}  # ROME code -> the label offers gave it (reference data)
        self._refs_of: dict[str, list[str]] = {}
        self._free: list[int] = []
        self.size = 0  # slots in use or freed (the arrays' meaningful prefix)
        self._alloc(capacity)
        # Skills as (slot, code) pairs: facets are one bincount over the pairs of matched slots.
        self.pair_slot = np.zeros(capacity * 4, dtype=np.int32)
        self.pair_code = np.zeros(capacity * 4, dtype=np.int32)
        self.pair_ok = np.zeros(capacity * 4, dtype=bool)
        self.n_pairs = 0
        self._slot_pairs: dict[int, list[int]] = {}
        self.version = 0  # bumped by every write (lets callers cache per state)

    # -- storage ------------------------------------------------------------------------------------
    def _alloc(self, capacity: int) -> None:
        self.capacity = capacity
        self.alive = np.zeros(capacity, dtype=bool)
        self.cat = {name: np.full(capacity, -1, dtype=np.int32) for name in CATEGORICAL}
        self.published = np.full(capacity, NAN)  # epoch seconds: published_at, else fetched_at
        self.salary_lo = np.full(capacity, NAN)
        self.salary_hi = np.full(capacity, NAN)
        self.lat = np.full(capacity, NAN)
        self.lon = np.full(capacity, NAN)
        self.vectors = np.zeros((capacity, self.dim), dtype=np.float32)
        self.has_vector = np.zeros(capacity, dtype=bool)
        self.generation = np.zeros(capacity, dtype=np.int32)  # bumped at each change of a slot's offer

    def _grow(self) -> None:
        old = (self.alive, self.cat, self.published, self.salary_lo, self.salary_hi, self.lat, self.lon,
               self.vectors, self.has_vector, self.generation)
        n = self.capacity
        self._alloc(n * 2)
        self.alive[:n] = old[0]
        for name in CATEGORICAL:
            self.cat[name][:n] = old[1][name]
        for new, prev in zip((self.published, self.salary_lo, self.salary_hi, self.lat, self.lon, self.vectors,
                              self.has_vector, self.generation), old[2:], strict=True):
            new[:n] = prev

    def _add_pairs(self, slot: int, codes: list[int]) -> None:
        need = self.n_pairs + len(codes)
        if need > len(self.pair_slot):
            new_len = max(need, len(self.pair_slot) * 2)
            self.pair_slot = np.resize(self.pair_slot, new_len)
            self.pair_code = np.resize(self.pair_code, new_len)
            ok = np.zeros(new_len, dtype=bool)
            ok[:self.n_pairs] = self.pair_ok[:self.n_pairs]
            self.pair_ok = ok
        positions = list(range(self.n_pairs, need))
        self.pair_slot[self.n_pairs:need] = slot
        self.pair_code[self.n_pairs:need] = codes
        self.pair_ok[self.n_pairs:need] = True
        self.n_pairs = need
        self._slot_pairs[slot] = positions

    def _drop_pairs(self, slot: int) -> None:
        positions = self._slot_pairs.pop(slot, None)
        if positions:
            self.pair_ok[positions] = False

    def _compact_pairs(self) -> None:
        """Forget dead pairs once they are most of the arrays (updates leave one dead pair per old skill)."""
        keep = np.flatnonzero(self.pair_ok[:self.n_pairs])
        if len(keep) * 2 >= self.n_pairs:
            return
        self.pair_slot[:len(keep)] = self.pair_slot[keep]
        self.pair_code[:len(keep)] = self.pair_code[keep]
        self.pair_ok[:len(keep)] = True
        self.pair_ok[len(keep):self.n_pairs] = False
        self.n_pairs = len(keep)
        self._slot_pairs = {}
        for pos, slot in enumerate(self.pair_slot[:self.n_pairs].tolist()):
            self._slot_pairs.setdefault(slot, []).append(pos)

    def _put(self, offer: Offer, terms: set[str] | None) -> None:
        slot = self.slot_of.get(offer.id)
        if slot is None:
            if self._free:
                slot = self._free.pop()
            else:
                if self.size == self.capacity:
                    self._grow()
                slot = self.size
                self.size += 1
                self.ids.append(None)
            self.ids[slot] = offer.id
            self.slot_of[offer.id] = slot
        else:
            self._drop_pairs(slot)
            self._forget_refs(offer.id)
        self.alive[slot] = True
        values = {
            "contract_type": offer.contract_type.value if offer.contract_type else None,
            "seniority": offer.seniority.value if offer.seniority else None,
            "domain": offer.domain, "rome_code": offer.rome_code, "city": offer.city,
            "departement_code": offer.departement_code,
            "company": offer.company.strip() if offer.company else None,
            "remote": offer.remote, "source": offer.source.value,
        }
        for name, value in values.items():
            self.cat[name][slot] = self.vocab[name].code(value)
        self.published[slot] = _ts(offer.published_at or offer.fetched_at)
        self.salary_lo[slot] = offer.salary_min if offer.salary_min is not None else NAN
        self.salary_hi[slot] = offer.salary_max if offer.salary_max is not None else NAN
        self.lat[slot] = offer.latitude if offer.latitude is not None else NAN
        self.lon[slot] = offer.longitude if offer.longitude is not None else NAN
        emb = offer.embedding
        if emb is not None and len(emb.values) == self.dim:
            self.vectors[slot] = np.asarray(emb.values, dtype=np.float32)
            self.has_vector[slot] = True
        elif emb is not None:  # another model's vector: keep the old one out of similarity
            self.has_vector[slot] = False
        skills = {self.skill_vocab.code(s) for s in offer.skills if s}
        self._add_pairs(slot, sorted(c for c in skills if c >= 0))
        if offer.rome_code and offer.rome_label:
            self.rome_labels[offer.rome_code] = offer.rome_label
        for ref in offer.source_refs:
            self.refs[ref] = offer.id
        self._refs_of[offer.id] = list(offer.source_refs)
        self.generation[slot] += 1
        if self.postings is not None and terms is not None:
            self.postings.add(slot, int(self.generation[slot]), terms)

    def _forget_refs(self, offer_id: str) -> None:
        for ref in self._refs_of.pop(offer_id, []):
            if self.refs.get(ref) == offer_id:  # a ref may have moved to another offer since
                del self.refs[ref]

    def _remove(self, offer_id: str) -> None:
        slot = self.slot_of.pop(offer_id, None)
        if slot is None:
            return
        self.alive[slot] = False
        self.has_vector[slot] = False
        self.ids[slot] = None
        self._drop_pairs(slot)
        self._forget_refs(offer_id)
        self._free.append(slot)
        self.generation[slot] += 1
        if self.postings is not None:
            self.postings.drop(slot)

    # -- writes -------------------------------------------------------------------------------------
    def apply(self, upserts: Iterable[Offer] = (), deletes: Iterable[str] = ()) -> None:
        """The indexer's hook: what the index just accepted.

        Text analysis and BM25 run outside the catalog's lock, so searches wait only for the array
        updates; meanwhile BM25 may briefly know an id the catalog does not (or the reverse), which a
        search skips.
        """
        offers, gone = list(upserts), list(deletes)
        texts = [lexical_text(o) for o in offers] if self.lexical is not None else []
        terms = [set(analyze(t)) for t in texts]
        with self._lock:
            for i, offer in enumerate(offers):
                self._put(offer, terms[i] if terms else None)
            for offer_id in gone:
                self._remove(offer_id)
            self._compact_pairs()
            if self.postings is not None:
                self.postings.compact(self.generation[:self.size])
            self.version += 1
        if self.lexical is not None:
            for offer, text in zip(offers, texts, strict=True):
                self.lexical.upsert(offer.id, text)
            for offer_id in gone:
                self.lexical.remove(offer_id)

    def upsert(self, offers: Iterable[Offer]) -> None:
        self.apply(upserts=offers)

    def delete(self, offer_ids: Iterable[str]) -> None:
        self.apply(deletes=offer_ids)

    def load(self, offers: Iterable[Offer], batch: int = 1000) -> int:
        """Fill from an iterator of offers (the index's ``iter_offers``), a batch per lock hold."""
        count = 0
        chunk: list[Offer] = []
        for offer in offers:
            chunk.append(offer)
            if len(chunk) >= batch:
                self.apply(upserts=chunk)
                count += len(chunk)
                chunk = []
        self.apply(upserts=chunk)
        return count + len(chunk)

    # -- reads --------------------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Catalog]:
        """Hold the catalog still while computing over its arrays."""
        with self._lock:
            yield self

    def __len__(self) -> int:
        return len(self.slot_of)

    def __contains__(self, offer_id: object) -> bool:
        return offer_id in self.slot_of

    def resolve(self, offer_id_or_ref: str) -> str | None:
        """The canonical id of a live offer, by id or by ``{source}:{source_id}``."""
        if offer_id_or_ref in self.slot_of:
            return offer_id_or_ref
        offer_id = self.refs.get(offer_id_or_ref)
        return offer_id if offer_id in self.slot_of else None

    def live(self) -> npt.NDArray[np.bool_]:
        return self.alive[:self.size]

    def column(self, name: str) -> npt.NDArray[np.int32]:
        return self.cat[name][:self.size]

    def ids_of(self, slots: Iterable[int]) -> list[str]:
        return [i for i in (self.ids[s] for s in slots) if i is not None]
