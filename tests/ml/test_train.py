"""`jobmarket train`'s flow on a real MLflow store: one run per result, the best registered, the gate applied."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ml.registry import CHAMPION, MODEL_NAME, client
from ml.relevance.configs import PipelineConfig
from ml.relevance.result import BenchResult, EvalSetInfo
from ml.tracking import use_tracking_uri
from ml.train import best_candidate, record

QUERIES = [f"q{i:02d}" for i in range(30)]


def info(path: Path, version: str = "ev1") -> EvalSetInfo:
    return EvalSetInfo(version=version, name="jobmarket-fr-relevance", n_queries=len(QUERIES), n_docs=100,
                       split="heldout", path=str(path))


def scores(level: float, spread: float, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {q: min(1.0, max(0.0, level + rng.uniform(-spread, spread))) for q in QUERIES}


def result(name: str, kind: str, per_query: dict[str, float]) -> BenchResult:
    mean = sum(per_query.values()) / len(per_query)
    # The benchmark's configuration shape; lexical only, so registering loads no encoder.
    config: dict[str, object] = {"pipeline": {"name": name, "kind": kind, "encoder": None, "lexical": True},
                                 "embedding": {}}
    return BenchResult(name=name, kind=kind, params={"encoder": "none", "k": 10},
                       metrics={"ndcg_at_10": mean, "p_at_10": mean / 2, "mrr": mean, "encode_docs_per_s": 90.0},
                       per_query_ndcg=per_query, config=config)


@pytest.fixture(scope="module")
def store_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow-train') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def evalset_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evalset") / "queries.jsonl"
    path.write_text("{}\n")
    return path


def test_best_candidate_ignores_baselines() -> None:
    results = [result("bm25", "baseline", scores(0.9, 0, 1)), result("a", "candidate", scores(0.5, 0, 2)),
               result("b", "candidate", scores(0.6, 0, 3))]
    best = best_candidate(results)
    assert best is not None and best.name == "b"
    assert best_candidate(results[:1]) is None


def test_promotion_then_refusal_then_promotion(store_uri: str, evalset_file: Path) -> None:
    import mlflow

    quiet = Console(file=open(evalset_file.parent / "out.txt", "w"), width=200)  # noqa: SIM115
    ev = info(evalset_file)
    champion = scores(0.40, 0.2, 2)
    first = [result("bm25", "baseline", scores(0.30, 0.1, 1)), result("dense-a", "candidate", champion),
             result("dense-b", "candidate", scores(0.35, 0.2, 3))]
    out1 = record(ev, first, store_uri, console=quiet)
    assert out1.best is not None and out1.best.name == "dense-a"
    assert out1.decision is not None and out1.decision.promote  # no champion yet
    c = client(store_uri)
    assert str(c.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == out1.version

    # Every result is one run: its metrics, params, tags and the eval set as a dataset input.
    with use_tracking_uri(store_uri):
        runs = {r.info.run_name: r for r in mlflow.search_runs([out1.experiment_id], output_format="list")}
    assert set(runs) == {"bm25", "dense-a", "dense-b"}
    run = runs["dense-a"]
    assert run.data.metrics["ndcg_at_10"] == pytest.approx(first[1].metrics["ndcg_at_10"])
    assert run.data.params["k"] == "10" and run.data.tags["kind"] == "candidate"
    assert run.data.tags["gate_decision"] == "promoted"
    assert run.inputs is not None
    [dataset_input] = run.inputs.dataset_inputs
    assert (dataset_input.dataset.name, dataset_input.dataset.digest) == ("jobmarket-fr-relevance", "ev1")

    # A candidate a hair better on average but noisy per query: registered, champion left where it was.
    noisy = result("hybrid-noisy", "candidate",
                   {q: v + (0.21 if i % 2 else -0.19) for i, (q, v) in enumerate(champion.items())})
    out2 = record(ev, [*first, noisy], store_uri, console=quiet)
    assert out2.best is not None and out2.best.name == "hybrid-noisy"
    assert out2.decision is not None
    assert not out2.decision.promote, out2.decision.reason
    assert str(c.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == out1.version
    refused = c.get_model_version(MODEL_NAME, str(out2.version))
    assert refused.tags["gate_decision"] == "refused" and "noise" in refused.tags["gate_reason"]

    # A clearly better one, on the same queries: promoted.
    strong = result("hybrid-strong", "candidate", {q: v + 0.2 for q, v in champion.items()})
    out3 = record(ev, [*first, strong], store_uri, console=quiet)
    assert out3.decision is not None
    assert out3.decision.promote, out3.decision.reason
    assert str(c.get_model_version_by_alias(MODEL_NAME, CHAMPION).version) == out3.version
    assert "hybrid-strong" in (evalset_file.parent / "out.txt").read_text()  # the printed table


def test_a_new_eval_set_compares_with_the_champions_config_remeasured(store_uri: str, evalset_file: Path) -> None:
    quiet = Console(file=open(evalset_file.parent / "out2.txt", "w"), width=200)  # noqa: SIM115
    champion = client(store_uri).get_model_version_by_alias(MODEL_NAME, CHAMPION)
    ev2 = info(evalset_file, version="ev2")
    # The champion's configuration ("hybrid-strong") re-measured on ev2 scores higher than the newcomer.
    remeasured = scores(0.6, 0.1, 6)
    newcomer = result("newcomer", "candidate", {q: v + (0.21 if i % 2 else -0.19)
                                                for i, (q, v) in enumerate(remeasured.items())})
    remeasured_result = result("hybrid-strong", "candidate", remeasured)
    out = record(ev2, [remeasured_result, newcomer], store_uri, console=quiet)
    assert out.best is not None and out.best.name == "newcomer"
    assert out.decision is not None and not out.decision.promote
    assert out.decision.n_queries == len(QUERIES) and "noise" in out.decision.reason  # paired with the re-run
    assert client(store_uri).get_model_version_by_alias(MODEL_NAME, CHAMPION).version == champion.version
    # Without the champion's configuration in the run there is nothing to pair with: refused, said why.
    out = record(ev2, [result("other", "candidate", scores(0.9, 0.05, 8))], store_uri, console=quiet)
    assert out.decision is not None and not out.decision.promote
    assert "no paired comparison" in out.decision.reason


def test_the_train_command_prints_the_table(store_uri: str, evalset_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import ml.relevance.runner as runner
    from jobmarket.cli import app

    calls: list[dict[str, object]] = []

    def fake_benchmark(split: str = "heldout", configs: list[PipelineConfig] | None = None,
                       offers_limit: int | None = None, **_: object) -> tuple[EvalSetInfo, list[BenchResult]]:
        calls.append({"split": split, "configs": [c.name for c in configs or []], "offers_limit": offers_limit})
        return info(evalset_file, "ev3"), [result("bm25", "baseline", scores(0.3, 0.1, 1)),
                                            result("cli-cand", "candidate", scores(0.5, 0.1, 2))]

    monkeypatch.setattr(runner, "run_benchmark", fake_benchmark)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store_uri)
    res = CliRunner().invoke(app, ["train", "--limit", "50", "--configs", "bm25,hybrid:use+bm25"])
    assert res.exit_code == 0, res.output
    assert calls == [{"split": "heldout", "configs": ["bm25", "hybrid:use+bm25"], "offers_limit": 50}]
    assert "cli-cand" in res.output and "MatchingPipeline v" in res.output


def test_the_train_command_fails_clearly_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobmarket.cli import app

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    res = CliRunner().invoke(app, ["train"])
    assert res.exit_code == 1
    assert "no MLflow tracking server answers" in res.output
    res = CliRunner().invoke(app, ["train", "--configs", "no-such-config"])
    assert res.exit_code == 1 and "unknown configuration" in res.output
