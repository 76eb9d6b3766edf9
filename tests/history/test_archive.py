from __future__ import annotations

from pathlib import Path

from history.archive import Archive, Record, renumber


def _rec(offset: int, value: bytes | None = b"v", partition: int = 0) -> Record:
    return Record("t", partition, offset, 1_700_000_000_000 + offset, f"k{offset}".encode(), value,
                  [("version", str(offset).encode()), ("empty", None)])


def test_append_is_idempotent_and_round_trips(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "h.db")
    assert archive.append([_rec(0), _rec(1, None)]) == 2
    assert archive.append([_rec(1, None), _rec(2)]) == 1  # an archiver restart re-reads a batch: stored once
    assert list(archive.records("t", 0)) == [_rec(0), _rec(1, None), _rec(2)]
    archive.close()
    reopened = Archive(tmp_path / "h.db")
    assert reopened.count() == 3 and reopened.partitions() == [("t", 0)]


def test_topics_known_by_metadata_or_by_their_records(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "h.db")
    archive.save_topic("a", 4, {"cleanup.policy": "compact"})
    archive.append([Record("b", 2, 0, 0, None, b"x", [])])
    assert archive.topics() == {"a": (4, {"cleanup.policy": "compact"}), "b": (3, {})}


def test_group_offsets_keep_the_latest_copy(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "h.db")
    archive.save_group_offsets("g", {("t", 0): 3, ("t", 1): -1001})  # -1001: nothing committed yet
    archive.save_group_offsets("g", {("t", 0): 5})
    assert archive.group_offsets() == {"g": {("t", 0): 5}}


def test_renumber_maps_committed_offsets_onto_rewritten_partitions() -> None:
    assert renumber([0, 1, 2, 3], 2) == 2  # no holes: unchanged
    assert renumber([0, 1, 2, 3], 4) == 4  # everything read
    assert renumber([0, 5, 6, 9], 6) == 2  # holes: next to read is the 3rd record, written at offset 2
    assert renumber([0, 5, 6, 9], 7) == 3
    assert renumber([], 7) == 0


def test_compact_offsets_renumbers_in_order(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "h.db")
    archive.append([_rec(0), _rec(5), _rec(9)])
    archive.compact_offsets("t", 0)
    assert archive.offsets("t", 0) == [0, 1, 2]
    assert [r.key for r in archive.records("t", 0)] == [b"k0", b"k5", b"k9"]
