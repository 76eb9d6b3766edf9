"""API latency benchmark: search with facets, recommendations and get-by-id under 1/10/50 concurrent clients.

Builds an in-process index (qdrant-edge, HNSW) of ``--offers`` synthetic offers (50,000 by default) in a
data directory, starts the real app (``api.main.create_app``) under uvicorn in a subprocess, and drives it
with an async httpx load loop: each client sends its next request as soon as the previous one answered
(closed loop), for ``--seconds`` per (route, concurrency). Prints one JSON line: p50/p95/p99 (ms),
requests/s and errors per route and concurrency, plus where the server's CPU went (``--profile``).

What is synthetic, and why it is fair for latency: offers are generated (realistic French fields, short
descriptions, skills, cities with coordinates) and their vectors are random directions clustered by job
family, not model embeddings (embedding 50,000 offers with the model takes ~25 minutes on 2 cores). The
queries are real text embedded by the app's own model on its one model thread, unless
``--query-embedder synthetic`` (a hash → vector stand-in, to see the API without the model). A pool of
``--distinct-queries`` texts is drawn at random, so the API's query-vector cache sees repeats as it would
on a site where many people search the same things; ``--distinct-queries 0`` makes every text unique.

Run: ``.venv/bin/python -m bench.api_latency`` (about 4 minutes; ``--keep-data DIR`` reuses the index).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from schemas.events import Embedding, Offer, Source, canonical_offer_id

REPO = Path(__file__).resolve().parents[1]
DIM = 384
ROUTES = ("search", "recommendations", "get_by_id")
TARGETS_MS = {"search": 100.0, "recommendations": 50.0, "get_by_id": 50.0}  # p99 at 10 clients

FAMILIES = [
    ("Développeur Python", "M1805", ["Python", "Django", "SQL", "Docker"]),
    ("Développeur Java", "M1805", ["Java", "Spring", "SQL", "Kubernetes"]),
    ("Data engineer", "M1811", ["Python", "Spark", "Airflow", "SQL"]),
    ("Data scientist", "M1405", ["Python", "Machine learning", "Pandas"]),
    ("Ingénieur DevOps", "M1827", ["Kubernetes", "Terraform", "AWS", "Linux"]),
    ("Technicien support informatique", "M1810", ["Windows", "Active Directory", "ITIL"]),
    ("Infirmier", "J1506", ["Soins infirmiers", "Hygiène"]),
    ("Aide-soignant", "J1501", ["Soins d'hygiène", "Hygiène"]),
    ("Chauffeur poids lourd", "N4101", ["Permis C", "FIMO"]),
    ("Cariste", "N1101", ["CACES", "Gestion de stock"]),
    ("Cuisinier", "G1602", ["Cuisine", "HACCP"]),
    ("Serveur", "G1803", ["Service en salle", "Anglais"]),
    ("Comptable", "M1203", ["Comptabilité", "Excel", "SAP"]),
    ("Commercial terrain", "D1402", ["Prospection", "Négociation", "CRM"]),
    ("Vendeur en magasin", "D1214", ["Vente", "Encaissement"]),
    ("Électricien", "F1602", ["Habilitation électrique", "Lecture de plans"]),
    ("Maçon", "F1703", ["Maçonnerie", "Lecture de plans"]),
    ("Technicien de maintenance", "I1304", ["Mécanique", "Électricité", "GMAO"]),
    ("Assistant administratif", "M1602", ["Excel", "Word", "Accueil"]),
    ("Chargé de recrutement", "M1502", ["Recrutement", "Sourcing", "Entretiens"]),
]
DOMAIN = {"M": "Support à l'entreprise", "J": "Santé", "N": "Transport et logistique",
          "G": "Hôtellerie-restauration, tourisme, loisirs et animation", "D": "Commerce, vente et grande distribution",
          "F": "Construction, bâtiment et travaux publics", "I": "Installation et maintenance"}
CITIES = [  # (city, département, lat, lon, weight)
    ("Paris", "75", 48.8566, 2.3522, 20), ("Lyon", "69", 45.764, 4.8357, 8),
    ("Marseille", "13", 43.2965, 5.3698, 6), ("Toulouse", "31", 43.6047, 1.4442, 6),
    ("Nantes", "44", 47.2184, -1.5536, 5), ("Lille", "59", 50.6292, 3.0573, 5),
    ("Bordeaux", "33", 44.8378, -0.5792, 5), ("Rennes", "35", 48.1173, -1.6778, 4),
    ("Strasbourg", "67", 48.5734, 7.7521, 4), ("Montpellier", "34", 43.6108, 3.8767, 4),
    ("Nice", "06", 43.7102, 7.262, 3), ("Grenoble", "38", 45.1885, 5.7245, 3),
    ("Villeurbanne", "69", 45.7719, 4.8902, 2), ("Boulogne-Billancourt", "92", 48.8397, 2.2399, 2),
    ("Dijon", "21", 47.322, 5.0415, 2), ("Angers", "49", 47.4784, -0.5632, 2),
    ("Brest", "29", 48.3904, -4.4861, 2), ("Tours", "37", 47.3941, 0.6848, 2),
    ("Clermont-Ferrand", "63", 45.7772, 3.087, 2), ("Rouen", "76", 49.4432, 1.0999, 2),
]
CONTRACTS = ["CDI"] * 6 + ["CDD"] * 3 + ["Intérim"] * 2 + ["Alternance", "Stage", "Libéral/Freelance"]
SENIORITY = ["Débutant", "Junior", "Confirmé", "Confirmé", "Senior", None]
QUERIES = [
    "développeur python", "data engineer spark", "infirmier de nuit", "chauffeur poids lourd", "cuisinier",
    "comptable", "commercial", "devops kubernetes", "technicien de maintenance", "aide soignant",
    "développeur java spring", "data scientist machine learning", "électricien bâtiment", "cariste caces",
    "serveur restaurant", "vendeur magasin", "assistant administratif", "chargé de recrutement", "maçon",
    "support informatique", "python django", "sql", "docker", "excel", "anglais",
]
WORDS = ["équipe", "projet", "client", "mission", "poste", "entreprise", "service", "qualité", "sécurité",
         "travail", "horaires", "rémunération", "avantages", "formation", "expérience", "autonomie", "rigueur",
         "dynamique", "croissance", "outils", "production", "site"]


def synthetic_offers(n: int, seed: int = 42, now: datetime | None = None) -> Iterator[Offer]:
    """``n`` generated offers with clustered synthetic ``DIM``-d vectors (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    now = now or datetime.now(UTC)
    centroids = rng.normal(size=(len(FAMILIES), DIM)).astype(np.float32)
    weights = np.array([c[4] for c in CITIES], dtype=float)
    city_idx = rng.choice(len(CITIES), size=n, p=weights / weights.sum())
    family_idx = rng.integers(0, len(FAMILIES), size=n)
    noise = rng.normal(size=(n, DIM)).astype(np.float32)
    for i in range(n):
        title, rome, skills = FAMILIES[int(family_idx[i])]
        city, dep, lat, lon, _ = CITIES[int(city_idx[i])]
        v = centroids[int(family_idx[i])] + 0.8 * noise[i]
        v /= np.linalg.norm(v)
        k = int(rng.integers(1, len(skills) + 1))
        salary = float(rng.integers(22, 70)) * 1000 if rng.random() < 0.6 else None
        words = " ".join(rng.choice(WORDS, size=30))
        yield Offer(
            id=canonical_offer_id("sample", f"B{i}"), source=Source.SAMPLE if i % 3 else Source.FRANCE_TRAVAIL,
            source_id=f"B{i}", source_refs=[f"sample:B{i}"], title=f"{title} (H/F)", rome_code=rome,
            rome_label=title, domain=DOMAIN[rome[0]], skills=list(skills[:k]), city=city, departement_code=dep,
            latitude=lat + float(rng.normal(0, 0.02)), longitude=lon + float(rng.normal(0, 0.02)),
            contract_type=CONTRACTS[i % len(CONTRACTS)],  # type: ignore[arg-type]
            seniority=SENIORITY[i % len(SENIORITY)],  # type: ignore[arg-type]
            company=f"Entreprise {int(rng.zipf(1.5)) % 2000}", remote=("none", "hybrid", "full")[i % 3],
            salary_min=salary, salary_max=salary * 1.2 if salary else None,
            description=f"{title} à {city}. {words}.", fetched_at=now,
            published_at=now - timedelta(minutes=int(rng.integers(0, 60 * 24 * 30))),
            embedding=Embedding(model="synthetic", dim=DIM, values=v.tolist()),
        )


def build_index(data_dir: Path, n: int) -> float:
    """The bench's index under ``data_dir`` (reused when it already holds ``n`` offers); seconds spent."""
    from vector_index.edge import EdgeIndex

    started = time.perf_counter()
    path = data_dir / "index" / f"offers-{DIM}d"
    index = EdgeIndex(path, DIM)
    try:
        if index.count() != n:
            batch: list[Offer] = []
            for offer in synthetic_offers(n):
                batch.append(offer)
                if len(batch) == 1000:
                    index.upsert(batch)
                    batch = []
            index.upsert(batch)
            index.optimize()  # HNSW, as the indexer does every 5,000 offers
    finally:
        index.close()
    return time.perf_counter() - started


class HashEmbedder:
    """A stand-in query encoder: a stable pseudo-random unit vector per text (no model)."""

    dim = DIM
    model_id = "synthetic-hash"

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.stack([self.encode_query(t) for t in texts])

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
        return np.asarray(v / np.linalg.norm(v), dtype=np.float32)


def serve(data_dir: Path, port: int, query_embedder: str) -> None:
    """The server subprocess: the real app on the bench's index (no broker: nothing to index meanwhile)."""
    import uvicorn

    from api.main import create_app
    from api.settings import Settings
    from core.profiling import start_from_env

    start_from_env("api")
    settings = Settings.model_validate({
        "JOBMARKET_DATA_DIR": data_dir, "run_indexer": False, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "collection": "offers", "port": port})
    embedder = HashEmbedder() if query_embedder == "synthetic" else None
    app = create_app(settings, embedder=embedder)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def percentiles(latencies_s: list[float]) -> dict[str, float]:
    if not latencies_s:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    ms = np.asarray(latencies_s) * 1000
    return {f"p{q}": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)}


