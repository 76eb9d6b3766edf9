"""The archive: every record of every topic, and every consumer group's committed offsets, in one SQLite file.

Append-only and idempotent: a record is identified by (topic, partition, offset), so archiving a record
twice (after an archiver restart) stores it once. SQLite in WAL mode: one writer (the archiver), and a
crash loses at most the batch being written, never the file.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, part INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL, key BLOB, value BLOB, headers TEXT NOT NULL,
    PRIMARY KEY (topic, part, "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topics (
    topic TEXT PRIMARY KEY, partitions INTEGER NOT NULL, config TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, part)
);
"""


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None  # None: a tombstone
    headers: list[tuple[str, bytes | None]]


def _encode_headers(headers: list[tuple[str, bytes | None]]) -> str:
    return json.dumps([[k, base64.b64encode(v).decode("ascii") if v is not None else None] for k, v in headers])


def _decode_headers(text: str) -> list[tuple[str, bytes | None]]:
    return [(k, base64.b64decode(v) if v is not None else None) for k, v in json.loads(text)]


def renumber(archived: list[int], offset: int) -> int:
    """Where a committed ``offset`` lands once the archived offsets (sorted) are written again from 0.

    A committed offset is "the next record to read": it becomes the number of archived records before
    it. On a topic without holes the offsets are unchanged; holes (compaction, transactions) shift them.
    """
    return bisect_left(archived, offset)


class Archive:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a process crash
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- writing (the archiver) ---------------------------------------------------------------------------
    def append(self, records: Iterable[Record]) -> int:
        rows = [(r.topic, r.partition, r.offset, r.timestamp_ms, r.key, r.value, _encode_headers(r.headers))
                for r in records]
        if not rows:
            return 0
        with self._tx():
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            return self._db.total_changes - before

    def compact_offsets(self, topic: str, partition: int) -> None:
        """Renumbers a partition's records 0, 1, 2... (as rehydration wrote them), so records archived
        afterwards, numbered by the broker from there on, never collide with older ones."""
        with self._tx():
            rows = self._db.execute(
                'SELECT ts_ms, key, value, headers FROM records WHERE topic = ? AND part = ? ORDER BY "offset"',
                (topic, partition)).fetchall()
            self._db.execute("DELETE FROM records WHERE topic = ? AND part = ?", (topic, partition))
            self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [(topic, partition, i, *row) for i, row in enumerate(rows)])

    def save_topic(self, topic: str, partitions: int, config: dict[str, str]) -> None:
        with self._tx():
            self._db.execute("INSERT OR REPLACE INTO topics VALUES (?, ?, ?)",
                             (topic, partitions, json.dumps(config, sort_keys=True)))

    def save_group_offsets(self, group_id: str, offsets: dict[tuple[str, int], int]) -> None:
        with self._tx():
            self._db.executemany("INSERT OR REPLACE INTO group_offsets VALUES (?, ?, ?, ?)",
                                 [(group_id, t, p, o) for (t, p), o in offsets.items() if o >= 0])

    # -- reading (rehydration) ------------------------------------------------------------------------------
    def topics(self) -> dict[str, tuple[int, dict[str, str]]]:
        rows = self._db.execute("SELECT topic, partitions, config FROM topics").fetchall()
        known = {t: (int(n), json.loads(c)) for t, n, c in rows}
        # A topic seen only through its records (no metadata saved): as many partitions as it used.
        for topic, max_part in self._db.execute("SELECT topic, max(part) FROM records GROUP BY topic"):
            if topic not in known:
                known[topic] = (int(max_part) + 1, {})
        return known

    def partitions(self) -> list[tuple[str, int]]:
        return [(t, int(p)) for t, p in self._db.execute("SELECT DISTINCT topic, part FROM records ORDER BY 1, 2")]

    def offsets(self, topic: str, partition: int) -> list[int]:
        return [int(o) for (o,) in self._db.execute(
            'SELECT "offset" FROM records WHERE topic = ? AND part = ? ORDER BY "offset"', (topic, partition))]

    def records(self, topic: str, partition: int) -> Iterator[Record]:
        cur = self._db.execute(
            'SELECT "offset", ts_ms, key, value, headers FROM records WHERE topic = ? AND part = ? ORDER BY "offset"',
            (topic, partition))
        for offset, ts, key, value, headers in cur:
            yield Record(topic, partition, int(offset), int(ts), key, value, _decode_headers(headers))

    def group_offsets(self) -> dict[str, dict[tuple[str, int], int]]:
        out: dict[str, dict[tuple[str, int], int]] = {}
        rows = self._db.execute('SELECT group_id, topic, part, "offset" FROM group_offsets')
        for group, topic, part, offset in rows:
            out.setdefault(group, {})[(topic, int(part))] = int(offset)
        return out

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def _tx(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
