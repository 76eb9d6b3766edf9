"""The worker's two stages as pure batch functions: records and table reads in, outputs and table writes out.

No faust, no Kafka: ``app.py`` feeds each batch in, sends the outputs, waits for the broker to
acknowledge them and only then applies the table writes. Every write names the record (by index in
the batch) whose partition it belongs to. A record that cannot be processed, whatever the reason,
becomes a dead letter; it never costs the rest of its batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import structlog

from schemas.events import DeadLetter, DedupCommand, Offer, OfferRemoval
from schemas.topics import REMOVALS
from stream_processors import dedup
from stream_processors.pipeline import RawRecord, dead_letter, enrich_record, parse_command, parse_removal

log = structlog.get_logger(__name__)

ClusterLookup = Callable[[str], dedup.State | None]
MemberLookup = Callable[[str], dedup.Member | None]
Encode = Callable[[list[str]], npt.NDArray[np.float32]]


def offset_spans(records: Sequence[RawRecord]) -> dict[str, str]:
    """Which offsets a batch holds, per partition ("topic/partition": "first-last" and any holes), for
    the batch log lines: a record that never reached its output can then be traced to a batch or to none."""
    by_tp: dict[str, list[int]] = {}
    for r in records:
        if r.offset is not None:
            by_tp.setdefault(f"{r.topic}/{r.partition}", []).append(r.offset)
    out = {}
    for tp, offsets in by_tp.items():
        offsets.sort()
        runs: list[list[int]] = []
        for o in offsets:
            if runs and o <= runs[-1][1] + 1:  # sorted: o extends the last run (or repeats its end)
                runs[-1][1] = o
            else:
                runs.append([o, o])
        out[tp] = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    return out


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


# -- stage 1: route ------------------------------------------------------------------------------------


@dataclass
class Routed:
    dead: list[DeadLetter] = field(default_factory=list)
    commands: list[DedupCommand] = field(default_factory=list)
    # ref -> (index of the record whose partition the write goes to, fingerprint; None: delete the ref)
    writes: dict[str, tuple[int, str | None]] = field(default_factory=dict)


def route_batch(records: Sequence[RawRecord], fingerprint_of: Callable[[str], str | None]) -> Routed:
    """Validate and enrich each record and turn it into dedup commands keyed by fingerprint.

    ``fingerprint_of`` reads the ref table (the fingerprint a ref was last routed to); a removal only
    names a ref, and an offer whose fingerprint changed must leave its old group.
    """
    out = Routed()
    known: dict[str, str | None] = {}  # this batch's routing, ahead of the table
    for i, record in enumerate(records):
        try:
            parsed: Offer | OfferRemoval | DeadLetter = (
                parse_removal(record) if record.topic == REMOVALS.name else enrich_record(record))
            if isinstance(parsed, DeadLetter):
                out.dead.append(parsed)
                continue
            ref = parsed.source_refs[0] if isinstance(parsed, Offer) else parsed.key
            previous = known[ref] if ref in known else fingerprint_of(ref)
            if isinstance(parsed, OfferRemoval):
                if previous is None:
                    log.info("removal of an offer never seen", ref=ref)
                    continue
                out.commands.append(DedupCommand(op="remove", ref=ref, fingerprint=previous,
                                                 event_time=parsed.removed_at))
                known[ref], out.writes[ref] = None, (i, None)
                continue
            fp = dedup.fingerprint(parsed)
            moved = previous is not None and previous != fp  # title/company/city edited: change groups
            commands = [DedupCommand(op="upsert", ref=ref, fingerprint=fp, offer=parsed, moved=moved)]
            if previous is not None and moved:
                # Both commands say ``moved``: the ref keeps its canonical id, which only the new group
                # publishes (the two groups may sit on different partitions, processed in either order).
                commands.insert(0, DedupCommand(op="remove", ref=ref, fingerprint=previous,
                                                event_time=parsed.fetched_at, moved=True))
            out.commands.extend(commands)
            known[ref], out.writes[ref] = fp, (i, fp)
        except Exception as exc:
            log.exception("could not route a record", key=record.key, offset=record.offset)
            out.dead.append(dead_letter(record, "route", _reason(exc)))
    return out


# -- stage 2: merge ------------------------------------------------------------------------------------


@dataclass
class Commands:
    """A merge batch parsed: its valid commands (with their record's index) and its dead letters."""

    dead: list[DeadLetter]
    commands: list[tuple[int, DedupCommand]]
    # (fingerprint, ref, offer) of stored members that another model embedded, in the groups this batch
    # upserts into (``find_stale``): embedded with the batch so that they compare with its offers.
    stale: list[tuple[str, str, Offer]] = field(default_factory=list)

    @property
    def upserts(self) -> int:
        return sum(c.offer is not None and c.op == "upsert" for _, c in self.commands)

    def texts(self, passage: Callable[[Offer], str] = Offer.search_text) -> list[str]:
        """What the embedder reads (``passage`` of each offer: the served text template): one per upsert, in
        command order, then one per stale member."""
        return ([passage(c.offer) for _, c in self.commands if c.offer is not None and c.op == "upsert"]
                + [passage(o) for _, _, o in self.stale])


def parse_commands(records: Sequence[RawRecord]) -> Commands:
    out = Commands(dead=[], commands=[])
    for i, record in enumerate(records):
        try:
            parsed = parse_command(record)
        except Exception as exc:
            parsed = dead_letter(record, "dedup", _reason(exc))
        if isinstance(parsed, DeadLetter):
            out.dead.append(parsed)
        else:
            out.commands.append((i, parsed))
    return out


def find_stale(parsed: Commands, clusters: ClusterLookup, members: MemberLookup, model: str) -> None:
    """Fill ``parsed.stale``: members of another model under the fingerprints this batch upserts into
    (after a model change, each is re-embedded once, the first time its group is touched, and stored anew)."""
    upserted = {(c.fingerprint, c.ref) for _, c in parsed.commands if c.op == "upsert" and c.offer is not None}
    for fp in dict.fromkeys(fp for fp, _ in upserted):
        try:
            found = dedup.stale_members(fp, clusters(fp), members, model)
        except Exception:  # a corrupt state: the group's own processing dead-letters what it must
            log.exception("could not look for stale members", fingerprint=fp)
            continue
        # a ref upserted in this batch gets its new vector anyway
        parsed.stale.extend((fp, ref, o) for ref, o in found if (fp, ref) not in upserted)


def embed_each(encode: Encode, texts: list[str]) -> list[npt.NDArray[np.float32] | Exception]:
    """One model call for the batch; if it fails, one per text, so only the texts that fail are lost."""
    if not texts:
        return []
    try:
        vectors = encode(texts)
        if len(vectors) == len(texts):
            return list(vectors)
        raise ValueError(f"the model returned {len(vectors)} vectors for {len(texts)} texts")
    except Exception as exc:
        if len(texts) == 1:
            return [exc]
        log.exception("batch embedding failed; retrying text by text", texts=len(texts))
    out: list[npt.NDArray[np.float32] | Exception] = []
    for text in texts:
        try:
            out.append(encode([text])[0])
        except Exception as exc:
            out.append(exc)
    return out


@dataclass(frozen=True)
class Publish:
    """One record for the enriched topic, keyed by canonical id (``offer`` None: a tombstone)."""

    key: str
    offer: Offer | None
    version: int


@dataclass
class Merged:
    dead: list[DeadLetter] = field(default_factory=list)
    published: list[Publish] = field(default_factory=list)
    # table key -> (index of the record whose partition the write goes to, value; None: delete the key)
    cluster_writes: dict[str, tuple[int, dedup.State | None]] = field(default_factory=dict)
    member_writes: dict[str, tuple[int, dedup.Member | None]] = field(default_factory=dict)
    embedded: int = 0


def fold(records: Sequence[RawRecord], parsed: Commands, vectors: Sequence[npt.NDArray[np.float32] | Exception],
         clusters: ClusterLookup, members: MemberLookup, model: str, threshold: float) -> Merged:
    """Fold the batch's commands, in order, into their fingerprints' clusters.

    ``vectors`` are ``embed_each``'s answer for ``parsed.texts()``; ``clusters`` and ``members`` read the
    two tables. Each changed cluster is published once, with its last state and a version past the
    previous one (and not below the event time of the batch's changes to it).
    """
    out = Merged(dead=list(parsed.dead), embedded=len(vectors))
    groups: dict[str, tuple[dedup.Group, int]] = {}  # fingerprint -> group, index of its last record
    upserts = iter(vectors[: parsed.upserts])
    refresh: dict[str, dict[str, npt.NDArray[np.float32]]] = {}  # fingerprint -> ref -> vector
    for (fp, ref, _), v in zip(parsed.stale, vectors[parsed.upserts:], strict=False):
        if not isinstance(v, Exception):  # a member the model failed on stays out of comparisons, as before
            refresh.setdefault(fp, {})[ref] = v
    for i, cmd in parsed.commands:
        vector = (next(upserts, ValueError("no vector")) if cmd.op == "upsert" and cmd.offer is not None
                  else None)  # aligned with .texts()
        try:
            if isinstance(vector, Exception):
                out.dead.append(dead_letter(records[i], "embed", _reason(vector)))
                continue
            if cmd.op == "upsert" and (cmd.offer is None or cmd.offer.source_refs[:1] != [cmd.ref]):
                raise ValueError("an upsert must carry the offer of its ref")
            group = groups[cmd.fingerprint][0] if cmd.fingerprint in groups else dedup.Group(
                cmd.fingerprint, clusters(cmd.fingerprint), members, model, threshold, refresh.get(cmd.fingerprint))
            if cmd.offer is not None and vector is not None:
                group.upsert(cmd.offer, vector, dedup.micros(cmd.offer.fetched_at), i, moved=cmd.moved)
            else:
                group.remove(cmd.ref, dedup.micros(cmd.event_time), i, moved=cmd.moved)
            groups[cmd.fingerprint] = (group, i)
        except Exception as exc:
            log.exception("could not fold a dedup command", ref=cmd.ref, fingerprint=cmd.fingerprint)
            out.dead.append(dead_letter(records[i], "dedup", _reason(exc)))
    for fp, (group, last) in groups.items():
        if not group.changed:
            continue
        changes, state, member_writes = group.finish()
        for change in changes:
            if isinstance(change, dedup.Failed):
                out.dead.append(dead_letter(records[change.origin], "merge", change.error))
            else:
                out.published.append(Publish(change.cluster_id, change.offer, change.version))
        out.cluster_writes[fp] = (last, state)
        out.member_writes.update((key, (last, value)) for key, value in member_writes.items())
    return out


def merge_batch(records: Sequence[RawRecord], clusters: ClusterLookup, members: MemberLookup, encode: Encode,
                model: str, threshold: float, passage: Callable[[Offer], str] = Offer.search_text) -> Merged:
    """The whole merge stage in one call (``app.py`` runs the model call in its own thread instead)."""
    parsed = parse_commands(records)
    find_stale(parsed, clusters, members, model)
    return fold(records, parsed, embed_each(encode, parsed.texts(passage)), clusters, members, model, threshold)
