"""Acceptance (issue 5): the 3,000 real Adzuna + 70 France Travail offers of ../shared/data give identical gold
tables on DuckDB and on Snowflake (fakesnow), and `dbt build` passes with every test on both.

The canonical offers come from the real enrichment (`stream_processors.enrichment.enrich`), published to the
enriched topic as the worker would; both sinks read the same broker.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.events import Offer, RawOfferEnvelope, Source
from tests.warehouse.helpers import (
    FakesnowServer,
    drain,
    duckdb_settings,
    gold,
    private_broker,
    publish,
    snowflake_settings,
)
from warehouse import open_warehouse
from warehouse.settings import Settings
from warehouse.transform import DbtResult, transform

pytestmark = pytest.mark.slow

FETCHED_AT = datetime(2025, 4, 20, 6, 0, tzinfo=UTC)


def load_envelopes(shared: Path) -> list[RawOfferEnvelope]:
    adzuna = json.loads((shared / "adzuna" / "jobs_search.json").read_text())["results"]
    france_travail = json.loads((shared / "france_travail" / "offres_search.json").read_text())["resultats"]
    return ([RawOfferEnvelope(source=Source.ADZUNA, source_id=str(p["id"]), fetched_at=FETCHED_AT, payload=p)
             for p in adzuna]
            + [RawOfferEnvelope(source=Source.FRANCE_TRAVAIL, source_id=str(p["id"]), fetched_at=FETCHED_AT,
                                payload=p) for p in france_travail])


@pytest.fixture(scope="module")
def built(shared_data: Path, fakesnow_server: FakesnowServer,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from stream_processors.enrichment import EnrichmentError, enrich  # a broken import fails, never skips
    envelopes = load_envelopes(shared_data)
    offers: list[Offer] = []
    dead = 0
    for env in envelopes:
        try:
            offers.append(enrich(env))
        except EnrichmentError:
            dead += 1
    tmp = tmp_path_factory.mktemp("acceptance")
    out: dict[str, Any] = {"envelopes": len(envelopes), "offers": len(offers), "dead": dead,
                           "soft_skills": sum(bool(o.soft_skills) for o in offers)}
    def sink_and_build(settings: Settings) -> dict[str, Any]:
        drain(settings)
        result: DbtResult = transform(settings)
        with open_warehouse(settings) as wh:
            return {"build": result, "gold": gold(wh), "raw": wh.count("raw", "raw_offers"),
                    "canonical": wh.count("raw", "enriched_offers"), "fct": wh.count("gold", "fct_offers")}

    with private_broker(tmp) as bootstrap:
        publish(bootstrap, raw=envelopes, offers=offers)
        backends = {
            "duckdb": duckdb_settings(tmp / "duckdb", bootstrap, batch_size=5000),
            "snowflake": snowflake_settings(tmp / "snowflake", bootstrap, fakesnow_server, "JM_ACCEPTANCE",
                                            batch_size=5000),
        }
        # Side by side: each is its own consumer group and dbt subprocesses (CI has a time budget on 2 cores).
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {name: pool.submit(sink_and_build, settings) for name, settings in backends.items()}
            out.update({name: f.result() for name, f in futures.items()})
    return out


@pytest.mark.parametrize("backend", ["duckdb", "snowflake"])
def test_dbt_build_passes_with_every_test(built: dict[str, Any], backend: str) -> None:
    result: DbtResult = built[backend]["build"]
    assert result.ok, result.failures or result.output[-3000:]
    assert result.statuses.get("pass", 0) > 100 and not result.failures


@pytest.mark.parametrize("backend", ["duckdb", "snowflake"])
def test_every_offer_reaches_gold(built: dict[str, Any], backend: str) -> None:
    assert built["envelopes"] == 3070
    assert built[backend]["raw"] == 3070
    assert built[backend]["canonical"] == built["offers"] == 3070 - built["dead"]
    assert built[backend]["fct"] == built["offers"]


def test_identical_gold_aggregates_on_both_backends(built: dict[str, Any]) -> None:
    duck, snow = built["duckdb"]["gold"], built["snowflake"]["gold"]
    # The export has no `qualitesProfessionnelles` (null fields were dropped), so no offer has soft skills.
    may_be_empty = set() if built["soft_skills"] else {"soft_skills_by_rome"}
    assert [t for t in duck if not duck[t] and t not in may_be_empty] == []
    assert [t for t in duck if duck[t] != snow[t]] == []
