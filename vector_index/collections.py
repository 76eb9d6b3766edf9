"""Collections behind an alias: the index the API serves is whatever the alias names.

A new model (or a rebuild) is rolled out by building a NEW collection next to the live one and then
switching the alias in one atomic step; the API notices the switch and moves to NEW without a restart
(``api.serving``, ``vector_index.indexer``). The alias records what a reader needs to use the collection:
the model its vectors come from (queries must be embedded with the same one), their dimension, and the
enriched topic's offsets it was built up to (the API's indexer resumes from there, so nothing published
during the build or the switch is lost).

- In-process (qdrant-edge): one directory per collection under ``data_dir/index/`` and the alias as
  ``data_dir/index/<alias>.alias.json``, replaced atomically (tmp file + ``os.replace``). A collection
  directory is locked by the process that opens it: the API holds the live one, a rebuild writes
  another, closes it, then switches the alias.
- Qdrant server: a real alias, moved with delete + create in ONE ``update_collection_aliases`` call
  (atomic on the server); the model, dimension and offsets live in the collection's metadata (Qdrant
  ≥ 1.16), so every API replica reads the same record. Each point also keeps ``embedding_model``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from core.settings import CommonSettings
from vector_index.base import BrowsableIndex

DEFAULT_ALIAS = "offers"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class AliasRecord(BaseModel):
    """What the alias points at, and what a reader needs to use it."""

    collection: str
    model: str = Field(description="Model id of every vector in the collection (queries use the same).")
    dim: int = Field(gt=0)
    built_to: dict[int, int] = Field(default_factory=dict,
                                     description="Enriched topic partition -> next offset the build had not read.")
    switched_at: datetime | None = None


def check_name(name: str) -> str:
    """A collection name that is also a safe directory name."""
    if not _NAME.fullmatch(name) or name.endswith(".alias.json"):
        raise ValueError(f"invalid collection name {name!r}: letters, digits, '.', '_' and '-' only")
    return name


def collection_name(alias: str, model_id: str) -> str:
    """The first collection's name for ``model_id`` (``offers-use-multilingual-v3-title_skills_desc300``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-.")
    return check_name(f"{alias}-{slug}"[:128])


def indexer_group(base: str, collection: str) -> str:
    """One consumer group per collection: its committed offsets always say what THIS collection holds, so
    an API restarted after a switch it did not see resumes the new collection from its own build point."""
    return f"{base}.{collection}"


class Collections(Protocol):
    alias: str

    def current(self) -> AliasRecord | None:
        """The alias's record, or None before the first collection exists."""
        ...

    def token(self) -> object:
        """Cheap: changes whenever the alias may have moved (compare with the previous answer)."""
        ...

    def exists(self, collection: str) -> bool: ...

    def open(self, collection: str, dim: int, model: str) -> BrowsableIndex:
        """The collection (created, recording ``model``, when missing)."""
        ...

    def switch(self, record: AliasRecord) -> None:
        """Point the alias at ``record.collection`` atomically."""
        ...

    def close(self) -> None: ...


# -- in-process: directories and an alias file --------------------------------------------------------------


def read_alias(path: Path) -> AliasRecord | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return AliasRecord.model_validate_json(text)


def write_alias(path: Path, record: AliasRecord) -> None:
    """Atomic: a reader sees the old file or the new one, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(record.model_dump_json(indent=2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EdgeCollections:
    def __init__(self, root: Path, alias: str = DEFAULT_ALIAS) -> None:
        self.root = root
        self.alias = check_name(alias)
        self.alias_path = root / f"{alias}.alias.json"

    def current(self) -> AliasRecord | None:
        return read_alias(self.alias_path)

    def token(self) -> object:
        try:
            st = self.alias_path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)  # os.replace gives a new inode

    def exists(self, collection: str) -> bool:
        path = self.root / check_name(collection)
        return path.is_dir() and any(path.iterdir())

    def open(self, collection: str, dim: int, model: str) -> BrowsableIndex:
        from vector_index.edge import EdgeIndex

        return EdgeIndex(self.root / check_name(collection), dim)

    def switch(self, record: AliasRecord) -> None:
        check_name(record.collection)
        write_alias(self.alias_path, record.model_copy(update={"switched_at": record.switched_at or datetime.now(UTC)}))

    def close(self) -> None:
        """Nothing held."""


# -- Qdrant server: a real alias, the record in the collection's metadata -----------------------------------


class ServerCollections:
    def __init__(self, url: str, alias: str = DEFAULT_ALIAS, api_key: str | None = None,
                 client: Any | None = None) -> None:
        from qdrant_client import QdrantClient

        self.url, self.api_key = url, api_key
        self.alias = check_name(alias)
        self._shared = client  # tests: one in-memory client for the alias and every collection
        self._client: QdrantClient = client or QdrantClient(url=url, api_key=api_key, timeout=10)

    def _target(self) -> str | None:
        for a in self._client.get_aliases().aliases:
            if a.alias_name == self.alias:
                return str(a.collection_name)
        return None

    def current(self) -> AliasRecord | None:
        target = self._target()
        if target is None:
            return None
        info = self._client.get_collection(target)
        meta: dict[str, Any] = dict(info.config.metadata or {})
        model = meta.get("model")
        if not model:  # a collection from before metadata: its points say which model made them
            points, _ = self._client.scroll(target, limit=1, with_payload=["embedding_model"])
            model = points[0].payload.get("embedding_model") if points and points[0].payload else None
        vectors = info.config.params.vectors
        dim = meta.get("dim") or getattr(vectors, "size", None)
        if not model or not dim:
            raise RuntimeError(f"collection {target!r} (alias {self.alias!r}) does not say its model and dimension")
        return AliasRecord(collection=target, model=str(model), dim=int(dim),
                           built_to={int(k): int(v) for k, v in (meta.get("built_to") or {}).items()},
                           switched_at=meta.get("switched_at"))

    def token(self) -> object:
        return self._target()

    def exists(self, collection: str) -> bool:
        return bool(self._client.collection_exists(check_name(collection)))

    def open(self, collection: str, dim: int, model: str) -> BrowsableIndex:
        from vector_index.qdrant_server import QdrantServerIndex

        return QdrantServerIndex(self.url, check_name(collection), dim, self.api_key, client=self._shared,
                                 metadata={"model": model, "dim": dim})

    def switch(self, record: AliasRecord) -> None:
        from qdrant_client import models

        when = record.switched_at or datetime.now(UTC)
        # The record first (nobody reads it before the alias points here), then the alias in one call.
        self._client.update_collection(record.collection, metadata={
            "model": record.model, "dim": record.dim, "built_to": {str(k): v for k, v in record.built_to.items()},
            "switched_at": when.isoformat()})
        ops: list[models.CreateAliasOperation | models.DeleteAliasOperation] = []
        if self._target() is not None:
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(
            collection_name=record.collection, alias_name=self.alias)))
        self._client.update_collection_aliases(change_aliases_operations=ops)

    def close(self) -> None:
        if self._shared is None:
            self._client.close()


def open_collections(settings: CommonSettings, alias: str = DEFAULT_ALIAS) -> Collections:
    """The Qdrant server's collections when ``QDRANT_URL`` is set, else the in-process ones."""
    if settings.qdrant_url:
        return ServerCollections(settings.qdrant_url, alias, settings.qdrant_api_key)
    return EdgeCollections(settings.data_dir / "index", alias)


def describe(record: AliasRecord) -> dict[str, Any]:
    return json.loads(record.model_dump_json())