class Requests:
    """Random requests of each route, the same for every run with one seed."""

    def __init__(self, n_offers: int, distinct_queries: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n_offers = n_offers
        base = QUERIES + [f"{a} {b}" for a in QUERIES for b in ("lyon", "cdi", "senior", "junior")]
        self.pool = base[:distinct_queries] if distinct_queries else []
        self.counter = 0

    def text(self) -> str:
        if self.pool:
            return self.rng.choice(self.pool)
        self.counter += 1
        return f"{self.rng.choice(QUERIES)} {self.counter}"

    def search(self) -> dict[str, Any]:
        r = self.rng
        body: dict[str, Any] = {"size": 20}
        if r.random() < 0.6:
            body["keywords"] = self.text()
        if r.random() < 0.4:
            body["contract_types"] = r.sample(["CDI", "CDD", "Intérim"], r.randint(1, 2))
        if r.random() < 0.3:
            city = r.choice(CITIES)
            body["city"] = city[0]
            if r.random() < 0.5:
                body["radius_km"] = r.choice([10, 30, 50])
        if r.random() < 0.2:
            body["salary_min"] = r.choice([30000, 40000, 50000])
        if r.random() < 0.2:
            body["sort"] = r.choice(["date", "salary"])
        return body

    def recommendation(self) -> dict[str, Any]:
        return {"text": self.text(), "size": 10}

    def offer_path(self) -> str:
        return f"/api/offres/{canonical_offer_id('sample', f'B{self.rng.randrange(self.n_offers)}')}"


async def _one(client: httpx.AsyncClient, route: str, reqs: Requests) -> int:
    if route == "search":
        resp = await client.post("/api/offres/search", json=reqs.search())
    elif route == "recommendations":
        resp = await client.post("/api/recommendations", json=reqs.recommendation())
    else:
        resp = await client.get(reqs.offer_path())
    return resp.status_code


async def load(base_url: str, route: str, clients: int, seconds: float, reqs: Requests) -> dict[str, Any]:
    """``clients`` closed-loop clients on ``route`` for ``seconds``: latency percentiles and the rate."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for _ in range(min(clients, 5)):  # open connections, warm the route
            await _one(client, route, reqs)
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    status = await _one(client, route, reqs)
                except httpx.HTTPError:
                    status = 0
                latencies.append(time.perf_counter() - t0)
                statuses[status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {**percentiles(latencies), "rps": round(len(latencies) / elapsed, 1), "requests": len(latencies),
            "errors": len(latencies) - ok, **({"statuses": dict(statuses)} if ok != len(latencies) else {})}


def wait_ready(base_url: str, n: int, proc: subprocess.Popen[bytes], timeout_s: float = 600) -> float:
    started = time.perf_counter()
    deadline = started + timeout_s
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited with code {proc.returncode} before it was ready")
        try:
            body = httpx.get(f"{base_url}/api/stats/summary", timeout=5).json()
            if body.get("offers_indexed") == n:
                return time.perf_counter() - started
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError("the API did not become ready")


def profile_summary(profile_dir: Path, top: int = 15) -> dict[str, Any]:
    """Where the server's CPU went (startup included), from the sampler's folded stacks: the share of
    samples per leaf frame (self time; native code shows as the Python frame that called it) and per
    thread."""
    files = sorted(profile_dir.glob("api-*.folded"))
    if not files:
        return {"error": f"no profile written under {profile_dir}"}
    leaf: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in files[-1].read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        threads[frames[0].rstrip("0123456789_-")] += n
        leaf[frames[-1]] += n
    return {"cpu_s": round(total / os.sysconf("SC_CLK_TCK"), 1),
            "self_share": {f: round(c / total, 3) for f, c in leaf.most_common(top)},
            "thread_share": {t: round(c / total, 3) for t, c in threads.most_common(6)}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--offers", type=int, default=50_000)
    ap.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 50],
                    help="comma-separated concurrency levels")
    ap.add_argument("--routes", type=lambda s: s.split(","), default=list(ROUTES))
    ap.add_argument("--seconds", type=float, default=10.0, help="per route and concurrency level")
    ap.add_argument("--query-embedder", choices=["model", "synthetic"], default="model")
    ap.add_argument("--distinct-queries", type=int, default=100, help="size of the query pool (0: all unique)")
    ap.add_argument("--keep-data", type=Path, default=None, help="build/reuse the index here")
    ap.add_argument("--profile", action="store_true", help="sample the server's stacks (core.profiling)")
    ap.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)  # internal: server subprocess
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    unknown = set(args.routes) - set(ROUTES)
    if unknown:
        ap.error(f"unknown routes {sorted(unknown)}; choose among {', '.join(ROUTES)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.serve is not None:
        serve(args.serve, args.port, args.query_embedder)
        return
    with tempfile.TemporaryDirectory(prefix="api-latency-") as tmp:
        data_dir = args.keep_data or Path(tmp) / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        build_s = build_index(data_dir, args.offers)
        port = _free_port()
        env = {**os.environ, "LOG_LEVEL": "WARNING", "MLFLOW_DISABLE_TELEMETRY": "true"}
        profile_dir = Path(tmp) / "profile"
        if args.profile:
            env["JOBMARKET_PROFILE_DIR"] = str(profile_dir)
        log_path = Path(tmp) / "api.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.api_latency", "--serve", str(data_dir), "--port", str(port),
                 "--query-embedder", args.query_embedder], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            startup_s = wait_ready(base_url, args.offers, proc)
            reqs = Requests(args.offers, args.distinct_queries)
            # Every pooled text once, so each route meets the same warm query-vector cache (the order of
            # the routes would otherwise decide which one pays for the model's first calls).
            warm_s = time.perf_counter()
            for text in reqs.pool:
                httpx.post(f"{base_url}/api/offres/search", json={"keywords": text, "size": 1}, timeout=60)
            warm_s = time.perf_counter() - warm_s
            results: dict[str, dict[str, Any]] = {}
            for route in args.routes:
                results[route] = {}
                for clients in args.clients:
                    results[route][str(clients)] = asyncio.run(load(base_url, route, clients, args.seconds, reqs))
        except BaseException:
            sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
            raise
        finally:
            proc.send_signal(signal.SIGINT)  # uvicorn stops gracefully; the profiler dumps at exit
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        at10 = {r: results[r]["10"]["p99"] for r in results if "10" in results[r]}
        print(json.dumps({
            "offers": args.offers, "vectors": f"synthetic ({DIM}-d, clustered by job family)",
            "query_embedder": args.query_embedder, "distinct_queries": args.distinct_queries,
            "seconds_per_level": args.seconds, "index_build_s": round(build_s, 1), "api_startup_s": round(startup_s, 1),
            "query_warmup_s": round(warm_s, 1),
            "cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2), "results": results,
            "p99_at_10_clients_ms": at10,
            "targets_met": {r: at10[r] <= TARGETS_MS[r] for r in at10},
            **({"profile": profile_summary(profile_dir)} if args.profile else {}),
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
