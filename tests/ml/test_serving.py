"""Which configuration serves: the registry's champion, else the benchmark's winner; model ids round-trip."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest
import structlog

from ml.embedding import embed_offers
from ml.relevance.configs import BEST_TEXT, RERANK
from ml.serving import ServingEncoder, default_encoder, encoder_for_model_id, from_config, serving_encoder
from ml.settings import EmbeddingSettings
from schemas.events import Offer, Source
from tests.conftest import free_port


class Recorder:
    """An encoder that records what it was asked to embed (its vectors: a text's length, normalised)."""

    model_id = "recorder"
    dim = 3

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.seen.extend(texts)
        return np.asarray([[1.0, 0.0, 0.0]] * len(texts), dtype=np.float32)

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.encode([text])[0]


def _offer() -> Offer:
    return Offer(id="00000000-0000-0000-0000-000000000001", source=Source.FRANCE_TRAVAIL,
                 source_id="1", source_refs=["france_travail:1"], title="Développeur Python (H/F)", company="Acme",
                 description="Vous développerez des pipelines de données. " * 40, skills=["Python", "SQL"],
                 fetched_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_the_default_is_the_benchmarks_winner() -> None:
    s = EmbeddingSettings(_env_file=None)  # type: ignore[call-arg]
    assert s.backend == "use-multilingual" and s.text_template == BEST_TEXT
    served = default_encoder(s, inner=Recorder())
    assert served.model_id == f"recorder|{BEST_TEXT}"
    assert served.pipeline.encoder == "use" and served.pipeline.lexical and served.pipeline.rerank == RERANK
    assert served.source == "default" and served.version is None


def test_offers_are_embedded_with_the_served_text_and_tagged_with_its_id() -> None:
    inner = Recorder()
    served = default_encoder(EmbeddingSettings(_env_file=None), inner=inner)  # type: ignore[call-arg]
    [offer] = embed_offers([_offer()], served)
    # title_skills_desc300: the title twice, then skills, then only the start of the description.
    assert inner.seen[0].startswith("Développeur Python (H/F)\nDéveloppeur Python (H/F)\nPython, SQL\n")
    assert len(inner.seen[0]) < 400 < len(_offer().search_text())
    assert offer.embedding is not None and offer.embedding.model == served.model_id


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown text template"):
        ServingEncoder(Recorder(), "everything", default_encoder(inner=Recorder()).pipeline)


def test_a_model_id_rebuilds_the_encoder_that_made_it() -> None:
    served = encoder_for_model_id(f"use-multilingual-v3|{BEST_TEXT}")
    assert served.model_id == f"use-multilingual-v3|{BEST_TEXT}" and served.dim == 512
    other = encoder_for_model_id("use-multilingual-v3|search_text")
    assert other.template == "search_text" and other.passage(_offer()) == _offer().search_text()
    with pytest.raises(ValueError, match="no encoder is known"):
        encoder_for_model_id("word2vec|search_text")


def test_a_registered_configuration_is_served_as_registered() -> None:
    config = {"pipeline": {"name": "hybrid:use:search_text", "encoder": "use", "template": "search_text",
                           "lexical": True, "fusion": "rrf"},
              "embedding": {"backend": "use-multilingual"}}
    served = from_config(config, version="7")
    assert (served.version, served.source, served.template) == ("7", "registry", "search_text")
    assert served.model_id == "use-multilingual-v3|search_text" and served.pipeline.fusion == "rrf"


def test_an_unreachable_registry_serves_the_default_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with structlog.testing.capture_logs() as logs:
        served = serving_encoder(EmbeddingSettings(_env_file=None, registry_timeout_s=0.5))  # type: ignore[call-arg]
    assert served.source == "default" and served.model_id == f"use-multilingual-v3|{BEST_TEXT}"
    assert any(e["log_level"] == "warning" and "unreachable" in e["event"] for e in logs), logs


def test_settings_only_never_asks_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise AssertionError("the registry was asked")

    monkeypatch.setattr("ml.registry.champion_config", boom)
    served = serving_encoder(EmbeddingSettings(_env_file=None, source="settings"))  # type: ignore[call-arg]
    assert served.source == "default"
