"""The real site in headless Chromium against the real API (uvicorn) seeded with sample offers."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import expect
from werkzeug.serving import make_server

from api.main import create_app as create_api
from api.settings import Settings as ApiSettings
from ml.embedding import Embedder, embed_offers
from schemas.events import Offer, Source, canonical_offer_id
from tests.api.accounts_support import fast_hashing
from vector_index.edge import EdgeIndex
from web.app import create_app as create_web
from web.settings import Settings as WebSettings

# A Dash callback round trip (browser -> site -> API) took over 5 s, playwright's default, on a loaded
# 2-core CI machine: wait as long as the page actions do.
expect.set_options(timeout=20_000)

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed")]

NOW = datetime.now(UTC)
# (id, title, company, city, dep, contract, seniority, domain, skills, description)
SEED = [
    ("W1", "Développeur Python data", "Acme Data", "Lyon", "69", "CDI", "Confirmé", "Informatique",
     ["Python", "SQL", "Spark"], "Vous développez des pipelines de données en Python et SQL."),
    ("W2", "Data engineer Spark", "Nova", "Paris", "75", "CDI", "Senior", "Informatique",
     ["Python", "Spark", "Kubernetes"], "Plateforme data, traitements Spark et déploiements Kubernetes."),
    ("W3", "Infirmier de bloc opératoire", "Clinique du Parc", "Nantes", "44", "CDD", "Junior", "Santé",
     ["Soins infirmiers"], "Vous assurez les soins au bloc opératoire d'une clinique."),
    ("W4", "Chauffeur poids lourd", "TransNord", "Lille", "59", "CDI", "Confirmé", "Transport",
     ["Permis C"], "Transport de marchandises en région, livraison aux clients."),
    ("W5", "Cuisinier en restaurant", "Le Bouchon", "Bordeaux", "33", "Saisonnier", "Débutant", "Restauration",
     ["Cuisine"], "Préparation des plats en cuisine d'un restaurant traditionnel."),
    ("W6", "Analyste données SQL", "Acme Data", "Lyon", "69", "CDD", "Junior", "Informatique",
     ["SQL", "Power BI"], "Tableaux de bord et analyses SQL pour les équipes métier."),
]


def seed_offer(row: tuple[Any, ...]) -> Offer:
    sid, title, company, city, dep, contract, seniority, domain, skills, description = row
    return Offer(id=canonical_offer_id("sample", sid), source=Source.SAMPLE, source_id=sid,
                 source_refs=[f"sample:{sid}"], title=title, company=company, city=city, departement_code=dep,
                 contract_type=contract, seniority=seniority, domain=domain, skills=skills,
                 description=description, salary_min=35000, salary_max=45000,
                 url=f"http://127.0.0.1:9/offres/{sid}", published_at=NOW - timedelta(days=2), fetched_at=NOW)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    web: str
    api: str
    shots: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """API on uvicorn and the Dash app on werkzeug, each in a thread, sharing one seeded index."""
    data_dir = tmp_path_factory.mktemp("web")
    index = EdgeIndex(data_dir / "index", embedder.dim)
    index.upsert(embed_offers([seed_offer(r) for r in SEED], embedder))
    api_settings = ApiSettings.model_validate(
        {"JOBMARKET_DATA_DIR": data_dir, "run_indexer": False, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
         "login_limit_per_ip": "1000/minute"})
    api_port, web_port = free_port(), free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(api_settings, embedder=embedder, index=index),
                                           host="127.0.0.1", port=api_port, log_level="warning"))
    with fast_hashing():
        api_thread = threading.Thread(target=server.run, daemon=True)
        api_thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.05)
        web_settings = WebSettings(api_url=f"http://127.0.0.1:{api_port}", refresh_s=2.0)
        wsgi = make_server("127.0.0.1", web_port, create_web(web_settings).server, threaded=True)
        threading.Thread(target=wsgi.serve_forever, daemon=True).start()
        try:
            yield Site(web=f"http://127.0.0.1:{web_port}", api=f"http://127.0.0.1:{api_port}",
                       shots=tmp_path_factory.mktemp("screenshots"))
        finally:
            wsgi.shutdown()
            server.should_exit = True
            api_thread.join(10)
            index.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM),
                               args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh context per test; every request and console error is recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    p = context.new_page()
    p.set_default_timeout(20_000)
    p.console_errors = []
    p.on("request", lambda r: site.requests.append(r.url))
    p.on("console", lambda m: p.console_errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: p.console_errors.append(str(e)))
    yield p
    context.close()


def test_register_sign_in_profile_then_recommendations(page: Any, site: Site) -> None:
    page.goto(f"{site.web}/profil")
    page.fill("#register-email", "camille@example.fr")
    page.fill("#register-password", "court")
    page.click("#register-submit")
    # The API refuses the short password: the message sits next to the field.
    expect(page.locator("#register-password-error")).to_contain_text("8 caractères")
    page.fill("#register-password", "correct horse battery")
    page.fill("#register-full_name", "Camille Martin")
    page.click("#register-submit")
    page.locator("#profile-section").wait_for(state="visible")
    page.fill("#profile-desired_title", "Développeur Python data")
    page.fill("#profile-skills", "Python, SQL")
    page.fill("#profile-city", "Lyon")
    page.fill("#profile-radius_km", "-5")
    page.click("#profile-submit")
    expect(page.locator("#profile-radius_km-error")).to_contain_text("supérieur ou égal à 0")
    page.fill("#profile-radius_km", "30")
    page.click("#profile-submit")
    expect(page.locator("#profile-status")).to_have_text("Profil enregistré.")
    expect(page.locator("#profile-radius_km-error")).to_have_text("")
    page.screenshot(path=site.shots / "profil.png", full_page=True)

    # Sign out then sign in again through /connexion: the token lives in session storage only.
    page.goto(f"{site.web}/connexion")
    page.click("#logout")
    page.locator("#login-form").wait_for(state="visible")
    page.fill("#login-email", "camille@example.fr")
    page.fill("#login-password", "correct horse battery")
    page.click("#login-submit")
    page.wait_for_url("**/recommandations")
    first = page.locator(".rec-card").first
    first.wait_for()
    assert "Python" in first.inner_text()
    explanation = first.locator(".rec-explanation").inner_text()
    assert "Compétences en commun" in explanation and "Python" in explanation
    assert "Spark" in first.locator(".badge-missing").all_inner_texts()
    assert "publiée il y a 2 jours" in explanation
    page.screenshot(path=site.shots / "recommandations.png", full_page=True)
    assert page.console_errors == []


def test_search_filter_updates_count_table_and_charts_and_url_reloads(page: Any, site: Site) -> None:
    page.goto(f"{site.web}/recherche")
    count = page.locator("#q-count")
    expect(count).to_have_text(f"{len(SEED)} offre(s) trouvée(s)")
    page.click("#q-contract")
    page.get_by_role("option", name="CDD", exact=True).click()
    page.keyboard.press("Escape")
    page.click("#q-submit")
    cdd = sum(1 for r in SEED if r[5] == "CDD")
    expect(count).to_have_text(f"{cdd} offre(s) trouvée(s)")
    assert "contrat=CDD" in page.url
    rows = page.locator("#q-table td[data-dash-column='contrat']").all_inner_texts()
    assert rows and set(rows) == {"CDD"}
    # The contract chart now has a single bar: CDD.
    bars = page.locator("#q-chart-contract_types .ytick text").evaluate_all("els => els.map(e => e.textContent)")
    assert bars == ["CDD"]
    page.screenshot(path=site.shots / "recherche.png", full_page=True)

    shared = page.url
    page.goto(shared)
    expect(page.locator("#q-count")).to_have_text(f"{cdd} offre(s) trouvée(s)")
    assert set(page.locator("#q-table td[data-dash-column='contrat']").all_inner_texts()) == {"CDD"}

    # An offer page opens from a result.
    page.locator("#q-table td[data-dash-column='titre'] a").first.click()
    page.wait_for_url("**/offre/*")
    page.locator("#offer-sources").wait_for()
    assert "Échantillon" in page.locator("#offer-sources").inner_text()
    page.screenshot(path=site.shots / "offre.png", full_page=True)
    assert page.console_errors == []


PAGES = [("/", "#home-figures"), ("/connexion", "#login-form"), ("/profil", "#register-section"),
         ("/recommandations", "#rec-results .alert"), ("/tableau-de-bord", "#health-rows"),
         ("/nulle-part", "text=Page introuvable")]


@pytest.mark.parametrize("path,marker", PAGES)
def test_every_page_renders_offline_without_console_errors(page: Any, site: Site, path: str, marker: str) -> None:
    site.requests.clear()
    page.goto(f"{site.web}{path}")
    page.locator(marker).first.wait_for()
    page.wait_for_load_state("networkidle")
    name = path.strip("/") or "accueil"
    page.screenshot(path=site.shots / f"page-{name}.png", full_page=True)
    assert page.console_errors == []
    outside = [u for u in site.requests if urlsplit(u).hostname != "127.0.0.1"]
    assert outside == [], f"requests left the machine: {outside}"
    assert site.requests, "no request recorded: the recorder is broken"


def test_dashboard_soft_skills_and_health(page: Any, site: Site) -> None:
    page.goto(f"{site.web}/tableau-de-bord")
    health = page.locator("#health-rows").inner_text()
    assert "Index vectoriel" in health and "en panne" in health  # Kafka is a closed port on purpose
    expect(page.locator("#rome-soft-skills")).to_contain_text("Choisissez un code ROME")
    page.click("#rome-code")
    page.get_by_role("option").first.wait_for()  # the list is open: typing now filters it
    page.keyboard.type("M1805")
    page.get_by_role("option", name=re.compile("^M1805")).click()
    # Without a warehouse the API has no soft-skill statistics yet: the page says so instead of failing.
    expect(page.locator("#rome-soft-skills")).to_contain_text("pas encore calculées")
    page.screenshot(path=site.shots / "tableau-de-bord.png", full_page=True)
