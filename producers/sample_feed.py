"""The project's own offline feed: deterministic, invented French job offers.

Each offer is shaped like one item of France Travail's ``GET /v2/offres/search`` ``resultats`` (same keys,
nesting and value types), so the whole pipeline downstream of the raw topic handles sample offers and real
ones with the same code. Nothing here comes from real offers: companies, descriptions and ids are invented,
and ``origineOffre.urlOrigine`` points to a reserved ``.invalid`` host. ``lieuTravail.pays`` and
``salaire.devise`` are emitted because every real offer in ../shared/data carries them.

Offer ``i`` is a pure function of ``(seed, i, now)``: it is drawn from its own ``random.Random`` seeded with
``"{seed}:{i}"``, so any slice of the feed can be regenerated without generating what precedes it.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from bisect import bisect
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, Generic, NamedTuple, TypeVar

__all__ = ["CITIES", "DEFAULT_NOW", "DOMAINS", "JOBS", "SAMPLE_ID_PREFIX", "generate_offers"]

# Fixed so that a call without ``now`` is reproducible (the live producer passes the current time).
DEFAULT_NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
# Real France Travail ids start with a digit ("191FJMB", "5157520"); "S" + 6 base-36 digits never collides.
SAMPLE_ID_PREFIX = "S"
SAMPLE_URL = "https://sample.jobmarket.invalid/offres/{id}"
MAX_INDEX = 36**6 - 1
OFFER_WINDOW = timedelta(days=30)
SMIC_HOURLY = 11.88  # gross legal minimum (2025), the floor of every hourly/monthly amount below
SMIC_MONTHLY = 1801.80


# --------------------------------------------------------------------------------------------- cities


class City(NamedTuple):
    insee: str  # INSEE commune code (``lieuTravail.commune``)
    name: str
    postal: str
    dept: str
    lat: float
    lon: float
    weight: int  # rough share of job offers, big cities first


CITIES: tuple[City, ...] = (
    City("75101", "Paris 1er Arrondissement", "75001", "75", 48.8625, 2.3363, 3),
    City("75102", "Paris 2e Arrondissement", "75002", "75", 48.8683, 2.3428, 3),
    City("75108", "Paris 8e Arrondissement", "75008", "75", 48.8727, 2.3125, 6),
    City("75109", "Paris 9e Arrondissement", "75009", "75", 48.8771, 2.3375, 5),
    City("75110", "Paris 10e Arrondissement", "75010", "75", 48.8761, 2.3607, 4),
    City("75111", "Paris 11e Arrondissement", "75011", "75", 48.8590, 2.3800, 5),
    City("75112", "Paris 12e Arrondissement", "75012", "75", 48.8350, 2.4213, 3),
    City("75113", "Paris 13e Arrondissement", "75013", "75", 48.8283, 2.3623, 4),
    City("75115", "Paris 15e Arrondissement", "75015", "75", 48.8401, 2.2934, 5),
    City("75117", "Paris 17e Arrondissement", "75017", "75", 48.8873, 2.3068, 4),
    City("92012", "Boulogne-Billancourt", "92100", "92", 48.8397, 2.2399, 3),
    City("92026", "Courbevoie", "92400", "92", 48.8973, 2.2522, 3),
    City("92044", "Levallois-Perret", "92300", "92", 48.8950, 2.2870, 2),
    City("92040", "Issy-les-Moulineaux", "92130", "92", 48.8245, 2.2700, 2),
    City("92050", "Nanterre", "92000", "92", 48.8924, 2.2071, 2),
    City("93066", "Saint-Denis", "93200", "93", 48.9362, 2.3574, 2),
    City("93048", "Montreuil", "93100", "93", 48.8638, 2.4485, 2),
    City("94028", "Créteil", "94000", "94", 48.7904, 2.4556, 1),
    City("94065", "Rungis", "94150", "94", 48.7471, 2.3497, 1),
    City("95018", "Argenteuil", "95100", "95", 48.9472, 2.2467, 1),
    City("95527", "Roissy-en-France", "95700", "95", 49.0036, 2.5167, 1),
    City("91377", "Massy", "91300", "91", 48.7309, 2.2713, 1),
    City("78646", "Versailles", "78000", "78", 48.8049, 2.1204, 1),
    City("69381", "Lyon 1er Arrondissement", "69001", "69", 45.7676, 4.8344, 2),
    City("69383", "Lyon 3e Arrondissement", "69003", "69", 45.7597, 4.8590, 4),
    City("69387", "Lyon 7e Arrondissement", "69007", "69", 45.7457, 4.8422, 3),
    City("69389", "Lyon 9e Arrondissement", "69009", "69", 45.7740, 4.8066, 2),
    City("69266", "Villeurbanne", "69100", "69", 45.7719, 4.8902, 2),
    City("13201", "Marseille 1er Arrondissement", "13001", "13", 43.2999, 5.3841, 2),
    City("13202", "Marseille 2e Arrondissement", "13002", "13", 43.3125, 5.3654, 2),
    City("13208", "Marseille 8e Arrondissement", "13008", "13", 43.2417, 5.3820, 3),
    City("13001", "Aix-en-Provence", "13100", "13", 43.5297, 5.4474, 2),
    City("31555", "Toulouse", "31000", "31", 43.6045, 1.4440, 5),
    City("31069", "Blagnac", "31700", "31", 43.6364, 1.3900, 1),
    City("31254", "Labège", "31670", "31", 43.5336, 1.5339, 1),
    City("06088", "Nice", "06000", "06", 43.7031, 7.2661, 3),
    City("06152", "Valbonne", "06560", "06", 43.6415, 7.0089, 1),
    City("44109", "Nantes", "44000", "44", 47.2184, -1.5536, 4),
    City("67482", "Strasbourg", "67000", "67", 48.5734, 7.7521, 3),
    City("34172", "Montpellier", "34000", "34", 43.6108, 3.8767, 3),
    City("33063", "Bordeaux", "33000", "33", 44.8378, -0.5792, 4),
    City("33281", "Mérignac", "33700", "33", 44.8386, -0.6436, 1),
    City("59350", "Lille", "59000", "59", 50.6292, 3.0573, 4),
    City("59512", "Roubaix", "59100", "59", 50.6942, 3.1746, 1),
    City("59009", "Villeneuve-d'Ascq", "59650", "59", 50.6233, 3.1450, 1),
    City("35238", "Rennes", "35000", "35", 48.1173, -1.6778, 3),
    City("35288", "Saint-Malo", "35400", "35", 48.6493, -2.0257, 1),
    City("51454", "Reims", "51100", "51", 49.2583, 4.0317, 2),
    City("76351", "Le Havre", "76600", "76", 49.4944, 0.1079, 2),
    City("76540", "Rouen", "76000", "76", 49.4432, 1.0999, 2),
    City("42218", "Saint-Étienne", "42000", "42", 45.4397, 4.3872, 2),
    City("83137", "Toulon", "83000", "83", 43.1242, 5.9280, 2),
    City("38185", "Grenoble", "38000", "38", 45.1885, 5.7245, 2),
    City("21231", "Dijon", "21000", "21", 47.3220, 5.0415, 2),
    City("49007", "Angers", "49000", "49", 47.4784, -0.5632, 2),
    City("49099", "Cholet", "49300", "49", 47.0600, -0.8789, 1),
    City("30189", "Nîmes", "30000", "30", 43.8367, 4.3601, 1),
    City("63113", "Clermont-Ferrand", "63000", "63", 45.7772, 3.0870, 2),
    City("72181", "Le Mans", "72000", "72", 48.0061, 0.1996, 1),
    City("29019", "Brest", "29200", "29", 48.3904, -4.4861, 1),
    City("29232", "Quimper", "29000", "29", 47.9960, -4.0970, 1),
    City("37261", "Tours", "37000", "37", 47.3941, 0.6848, 2),
    City("80021", "Amiens", "80000", "80", 49.8941, 2.2958, 1),
    City("87085", "Limoges", "87000", "87", 45.8336, 1.2611, 1),
    City("74010", "Annecy", "74000", "74", 45.8992, 6.1294, 1),
    City("73065", "Chambéry", "73000", "73", 45.5646, 5.9178, 1),
    City("66136", "Perpignan", "66000", "66", 42.6887, 2.8948, 1),
    City("57463", "Metz", "57000", "57", 49.1193, 6.1757, 1),
    City("54395", "Nancy", "54000", "54", 48.6921, 6.1844, 1),
    City("25056", "Besançon", "25000", "25", 47.2378, 6.0241, 1),
    City("45234", "Orléans", "45000", "45", 47.9030, 1.9093, 1),
    City("68224", "Mulhouse", "68100", "68", 47.7508, 7.3359, 1),
    City("68066", "Colmar", "68000", "68", 48.0794, 7.3585, 1),
    City("14118", "Caen", "14000", "14", 49.1829, -0.3707, 1),
    City("84007", "Avignon", "84000", "84", 43.9493, 4.8055, 1),
    City("86194", "Poitiers", "86000", "86", 46.5802, 0.3404, 1),
    City("79191", "Niort", "79000", "79", 46.3237, -0.4588, 1),
    City("64445", "Pau", "64000", "64", 43.2951, -0.3708, 1),
    City("64102", "Bayonne", "64100", "64", 43.4929, -1.4748, 1),
    City("17300", "La Rochelle", "17000", "17", 46.1603, -1.1511, 1),
    City("16015", "Angoulême", "16000", "16", 45.6484, 0.1562, 1),
    City("47001", "Agen", "47000", "47", 44.2033, 0.6163, 1),
    City("56260", "Vannes", "56000", "56", 47.6582, -2.7608, 1),
    City("26362", "Valence", "26000", "26", 44.9334, 4.8924, 1),
    City("10387", "Troyes", "10000", "10", 48.2973, 4.0744, 1),
    City("60057", "Beauvais", "60000", "60", 49.4295, 2.0807, 1),
    # Corsica: département "2A"/"2B", yet postal codes start with "20".
    City("2A004", "Ajaccio", "20000", "2A", 41.9192, 8.7386, 1),
    City("2B033", "Bastia", "20200", "2B", 42.6977, 9.4509, 1),
    # Overseas départements: 3-digit département codes.
    City("97209", "Fort-de-France", "97200", "972", 14.6161, -61.0588, 1),
    City("97411", "Saint-Denis", "97400", "974", -20.8823, 55.4504, 1),
)


# -------------------------------------------------------------------------------------- jobs (ROME)


class Title(NamedTuple):
    text: str  # ``intitule`` without its gender mark
    appellation: str  # ``appellationlibelle``
    keys: tuple[str, ...] = ()  # skills the title itself implies: always listed, as required ("E")


class Pay(NamedTuple):
    unit: str  # "A" annual, "M" monthly, "H" hourly: how employers of this job usually state pay
    low: float  # for a confirmed full-time profile, gross euros
    high: float


class Job(NamedTuple):
    rome: str
    label: str  # ROME 4.0 label, as France Travail returns it in ``romeLibelle``
    domain: str
    weight: int  # relative frequency inside its domain
    titles: tuple[Title, ...]
    skills: tuple[str, ...]
    missions: tuple[str, ...]
    pay: Pay
    qualification: str  # France Travail qualification code, see QUALIFICATIONS
    naf: tuple[str, ...]  # employer sectors, keys of NAF
    formation: tuple[str, str] | None = None  # (niveauLibelle, domaineLibelle)
    contracts: tuple[tuple[str, int], ...] | None = None  # overrides the domain's contract mix
    permis: tuple[str, str] | None = None  # (libelle, exigence)
    alternance_ok: bool = True


T = Title

QUALIFICATIONS = {
    "1": "Manoeuvre",
    "2": "Ouvrier spécialisé",
    "3": "Ouvrier qualifié (P1,P2)",
    "4": "Ouvrier qualifié (P3,P4,OHQ)",
    "5": "Employé non qualifié",
    "6": "Employé qualifié",
    "7": "Technicien",
    "8": "Agent de maîtrise",
    "9": "Cadre",
}

NAF = {
    "01.11Z": "Culture de céréales (à l'exception du riz), de légumineuses et de graines oléagineuses",
    "01.21Z": "Culture de la vigne",
    "01.24Z": "Culture de fruits à pépins et à noyau",
    "01.30Z": "Reproduction de plantes",
    "01.61Z": "Activités de soutien aux cultures",
    "10.13A": "Préparation industrielle de produits à base de viande",
    "10.71A": "Fabrication industrielle de pain et de pâtisserie fraîche",
    "22.29A": "Fabrication de pièces techniques à base de matières plastiques",
    "25.11Z": "Fabrication de structures métalliques et de parties de structures",
    "25.62B": "Mécanique industrielle",
    "29.32Z": "Fabrication d'autres équipements automobiles",
    "30.30Z": "Construction aéronautique et spatiale",
    "41.20A": "Construction de maisons individuelles",
    "42.11Z": "Construction de routes et autoroutes",
    "43.12A": "Travaux de terrassement courants et travaux préparatoires",
    "43.21A": "Travaux d'installation électrique dans tous locaux",
    "43.22A": "Travaux d'installation d'eau et de gaz en tous locaux",
    "43.99C": "Travaux de maçonnerie générale et gros œuvre de bâtiment",
    "46.90Z": "Commerce de gros (commerce interentreprises) non spécialisé",
    "47.11D": "Supermarchés",
    "47.11F": "Hypermarchés",
    "47.71Z": "Commerce de détail d'habillement en magasin spécialisé",
    "47.73Z": "Commerce de détail de produits pharmaceutiques en magasin spécialisé",
    "49.31Z": "Transports urbains et suburbains de voyageurs",
    "49.41A": "Transports routiers de fret interurbains",
    "52.10B": "Entreposage et stockage non frigorifique",
    "52.29A": "Messagerie, fret express",
    "55.10Z": "Hôtels et hébergement similaire",
    "56.10A": "Restauration traditionnelle",
    "56.10C": "Restauration de type rapide",
    "56.30Z": "Débits de boissons",
    "58.29C": "Edition de logiciels applicatifs",
    "62.01Z": "Programmation informatique",
    "62.02A": "Conseil en systèmes et logiciels informatiques",
    "62.03Z": "Gestion d'installations informatiques",
    "63.11Z": "Traitement de données, hébergement et activités connexes",
    "64.19Z": "Autres intermédiations monétaires",
    "65.12Z": "Autres assurances",
    "69.20Z": "Activités comptables",
    "70.10Z": "Activités des sièges sociaux",
    "70.22Z": "Conseil pour les affaires et autres conseils de gestion",
    "71.12B": "Ingénierie, études techniques",
    "72.19Z": "Recherche-développement en autres sciences physiques et naturelles",
    "73.11Z": "Activités des agences de publicité",
    "78.20Z": "Activités des agences de travail temporaire",
    "80.10Z": "Activités de sécurité privée",
    "81.21Z": "Nettoyage courant des bâtiments",
    "81.30Z": "Services d'aménagement paysager",
    "84.11Z": "Administration publique générale",
    "85.20Z": "Enseignement primaire",
    "85.31Z": "Enseignement secondaire général",
    "85.59A": "Formation continue d'adultes",
    "86.10Z": "Activités hospitalières",
    "86.21Z": "Activité des médecins généralistes",
    "86.90A": "Ambulances",
    "87.10A": "Hébergement médicalisé pour personnes âgées",
    "88.10A": "Aide à domicile",
    "88.91A": "Accueil de jeunes enfants",
    "93.29Z": "Autres activités récréatives et de loisirs",
    "96.02A": "Coiffure",
}

# Contract mixes that recur below.
_CDI_LIB = (("CDI", 70), ("CDD", 12), ("LIB", 18))
_SEASONAL = (("SAI", 60), ("CDD", 25), ("MIS", 15))

IT, SANTE, BTP, COMMERCE, HOTELLERIE = "informatique", "santé", "btp", "commerce", "hôtellerie-restauration"
TRANSPORT, INDUSTRIE, GESTION = "transport-logistique", "industrie", "banque-assurance-gestion"
EDUCATION, AGRICULTURE = "éducation-formation", "agriculture"
SERVICES, COMMUNICATION = "services-à-la-personne", "communication-marketing"

JOBS: tuple[Job, ...] = (
    # ---- informatique / data
    Job("M1805", "Développeur / Développeuse informatique", IT, 9,
        (T("Développeur Python / Data", "Développeur / Développeuse Python", ("Python", "SQL", "Pandas")),
         T("Développeur Python", "Développeur / Développeuse Python", ("Python", "Django")),
         T("Développeur Back-end Python", "Développeur / Développeuse back-end", ("Python", "FastAPI")),
         T("Développeur Full Stack Python / React", "Développeur / Développeuse full stack",
           ("Python", "React")),
         T("Développeur Java Spring", "Développeur / Développeuse Java", ("Java", "Spring Boot")),
         T("Développeur Front-end React", "Développeur / Développeuse front-end", ("React", "TypeScript")),
         T("Développeur .NET C#", "Développeur / Développeuse .NET", ("C#", ".NET")),
         T("Développeur PHP Symfony", "Développeur / Développeuse web", ("PHP", "Symfony")),
         T("Développeur Python Django", "Développeur / Développeuse web", ("Python", "Django")),
         T("Développeur Python Data / IA", "Développeur / Développeuse Python", ("Python", "Pandas", "SQL")),
         T("Ingénieur logiciel Python", "Ingénieur / Ingénieure logiciel", ("Python", "Git"))),
        ("Python", "SQL", "Java", "JavaScript", "TypeScript", "React", "Django", "FastAPI", "Spring Boot",
         "Docker", "Kubernetes", "Git", "PostgreSQL", "AWS", "API REST", "CI/CD", "Tests unitaires",
         "Pandas", "Linux", "PHP", "Symfony", "C#", ".NET"),
        ("Concevoir et développer de nouvelles fonctionnalités",
         "Participer aux revues de code et à l'amélioration continue de la qualité",
         "Rédiger les tests unitaires et la documentation technique",
         "Collaborer avec les équipes produit et data au sein d'une équipe agile"),
        Pay("A", 38000, 48000), "9", ("62.01Z", "62.02A", "58.29C"),
        ("Bac+5 et plus ou équivalents", "Informatique"), _CDI_LIB),
    Job("M1811", "Data engineer", IT, 5,
        (T("Data Engineer", "Data engineer", ("Python", "Spark", "SQL")),
         T("Data Engineer Python / AWS", "Data engineer", ("Python", "AWS", "Airflow")),
         T("Ingénieur Data", "Ingénieur / Ingénieure data", ("Python", "SQL", "dbt")),
         T("Développeur Big Data Spark", "Développeur / Développeuse big data", ("Spark", "Scala", "Kafka")),
         T("Data Engineer GCP", "Data engineer", ("Python", "BigQuery", "Airflow"))),
        ("Python", "SQL", "Spark", "Kafka", "Airflow", "dbt", "AWS", "GCP", "Snowflake", "Docker",
         "Kubernetes", "Terraform", "PostgreSQL", "Databricks"),
        ("Concevoir et industrialiser des pipelines de données batch et temps réel",
         "Modéliser les données et optimiser les requêtes SQL",
         "Mettre en place la supervision et le contrôle de la qualité des données",
         "Accompagner les data scientists dans la mise en production des modèles"),
        Pay("A", 45000, 55000), "9", ("62.02A", "63.11Z", "58.29C"),
        ("Bac+5 et plus ou équivalents", "Informatique"), _CDI_LIB),
    Job("M1405", "Data scientist", IT, 4,
        (T("Data Scientist", "Data scientist", ("Python", "Machine learning", "SQL")),
         T("Data Scientist NLP", "Data scientist", ("Python", "NLP", "PyTorch")),
         T("Data Scientist Python", "Data scientist", ("Python", "Pandas", "scikit-learn")),
         T("Data Analyst", "Data analyst", ("SQL", "Power BI", "Python")),
         T("Ingénieur Machine Learning", "Ingénieur / Ingénieure machine learning",
           ("Python", "scikit-learn", "MLOps"))),
        ("Python", "SQL", "Machine learning", "scikit-learn", "PyTorch", "Pandas", "Statistiques", "NLP",
         "Power BI", "Spark", "MLOps", "Deep learning"),
        ("Explorer et analyser de grands volumes de données",
         "Concevoir, entraîner et évaluer des modèles de machine learning",
         "Restituer les résultats aux équipes métier sous forme de tableaux de bord",
         "Industrialiser les modèles avec les data engineers"),
        Pay("A", 43000, 55000), "9", ("62.02A", "63.11Z", "70.22Z"),
        ("Bac+5 et plus ou équivalents", "Statistiques"), _CDI_LIB),
    Job("M1810", "Technicien / Technicienne informatique", IT, 3,
        (T("Technicien support informatique", "Technicien / Technicienne de support informatique"),
         T("Technicien helpdesk N1/N2", "Technicien / Technicienne helpdesk"),
         T("Technicien de proximité", "Technicien / Technicienne de proximité informatique")),
        ("Windows", "Active Directory", "Office 365", "Support utilisateurs", "ITIL", "GLPI",
         "Réseaux TCP/IP"),
        ("Assurer le support de niveau 1 et 2 auprès des utilisateurs",
         "Installer et configurer les postes de travail et les périphériques",
         "Suivre les incidents dans l'outil de ticketing",
         "Participer au renouvellement du parc informatique"),
        Pay("M", 2000, 2400), "7", ("62.03Z", "62.02A"), ("Bac+2 ou équivalents", "Informatique")),
    Job("M1801", "Administrateur / Administratrice de systèmes d'information (SI)", IT, 2,
        (T("Administrateur systèmes Linux", "Administrateur / Administratrice systèmes", ("Linux",)),
         T("Administrateur systèmes et réseaux", "Administrateur / Administratrice systèmes et réseaux")),
        ("Linux", "Windows Server", "VMware", "Ansible", "Bash", "Active Directory", "Zabbix", "Sauvegarde"),
        ("Administrer les serveurs Linux et Windows de production",
         "Automatiser les tâches d'exploitation et les déploiements",
         "Garantir la sauvegarde et la sécurité des données",
         "Assurer le maintien en condition opérationnelle de l'infrastructure"),
        Pay("A", 38000, 46000), "8", ("62.03Z", "62.02A"), ("Bac+3, Bac+4 ou équivalents", "Informatique")),
    Job("M1802", "Expert / Experte systèmes et réseaux informatiques", IT, 2,
        (T("Ingénieur DevOps", "Ingénieur / Ingénieure DevOps", ("Kubernetes", "Docker", "Terraform")),
         T("Ingénieur Cloud AWS", "Ingénieur / Ingénieure cloud", ("AWS", "Terraform")),
         T("Ingénieur SRE", "Ingénieur / Ingénieure fiabilité", ("Kubernetes", "Prometheus"))),
        ("Kubernetes", "Docker", "Terraform", "AWS", "Azure", "GCP", "Ansible", "Linux", "CI/CD",
         "Prometheus", "Python"),
        ("Concevoir et maintenir l'infrastructure cloud en infrastructure as code",
         "Déployer et superviser les clusters Kubernetes",
         "Améliorer les chaînes CI/CD des équipes de développement",
         "Participer aux astreintes et à la résolution des incidents"),
        Pay("A", 48000, 60000), "9", ("62.02A", "63.11Z"), ("Bac+5 et plus ou équivalents", "Informatique"),
        _CDI_LIB),
    Job("M1806", "Product Owner", IT, 1,
        (T("Product Owner", "Product owner"), T("Product Owner Data", "Product owner", ("SQL",))),
        ("Scrum", "Jira", "Rédaction de user stories", "Gestion du backlog", "SQL", "UX design"),
        ("Recueillir les besoins des utilisateurs et rédiger les user stories",
         "Prioriser le backlog produit avec les parties prenantes",
         "Animer les cérémonies agiles avec l'équipe de développement",
         "Suivre les indicateurs d'usage du produit"),
        Pay("A", 45000, 55000), "9", ("58.29C", "62.02A"), ("Bac+5 et plus ou équivalents", "Informatique")),
    Job("M1819", "Ingénieur / Ingénieure sécurité informatique", IT, 1,
        (T("Ingénieur cybersécurité", "Ingénieur / Ingénieure cybersécurité"),
         T("Analyste SOC", "Analyste SOC", ("SIEM",))),
        ("SIEM", "ISO 27001", "Tests d'intrusion", "EBIOS RM", "Pare-feu", "Linux", "Python"),
        ("Analyser les alertes de sécurité et traiter les incidents",
         "Réaliser des audits et des tests d'intrusion",
         "Définir les politiques de sécurité du système d'information",
         "Sensibiliser les collaborateurs aux bonnes pratiques"),
        Pay("A", 45000, 58000), "9", ("62.02A", "62.03Z"), ("Bac+5 et plus ou équivalents", "Informatique")),
    Job("M1853", "Chef / Cheffe de projet étude et développement informatique", IT, 2,
        (T("Chef de projet informatique", "Chef / Cheffe de projet informatique"),
         T("Chef de projet digital", "Chef / Cheffe de projet digital")),
        ("Gestion de projet", "Méthodes agiles", "Jira", "MS Project", "Pilotage budgétaire", "Recette"),
        ("Piloter les projets informatiques du cadrage à la mise en production",
         "Coordonner les équipes techniques et les prestataires",
         "Suivre le planning, le budget et les risques",
         "Organiser la recette et l'accompagnement au changement"),
        Pay("A", 45000, 55000), "9", ("62.02A", "70.22Z"), ("Bac+5 et plus ou équivalents", "Informatique")),
    Job("M1815", "Spécialiste test et validation logiciel ou application", IT, 1,
        (T("Testeur QA", "Testeur / Testeuse logiciel"),
         T("Ingénieur test et automatisation", "Ingénieur / Ingénieure test", ("Selenium", "Python"))),
        ("Selenium", "Cypress", "Python", "Jira", "Tests fonctionnels", "Postman", "Robot Framework"),
        ("Rédiger les plans de test et les cas de test",
         "Automatiser les tests de non-régression",
         "Suivre les anomalies avec les équipes de développement",
         "Participer à la recette des nouvelles versions"),
        Pay("A", 35000, 45000), "8", ("62.02A", "58.29C"), ("Bac+3, Bac+4 ou équivalents", "Informatique")),
    # ---- santé
    Job("J1506", "Infirmier / Infirmière en soins généraux (IDE)", SANTE, 4,
        (T("Infirmier", "Infirmier / Infirmière en soins généraux"),
         T("Infirmier diplômé d'État", "Infirmier / Infirmière en soins généraux"),
         T("Infirmier de nuit", "Infirmier / Infirmière de nuit"),
         T("Infirmier en EHPAD", "Infirmier / Infirmière en soins généraux")),
        ("Réaliser des soins infirmiers", "Administrer les traitements médicamenteux",
         "Surveiller l'état de santé des patients", "Tenir le dossier de soins", "Gestes d'urgence",
         "Hygiène hospitalière"),
        ("Réaliser les soins techniques et relationnels auprès des patients",
         "Préparer et administrer les traitements prescrits",
         "Assurer la traçabilité des soins dans le dossier patient",
         "Travailler en lien avec les médecins et les aides-soignants"),
        Pay("M", 2300, 2700), "7", ("86.10Z", "87.10A"), ("Bac+3, Bac+4 ou équivalents", "Soins infirmiers"),
        (("CDI", 55), ("CDD", 25), ("MIS", 8), ("LIB", 12)), alternance_ok=False),
    Job("J1501", "Aide-soignant / Aide-soignante", SANTE, 4,
        (T("Aide-soignant", "Aide-soignant / Aide-soignante"),
         T("Aide-soignant de nuit", "Aide-soignant / Aide-soignante de nuit"),
         T("Aide-soignant en EHPAD", "Aide-soignant / Aide-soignante")),
        ("Aide à la toilette", "Surveiller l'état de santé des patients", "Aide aux repas",
         "Hygiène hospitalière", "Transmissions ciblées", "Prévention des escarres"),
        ("Accompagner les résidents dans les actes de la vie quotidienne",
         "Réaliser les soins d'hygiène et de confort",
         "Observer et transmettre les informations à l'équipe infirmière",
         "Participer à l'animation et au bien-être des résidents"),
        Pay("M", 1850, 2100), "6", ("87.10A", "86.10Z"), ("CAP, BEP et équivalents", "Aide-soignant")),
    Job("J1102", "Médecin généraliste", SANTE, 1,
        (T("Médecin généraliste", "Médecin généraliste"),
         T("Médecin généraliste en centre de santé", "Médecin généraliste")),
        ("Établir un diagnostic", "Prescrire un traitement", "Suivi des patients chroniques",
         "Prévention et éducation à la santé", "Dossier médical informatisé"),
        ("Assurer les consultations de médecine générale",
         "Suivre les patients atteints de maladies chroniques",
         "Participer aux actions de prévention du centre",
         "Coordonner le parcours de soins avec les spécialistes"),
        Pay("A", 80000, 110000), "9", ("86.21Z",), ("Bac+5 et plus ou équivalents", "Médecine"),
        (("CDI", 50), ("CDD", 15), ("LIB", 35)), alternance_ok=False),
    Job("J1202", "Pharmacien / Pharmacienne", SANTE, 1,
        (T("Pharmacien adjoint", "Pharmacien adjoint / Pharmacienne adjointe d'officine"),
         T("Pharmacien d'officine", "Pharmacien / Pharmacienne d'officine")),
        ("Analyse des ordonnances", "Conseil pharmaceutique", "Délivrer les médicaments",
         "Gestion des stocks", "Logiciel de gestion d'officine"),
        ("Analyser et délivrer les ordonnances",
         "Conseiller les patients sur les traitements et la parapharmacie",
         "Encadrer l'équipe de préparateurs",
         "Participer à la gestion des stocks et des commandes"),
        Pay("A", 50000, 60000), "9", ("47.73Z",), ("Bac+5 et plus ou équivalents", "Pharmacie"),
        alternance_ok=False),
    Job("J1301", "Agent / Agente de service hospitalier (ASH)", SANTE, 2,
        (T("Agent de service hospitalier", "Agent / Agente de service hospitalier"),
         T("ASH en EHPAD", "Agent / Agente de service hospitalier")),
        ("Entretien des locaux", "Protocoles de bionettoyage", "Service des repas", "Hygiène hospitalière"),
        ("Assurer l'entretien et le bionettoyage des chambres et des locaux",
         "Participer au service des repas",
         "Respecter les protocoles d'hygiène de l'établissement"),
        Pay("M", 1801.8, 1900), "5", ("87.10A", "86.10Z")),
    Job("J1404", "Kinésithérapeute", SANTE, 1,
        (T("Masseur-kinésithérapeute", "Masseur-kinésithérapeute"),
         T("Kinésithérapeute", "Masseur-kinésithérapeute")),
        ("Rééducation fonctionnelle", "Bilan kinésithérapique", "Massages thérapeutiques",
         "Kinésithérapie respiratoire"),
        ("Réaliser les bilans et les séances de rééducation",
         "Élaborer les programmes de soins personnalisés",
         "Travailler en coordination avec l'équipe pluridisciplinaire"),
        Pay("A", 36000, 45000), "8", ("86.10Z", "87.10A"), ("Bac+5 et plus ou équivalents", "Kinésithérapie"),
        (("CDI", 40), ("CDD", 10), ("LIB", 50)), alternance_ok=False),
    Job("J1307", "Préparateur / Préparatrice en pharmacie", SANTE, 1,
        (T("Préparateur en pharmacie", "Préparateur / Préparatrice en pharmacie"),),
        ("Délivrer les médicaments", "Conseil en parapharmacie", "Gestion des stocks",
         "Préparations magistrales", "Logiciel de gestion d'officine"),
        ("Délivrer les médicaments sous le contrôle du pharmacien",
         "Conseiller la clientèle en parapharmacie",
         "Réceptionner les commandes et gérer les stocks"),
        Pay("M", 1900, 2200), "6", ("47.73Z",), ("Bac ou équivalent", "Pharmacie")),
    Job("J1304", "Auxiliaire de puériculture", SANTE, 1,
        (T("Auxiliaire de puériculture", "Auxiliaire de puériculture"),),
        ("Soins d'hygiène du jeune enfant", "Éveil de l'enfant", "Règles d'hygiène et de sécurité",
         "Accueil des familles"),
        ("Accueillir les enfants et leurs familles",
         "Assurer les soins d'hygiène et les repas des enfants",
         "Proposer des activités d'éveil adaptées à chaque âge"),
        Pay("M", 1850, 2100), "6", ("88.91A", "86.10Z"), ("CAP, BEP et équivalents", "Petite enfance")),
    Job("J1305", "Ambulancier / Ambulancière", SANTE, 1,
        (T("Ambulancier", "Ambulancier / Ambulancière"),
         T("Ambulancier DEA", "Ambulancier / Ambulancière")),
        ("Transport sanitaire", "Gestes d'urgence", "Conduite de véhicule sanitaire",
         "Désinfection du véhicule"),
        ("Assurer le transport des patients en ambulance ou en VSL",
         "Installer et accompagner les patients en toute sécurité",
         "Entretenir et désinfecter le véhicule"),
        Pay("M", 1900, 2200), "6", ("86.90A",), permis=("B - Véhicule léger", "E")),
    # ---- BTP
    Job("F1703", "Maçon / Maçonne", BTP, 3,
        (T("Maçon", "Maçon / Maçonne"), T("Maçon coffreur", "Maçon coffreur / Maçonne coffreuse"),
         T("Maçon qualifié", "Maçon / Maçonne")),
        ("Lecture de plans", "Coffrage", "Montage de murs en parpaings", "Réalisation de fondations",
         "Ferraillage", "Règles de sécurité sur chantier"),
        ("Réaliser les travaux de gros œuvre sur des chantiers de maisons individuelles",
         "Monter les murs, poser les coffrages et couler les dalles",
         "Lire les plans et respecter les consignes du chef de chantier"),
        Pay("H", 12.5, 15.0), "3", ("43.99C", "41.20A"), ("CAP, BEP et équivalents", "Maçonnerie")),
    Job("F1603", "Plombier / Plombière", BTP, 2,
        (T("Plombier chauffagiste", "Plombier chauffagiste / Plombière chauffagiste"),
         T("Plombier", "Plombier / Plombière")),
        ("Installation sanitaire", "Soudure cuivre", "Pose de chaudière", "Dépannage", "Lecture de plans"),
        ("Installer les réseaux de plomberie et les équipements sanitaires",
         "Poser et mettre en service des systèmes de chauffage",
         "Intervenir en dépannage chez les particuliers"),
        Pay("M", 2100, 2500), "4", ("43.22A",), ("CAP, BEP et équivalents", "Plomberie"),
        permis=("B - Véhicule léger", "S")),
    Job("F1602", "Électricien / Électricienne du bâtiment", BTP, 2,
        (T("Électricien du bâtiment", "Électricien / Électricienne du bâtiment"),
         T("Électricien tertiaire", "Électricien / Électricienne tertiaire")),
        ("Habilitation électrique", "Lecture de schémas électriques", "Tirage de câbles",
         "Pose d'appareillages", "Courants faibles"),
        ("Réaliser l'installation électrique de bâtiments neufs ou en rénovation",
         "Poser les chemins de câbles, tableaux et appareillages",
         "Contrôler la conformité des installations"),
        Pay("M", 2000, 2400), "4", ("43.21A",), ("CAP, BEP et équivalents", "Électricité")),
    Job("F1106", "Ingénieur / Ingénieure d'études BTP", BTP, 1,
        (T("Ingénieur études de prix", "Ingénieur / Ingénieure études de prix"),
         T("Ingénieur structure", "Ingénieur / Ingénieure structure", ("Calcul de structures",))),
        ("Autocad", "Revit", "Calcul de structures", "Eurocodes", "Métrés", "Chiffrage"),
        ("Analyser les dossiers de consultation et chiffrer les projets",
         "Réaliser les notes de calcul et les plans d'exécution",
         "Travailler en lien avec les conducteurs de travaux"),
        Pay("A", 40000, 50000), "9", ("71.12B",), ("Bac+5 et plus ou équivalents", "Génie civil")),
    Job("F1201", "Conducteur / Conductrice de travaux", BTP, 2,
        (T("Conducteur de travaux", "Conducteur / Conductrice de travaux"),
         T("Conducteur de travaux TCE", "Conducteur / Conductrice de travaux tous corps d'état")),
        ("Gestion de chantier", "Planification", "Suivi budgétaire", "Encadrement d'équipe",
         "Règles de sécurité sur chantier", "MS Project"),
        ("Piloter plusieurs chantiers de la préparation à la livraison",
         "Gérer les budgets, les plannings et les sous-traitants",
         "Garantir la sécurité et la qualité sur les chantiers"),
        Pay("A", 42000, 52000), "8", ("41.20A", "43.99C"), ("Bac+2 ou équivalents", "Bâtiment")),
    Job("F1202", "Chef / Cheffe de chantier", BTP, 1,
        (T("Chef de chantier gros œuvre", "Chef / Cheffe de chantier"),
         T("Chef d'équipe BTP", "Chef / Cheffe d'équipe")),
        ("Encadrement d'équipe", "Lecture de plans", "Règles de sécurité sur chantier",
         "Organisation de chantier", "Coffrage"),
        ("Organiser et encadrer les équipes sur le chantier",
         "Veiller au respect des délais, de la qualité et de la sécurité",
         "Assurer le lien avec le conducteur de travaux"),
        Pay("M", 2600, 3100), "8", ("43.99C", "41.20A")),
    Job("F1104", "Dessinateur / Dessinatrice du BTP", BTP, 1,
        (T("Dessinateur projeteur BTP", "Dessinateur projeteur / Dessinatrice projeteuse"),
         T("Dessinateur Revit", "Dessinateur / Dessinatrice BIM", ("Revit",))),
        ("Autocad", "Revit", "BIM", "Lecture de plans", "Métrés"),
        ("Réaliser les plans d'exécution sur Autocad et Revit",
         "Mettre à jour les maquettes BIM",
         "Travailler avec les bureaux d'études et les architectes"),
        Pay("A", 32000, 40000), "7", ("71.12B",), ("Bac+2 ou équivalents", "Dessin du bâtiment")),
    Job("F1302", "Conducteur / Conductrice d'engins de chantier", BTP, 1,
        (T("Conducteur d'engins de chantier", "Conducteur / Conductrice d'engins de chantier"),
         T("Conducteur de pelle hydraulique", "Conducteur / Conductrice de pelle hydraulique")),
        ("CACES R482", "Terrassement", "Entretien des engins", "Règles de sécurité sur chantier"),
        ("Conduire les pelles et chargeuses sur les chantiers de terrassement",
         "Réaliser l'entretien courant des engins",
         "Respecter les plans et les consignes de sécurité"),
        Pay("H", 13.0, 16.0), "4", ("43.12A", "42.11Z")),
    # ---- commerce / vente
    Job("D1214", "Vendeur / Vendeuse en prêt-à-porter", COMMERCE, 2,
        (T("Vendeur en prêt-à-porter", "Vendeur / Vendeuse en prêt-à-porter"),
         T("Conseiller de vente", "Conseiller / Conseillère de vente")),
        ("Accueil client", "Techniques de vente", "Encaissement", "Merchandising", "Gestion des stocks"),
        ("Accueillir et conseiller la clientèle en boutique",
         "Participer à la mise en valeur des collections",
         "Assurer l'encaissement et le réassort"),
        Pay("H", SMIC_HOURLY, 12.8), "6", ("47.71Z",)),
    Job("D1402", "Commercial / Commerciale grands comptes et entreprises", COMMERCE, 2,
        (T("Commercial B2B", "Commercial / Commerciale grands comptes"),
         T("Business Developer", "Business developer"),
         T("Ingénieur commercial", "Ingénieur commercial / Ingénieure commerciale")),
        ("Prospection commerciale", "Négociation commerciale", "CRM Salesforce",
         "Gestion de portefeuille clients", "Anglais professionnel"),
        ("Prospecter de nouveaux clients professionnels",
         "Négocier et conclure les contrats",
         "Développer et fidéliser un portefeuille de comptes clés"),
        Pay("A", 35000, 45000), "8", ("46.90Z", "62.02A"), ("Bac+3, Bac+4 ou équivalents", "Commerce"),
        (("CDI", 80), ("CCE", 12), ("CDD", 8))),
    Job("D1403", "Commercial / Commerciale auprès des particuliers", COMMERCE, 1,
        (T("Commercial terrain", "Commercial / Commerciale auprès des particuliers"),
         T("Conseiller commercial", "Conseiller commercial / Conseillère commerciale")),
        ("Prospection commerciale", "Techniques de vente", "Négociation commerciale",
         "Suivi de la relation client"),
        ("Prospecter une clientèle de particuliers sur votre secteur",
         "Présenter les offres et conclure les ventes",
         "Assurer le suivi des clients après la vente"),
        Pay("M", 1900, 2500), "6", ("46.90Z",), None, (("CDI", 55), ("CCE", 35), ("CDD", 10)),
        permis=("B - Véhicule léger", "E")),
    Job("D1505", "Caissier / Caissière", COMMERCE, 2,
        (T("Hôte de caisse", "Hôte / Hôtesse de caisse"), T("Caissier", "Caissier / Caissière")),
        ("Encaissement", "Accueil client", "Gestion de la caisse", "Mise en rayon"),
        ("Accueillir les clients et enregistrer les achats",
         "Tenir sa caisse et effectuer les opérations de clôture",
         "Participer à la mise en rayon en dehors des pics d'affluence"),
        Pay("H", SMIC_HOURLY, 12.3), "5", ("47.11F", "47.11D")),
    Job("D1507", "Employé / Employée de libre-service", COMMERCE, 2,
        (T("Employé libre-service", "Employé / Employée de libre-service"),
         T("Employé de rayon", "Employé / Employée de rayon")),
        ("Mise en rayon", "Gestion des stocks", "Rotation des produits", "Accueil client", "Transpalette"),
        ("Mettre en rayon les produits et assurer le facing",
         "Contrôler les dates et la rotation des produits",
         "Renseigner les clients dans les allées du magasin"),
        Pay("H", SMIC_HOURLY, 12.5), "5", ("47.11F", "47.11D")),
    Job("D1401", "Assistant commercial / Assistante commerciale", COMMERCE, 1,
        (T("Assistant commercial", "Assistant commercial / Assistante commerciale"),
         T("Assistant ADV", "Assistant / Assistante administration des ventes")),
        ("Administration des ventes", "Pack Office", "Suivi des commandes", "Relation client", "SAP"),
        ("Traiter les commandes et suivre les livraisons",
         "Établir les devis et les factures",
         "Assurer le lien entre les clients et les commerciaux"),
        Pay("M", 2000, 2300), "6", ("46.90Z",), ("Bac+2 ou équivalents", "Commerce")),
    Job("D1301", "Responsable de magasin", COMMERCE, 1,
        (T("Responsable de magasin", "Responsable de magasin"),
         T("Directeur de magasin", "Directeur / Directrice de magasin")),
        ("Management d'équipe", "Gestion d'un compte d'exploitation", "Merchandising", "Recrutement",
         "Gestion des stocks"),
        ("Manager et animer l'équipe de vente",
         "Piloter le chiffre d'affaires et la marge du magasin",
         "Garantir la bonne tenue du magasin et la satisfaction client"),
        Pay("A", 32000, 40000), "8", ("47.71Z", "47.11D"), ("Bac+2 ou équivalents", "Commerce"),
        (("CDI", 75), ("FRA", 20), ("CDD", 5))),
    Job("D1502", "Chef / Cheffe de rayon alimentaire", COMMERCE, 1,
        (T("Chef de rayon frais", "Chef / Cheffe de rayon produits frais"),
         T("Chef de rayon", "Chef / Cheffe de rayon")),
        ("Management d'équipe", "Gestion des stocks", "Commandes fournisseurs", "Merchandising",
         "Hygiène alimentaire HACCP"),
        ("Encadrer l'équipe du rayon",
         "Passer les commandes et suivre les marges",
         "Garantir la fraîcheur et la présentation des produits"),
        Pay("M", 2200, 2700), "8", ("47.11F", "47.11D")),
    # ---- hôtellerie / restauration
    Job("G1609", "Cuisinier / Cuisinière", HOTELLERIE, 3,
        (T("Cuisinier", "Cuisinier / Cuisinière"), T("Cuisinier traditionnel", "Cuisinier / Cuisinière"),
         T("Chef de partie", "Chef / Cheffe de partie")),
        ("Préparation des plats", "Hygiène alimentaire HACCP", "Dressage des assiettes",
         "Gestion des stocks", "Cuisine traditionnelle"),
        ("Préparer les plats de la carte dans le respect des fiches techniques",
         "Participer à la mise en place et au dressage",
         "Appliquer les règles d'hygiène HACCP"),
        Pay("M", 1900, 2300), "6", ("56.10A",), ("CAP, BEP et équivalents", "Cuisine")),
    Job("G1602", "Commis / Commise de cuisine", HOTELLERIE, 2,
        (T("Commis de cuisine", "Commis / Commise de cuisine"),),
        ("Épluchage et découpe des légumes", "Mise en place", "Hygiène alimentaire HACCP", "Plonge"),
        ("Réaliser la mise en place et les préparations de base",
         "Aider le chef de partie pendant le service",
         "Entretenir le poste de travail et la cuisine"),
        Pay("H", SMIC_HOURLY, 12.5), "5", ("56.10A",)),
    Job("G1603", "Équipier polyvalent / Équipière polyvalente de restauration rapide", HOTELLERIE, 2,
        (T("Équipier polyvalent", "Équipier polyvalent / Équipière polyvalente"),),
        ("Prise de commande", "Encaissement", "Préparation des commandes", "Hygiène alimentaire HACCP"),
        ("Prendre les commandes et encaisser les clients",
         "Préparer les produits dans le respect des standards",
         "Maintenir la propreté du restaurant"),
        Pay("H", SMIC_HOURLY, 12.2), "5", ("56.10C",)),
    Job("G1803", "Serveur / Serveuse en restauration", HOTELLERIE, 3,
        (T("Serveur", "Serveur / Serveuse en restauration"), T("Chef de rang", "Chef / Cheffe de rang")),
        ("Service en salle", "Prise de commande", "Encaissement", "Accueil client", "Anglais"),
        ("Accueillir et installer les clients",
         "Prendre les commandes et assurer le service",
         "Conseiller les clients sur les vins et les plats du jour"),
        Pay("H", SMIC_HOURLY, 13.0), "6", ("56.10A", "56.30Z")),
    Job("G1703", "Réceptionniste", HOTELLERIE, 1,
        (T("Réceptionniste", "Réceptionniste en hôtellerie"),
         T("Réceptionniste de nuit", "Réceptionniste de nuit")),
        ("Accueil client", "Anglais", "Logiciel de réservation", "Encaissement",
         "Gestion des réclamations"),
        ("Accueillir les clients et gérer les arrivées et départs",
         "Traiter les réservations et les demandes des clients",
         "Assurer la facturation et la clôture de caisse"),
        Pay("M", 1850, 2100), "6", ("55.10Z",)),
    Job("G1501", "Employé / Employée d'étage", HOTELLERIE, 1,
        (T("Femme de chambre / Valet de chambre", "Employé / Employée d'étage"),
         T("Employé d'étage", "Employé / Employée d'étage")),
        ("Entretien des chambres", "Règles d'hygiène", "Gestion du linge",
         "Utilisation des produits d'entretien"),
        ("Nettoyer et préparer les chambres selon les standards de l'hôtel",
         "Réapprovisionner le linge et les produits d'accueil",
         "Signaler toute anomalie à la gouvernante"),
        Pay("H", SMIC_HOURLY, 12.3), "5", ("55.10Z",)),
    Job("G1801", "Barman / Barmaid", HOTELLERIE, 1,
        (T("Barman", "Barman / Barmaid"), T("Barman cocktails", "Barman / Barmaid")),
        ("Préparation de cocktails", "Service au bar", "Encaissement", "Gestion des stocks", "Anglais"),
        ("Préparer et servir les boissons et cocktails",
         "Accueillir et conseiller la clientèle",
         "Gérer les stocks et l'entretien du bar"),
        Pay("H", 12.0, 13.5), "6", ("56.30Z",)),
    # ---- transport / logistique
    Job("N1103", "Préparateur / Préparatrice de commandes", TRANSPORT, 4,
        (T("Préparateur de commandes", "Préparateur / Préparatrice de commandes"),
         T("Préparateur de commandes CACES 1", "Préparateur / Préparatrice de commandes",
           ("CACES R489 catégorie 1",))),
        ("Préparation de commandes", "Lecture de bons de commande", "Terminal de radiofréquence",
         "CACES R489 catégorie 1", "Port de charges"),
        ("Préparer les commandes à l'aide d'un terminal de saisie",
         "Contrôler les produits et emballer les colis",
         "Respecter les cadences et les consignes de sécurité"),
        Pay("H", SMIC_HOURLY, 12.8), "2", ("52.10B",)),
    Job("N4101", "Conducteur / Conductrice de poids lourd", TRANSPORT, 2,
        (T("Chauffeur poids lourd", "Conducteur / Conductrice de poids lourd"),
         T("Chauffeur SPL", "Conducteur / Conductrice de super poids lourd"),
         T("Conducteur routier", "Conducteur routier / Conductrice routière")),
        ("FIMO / FCO", "Chronotachygraphe", "Arrimage des marchandises", "Livraison",
         "Règles de circulation"),
        ("Assurer le transport de marchandises en régional ou national",
         "Charger, arrimer et décharger les marchandises",
         "Contrôler son véhicule avant chaque départ"),
        Pay("M", 2100, 2500), "4", ("49.41A",), permis=("C - Poids lourd", "E")),
    Job("N1101", "Cariste", TRANSPORT, 2,
        (T("Cariste", "Cariste"), T("Cariste CACES 3", "Cariste", ("CACES R489 catégorie 3",))),
        ("CACES R489 catégorie 3", "CACES R489 catégorie 5", "Gestion des stocks",
         "Chargement et déchargement de camions", "Inventaire"),
        ("Charger et décharger les camions",
         "Ranger les palettes en stock et alimenter les lignes",
         "Participer aux inventaires"),
        Pay("H", 12.0, 13.0), "3", ("52.10B",)),
    Job("N4105", "Chauffeur-livreur / Chauffeuse-livreuse", TRANSPORT, 2,
        (T("Chauffeur livreur", "Chauffeur-livreur / Chauffeuse-livreuse"),
         T("Livreur VL", "Chauffeur-livreur / Chauffeuse-livreuse")),
        ("Livraison", "Relation client", "Terminal de livraison", "Optimisation de tournée"),
        ("Livrer les colis auprès des particuliers et des professionnels",
         "Optimiser sa tournée quotidienne",
         "Assurer la remise en main propre et le suivi des livraisons"),
        Pay("H", SMIC_HOURLY, 12.8), "6", ("52.29A",), permis=("B - Véhicule léger", "E")),
    Job("N1303", "Approvisionneur / Approvisionneuse logistique", TRANSPORT, 1,
        (T("Approvisionneur", "Approvisionneur / Approvisionneuse"),
         T("Gestionnaire approvisionnement", "Gestionnaire approvisionnement")),
        ("SAP", "Excel", "Gestion des stocks", "Relation fournisseurs", "Prévisions de ventes"),
        ("Passer les commandes auprès des fournisseurs",
         "Suivre les niveaux de stock et anticiper les ruptures",
         "Analyser les indicateurs d'approvisionnement"),
        Pay("A", 28000, 34000), "7", ("46.90Z", "52.10B"), ("Bac+2 ou équivalents", "Logistique")),
    Job("N4102", "Conducteur / Conductrice de transport de particuliers", TRANSPORT, 1,
        (T("Conducteur de bus", "Conducteur / Conductrice de bus"),
         T("Conducteur de car scolaire", "Conducteur / Conductrice de car")),
        ("FIMO voyageurs", "Accueil des voyageurs", "Sécurité des passagers", "Vente de titres de transport"),
        ("Assurer le transport des voyageurs sur les lignes régulières",
         "Accueillir les passagers et vendre les titres de transport",
         "Veiller à la sécurité et au confort des passagers"),
        Pay("M", 2000, 2300), "6", ("49.31Z",), permis=("D - Transport en commun", "E")),
    Job("N1301", "Responsable logistique", TRANSPORT, 1,
        (T("Responsable logistique", "Responsable logistique"),
         T("Responsable d'entrepôt", "Responsable d'entrepôt")),
        ("Management d'équipe", "WMS", "Lean management", "Gestion des flux", "Excel"),
        ("Piloter l'activité de l'entrepôt et les flux de marchandises",
         "Encadrer les chefs d'équipe et les préparateurs",
         "Suivre les indicateurs de performance et de sécurité"),
        Pay("A", 42000, 52000), "9", ("52.10B",), ("Bac+5 et plus ou équivalents", "Logistique")),
    # ---- industrie
    Job("H2913", "Soudeur / Soudeuse", INDUSTRIE, 2,
        (T("Soudeur", "Soudeur / Soudeuse"), T("Soudeur TIG", "Soudeur / Soudeuse TIG", ("Soudure TIG",)),
         T("Soudeur MIG/MAG", "Soudeur / Soudeuse semi-automatique", ("Soudure MIG/MAG",))),
        ("Soudure TIG", "Soudure MIG/MAG", "Lecture de plans", "Contrôle qualité", "Meulage"),
        ("Souder des pièces et ensembles métalliques selon les plans",
         "Préparer et assembler les pièces avant soudure",
         "Contrôler la qualité des soudures"),
        Pay("H", 12.5, 15.0), "4", ("25.62B", "25.11Z"), ("CAP, BEP et équivalents", "Soudage")),
    Job("H2903", "Tourneur-fraiseur / Tourneuse-fraiseuse", INDUSTRIE, 1,
        (T("Tourneur fraiseur", "Tourneur-fraiseur / Tourneuse-fraiseuse"),
         T("Opérateur usinage commande numérique", "Opérateur / Opératrice d'usinage")),
        ("Programmation commande numérique", "Usinage", "Lecture de plans", "Métrologie",
         "Réglage de machines"),
        ("Usiner des pièces sur tours et fraiseuses à commande numérique",
         "Régler les machines et contrôler les cotes",
         "Assurer le suivi de production"),
        Pay("H", 13.0, 16.0), "4", ("25.62B",), ("Bac ou équivalent", "Usinage")),
    Job("I1304", "Technicien / Technicienne de maintenance industrielle", INDUSTRIE, 2,
        (T("Technicien de maintenance industrielle", "Technicien / Technicienne de maintenance industrielle"),
         T("Technicien de maintenance électromécanique", "Technicien / Technicienne de maintenance")),
        ("Électromécanique", "Automatismes", "Habilitation électrique", "Maintenance préventive", "GMAO",
         "Pneumatique"),
        ("Réaliser la maintenance préventive et curative des équipements",
         "Diagnostiquer les pannes électriques et mécaniques",
         "Proposer des améliorations pour fiabiliser les lignes"),
        Pay("A", 30000, 38000), "7", ("10.71A", "29.32Z", "22.29A"), ("Bac+2 ou équivalents", "Maintenance")),
    Job("H2102", "Conducteur / Conductrice de ligne en industrie alimentaire", INDUSTRIE, 2,
        (T("Conducteur de ligne", "Conducteur / Conductrice de ligne"),
         T("Opérateur de production agroalimentaire", "Opérateur / Opératrice de production")),
        ("Conduite de ligne", "Hygiène alimentaire HACCP", "Réglage de machines", "Contrôle qualité",
         "Bonnes pratiques de fabrication"),
        ("Conduire et surveiller une ligne de production",
         "Effectuer les changements de format et les réglages",
         "Réaliser les contrôles qualité en cours de production"),
        Pay("H", 12.0, 13.5), "3", ("10.71A", "10.13A")),
    Job("H1206", "Ingénieur / Ingénieure R&D en industrie", INDUSTRIE, 1,
        (T("Ingénieur R&D", "Ingénieur / Ingénieure R&D"),
         T("Ingénieur R&D mécanique", "Ingénieur / Ingénieure R&D mécanique", ("SolidWorks",)),
         T("Ingénieur systèmes embarqués", "Ingénieur / Ingénieure systèmes embarqués", ("C embarqué",))),
        ("SolidWorks", "Gestion de projet", "Matlab", "Python", "C embarqué", "Calcul de structures"),
        ("Concevoir de nouveaux produits du cahier des charges au prototype",
         "Conduire les essais et analyser les résultats",
         "Rédiger les dossiers techniques et les brevets"),
        Pay("A", 42000, 52000), "9", ("30.30Z", "29.32Z", "72.19Z"),
        ("Bac+5 et plus ou équivalents", "Génie mécanique")),
    Job("H1502", "Responsable qualité en industrie", INDUSTRIE, 1,
        (T("Responsable qualité", "Responsable qualité"), T("Ingénieur qualité", "Ingénieur / Ingénieure qualité")),
        ("ISO 9001", "Audit qualité", "Amélioration continue", "Analyse des non-conformités", "AMDEC"),
        ("Animer le système de management de la qualité",
         "Piloter les audits internes et fournisseurs",
         "Traiter les non-conformités et les réclamations clients"),
        Pay("A", 40000, 50000), "9", ("22.29A", "29.32Z", "10.71A"), ("Bac+5 et plus ou équivalents", "Qualité")),
    Job("H2909", "Assembleur monteur / Assembleuse monteuse", INDUSTRIE, 1,
        (T("Monteur assembleur", "Assembleur monteur / Assembleuse monteuse"),
         T("Opérateur de montage", "Opérateur / Opératrice de montage")),
        ("Lecture de plans", "Montage mécanique", "Outillage électroportatif", "Contrôle qualité"),
        ("Assembler des sous-ensembles mécaniques selon les gammes",
         "Contrôler la conformité des pièces montées",
         "Respecter les cadences et les règles de sécurité"),
        Pay("H", SMIC_HOURLY, 13.0), "2", ("29.32Z", "30.30Z")),
    # ---- banque / assurance / gestion
    Job("M1203", "Comptable", GESTION, 3,
        (T("Comptable", "Comptable"), T("Comptable général", "Comptable général / Comptable générale"),
         T("Comptable fournisseurs", "Comptable fournisseurs")),
        ("Comptabilité générale", "Rapprochements bancaires", "Déclarations de TVA", "Excel", "Sage",
         "Clôtures mensuelles"),
        ("Tenir la comptabilité générale et auxiliaire",
         "Préparer les déclarations fiscales et les clôtures",
         "Réaliser les rapprochements bancaires"),
        Pay("A", 32000, 40000), "7", ("69.20Z", "70.10Z"), ("Bac+2 ou équivalents", "Comptabilité")),
    Job("M1607", "Secrétaire", GESTION, 2,
        (T("Secrétaire", "Secrétaire"), T("Secrétaire médicale", "Secrétaire médical / médicale")),
        ("Accueil téléphonique", "Pack Office", "Gestion d'agenda", "Rédaction de courriers",
         "Classement et archivage"),
        ("Accueillir et orienter les visiteurs et les appels",
         "Gérer les agendas et organiser les rendez-vous",
         "Rédiger et mettre en forme les courriers"),
        Pay("M", 1850, 2100), "6", ("86.21Z", "70.10Z"), ("Bac ou équivalent", "Secrétariat")),
    Job("M1501", "Assistant / Assistante ressources humaines", GESTION, 1,
        (T("Assistant RH", "Assistant / Assistante ressources humaines"),
         T("Chargé de recrutement", "Chargé / Chargée de recrutement", ("Recrutement",))),
        ("Gestion administrative du personnel", "Paie", "Droit du travail", "SIRH", "Recrutement"),
        ("Gérer l'administration du personnel de l'embauche au départ",
         "Préparer les éléments variables de paie",
         "Participer au processus de recrutement"),
        Pay("A", 28000, 34000), "6", ("70.10Z", "78.20Z"), ("Bac+3, Bac+4 ou équivalents", "Ressources humaines")),
    Job("C1206", "Conseiller / Conseillère de clientèle bancaire", GESTION, 2,
        (T("Conseiller clientèle particuliers", "Conseiller / Conseillère de clientèle bancaire"),
         T("Chargé de clientèle bancaire", "Chargé / Chargée de clientèle bancaire")),
        ("Produits bancaires", "Conseil en épargne", "Crédit immobilier", "Relation client",
         "Conformité réglementaire"),
        ("Développer et fidéliser un portefeuille de clients particuliers",
         "Conseiller les clients sur leurs projets d'épargne et de crédit",
         "Veiller au respect des règles de conformité"),
        Pay("A", 30000, 36000), "8", ("64.19Z",), ("Bac+3, Bac+4 ou équivalents", "Banque")),
    Job("C1110", "Souscripteur / Souscriptrice en assurances", GESTION, 1,
        (T("Souscripteur IARD", "Souscripteur / Souscriptrice IARD"),
         T("Gestionnaire souscription", "Gestionnaire souscription")),
        ("Assurance IARD", "Analyse des risques", "Tarification", "Rédaction de contrats",
         "Relation courtiers"),
        ("Analyser les risques et établir les propositions tarifaires",
         "Rédiger les contrats et les avenants",
         "Accompagner le réseau de courtiers"),
        Pay("A", 35000, 42000), "8", ("65.12Z",), ("Bac+3, Bac+4 ou équivalents", "Assurance")),
    Job("M1402", "Consultant / Consultante en organisation et management", GESTION, 1,
        (T("Consultant en organisation", "Consultant / Consultante en organisation"),
         T("Consultant transformation", "Consultant / Consultante en transformation")),
        ("Conduite du changement", "Gestion de projet", "Analyse des processus", "Animation d'ateliers",
         "PowerPoint"),
        ("Diagnostiquer l'organisation et les processus des clients",
         "Animer les ateliers avec les équipes métier",
         "Accompagner la mise en œuvre des recommandations"),
        Pay("A", 40000, 52000), "9", ("70.22Z",), ("Bac+5 et plus ou équivalents", "Gestion"), _CDI_LIB),
    Job("M1602", "Agent administratif / Agente administrative", GESTION, 2,
        (T("Agent administratif", "Agent administratif / Agente administrative"),
         T("Gestionnaire administratif", "Gestionnaire administratif / administrative")),
        ("Pack Office", "Saisie de données", "Classement et archivage", "Accueil téléphonique",
         "Suivi de dossiers"),
        ("Traiter et suivre les dossiers administratifs",
         "Saisir les données dans les logiciels métier",
         "Accueillir et renseigner le public"),
        Pay("M", SMIC_MONTHLY, 2000), "6", ("84.11Z", "70.10Z")),
    # ---- éducation / formation
    Job("K2107", "Professeur / Professeure de collège et de lycée", EDUCATION, 2,
        (T("Professeur de mathématiques", "Professeur / Professeure de mathématiques"),
         T("Professeur d'anglais", "Professeur / Professeure d'anglais"),
         T("Enseignant en lycée professionnel", "Professeur / Professeure de lycée professionnel")),
        ("Pédagogie", "Préparation de cours", "Évaluation des élèves", "Gestion de classe",
         "Outils numériques éducatifs"),
        ("Préparer et animer les cours auprès de classes de collège ou de lycée",
         "Évaluer les acquis et suivre la progression des élèves",
         "Participer aux conseils de classe et aux projets de l'établissement"),
        Pay("M", 2100, 2500), "9", ("85.31Z",), ("Bac+5 et plus ou équivalents", "Enseignement"),
        (("CDD", 70), ("CDI", 30)), alternance_ok=False),
    Job("K2111", "Formateur / Formatrice", EDUCATION, 2,
        (T("Formateur", "Formateur / Formatrice"),
         T("Formateur informatique", "Formateur / Formatrice en informatique", ("Python",)),
         T("Formateur bureautique", "Formateur / Formatrice en bureautique", ("Pack Office",))),
        ("Ingénierie pédagogique", "Animation de formation", "Évaluation des acquis", "Pack Office",
         "Formation à distance", "Python"),
        ("Concevoir et animer des sessions de formation pour adultes",
         "Évaluer les acquis des stagiaires",
         "Adapter les supports pédagogiques aux publics"),
        Pay("A", 28000, 34000), "8", ("85.59A",), ("Bac+3, Bac+4 ou équivalents", "Formation"),
        (("CDI", 45), ("CDD", 35), ("LIB", 20))),
    Job("K2106", "Professeur / Professeure des écoles", EDUCATION, 1,
        (T("Professeur des écoles", "Professeur / Professeure des écoles"),
         T("Enseignant en école primaire privée", "Professeur / Professeure des écoles")),
        ("Pédagogie", "Programmes de l'école primaire", "Gestion de classe", "Relation avec les familles"),
        ("Enseigner l'ensemble des matières du programme à une classe de primaire",
         "Suivre la progression de chaque élève",
         "Échanger régulièrement avec les familles"),
        Pay("M", 2000, 2300), "9", ("85.20Z",), ("Bac+5 et plus ou équivalents", "Enseignement"),
        (("CDD", 60), ("CDI", 40)), alternance_ok=False),
    Job("G1202", "Animateur / Animatrice d'activités culturelles et de loisirs", EDUCATION, 2,
        (T("Animateur périscolaire", "Animateur / Animatrice périscolaire"),
         T("Animateur BAFA", "Animateur / Animatrice de loisirs", ("BAFA",))),
        ("BAFA", "Animation de groupes d'enfants", "Règles de sécurité", "Activités manuelles et sportives"),
        ("Concevoir et animer des activités pour des groupes d'enfants",
         "Assurer la sécurité des enfants pendant les temps d'accueil",
         "Participer au projet pédagogique de la structure"),
        Pay("H", SMIC_HOURLY, 12.3), "6", ("93.29Z",), None, (("CDD", 50), ("SAI", 30), ("CDI", 20))),
    Job("K2102", "Responsable pédagogique", EDUCATION, 1,
        (T("Responsable pédagogique", "Responsable pédagogique"),
         T("Coordinateur pédagogique", "Coordinateur / Coordinatrice pédagogique")),
        ("Ingénierie pédagogique", "Management d'équipe", "Qualiopi", "Relation entreprises",
         "Pilotage de projets"),
        ("Coordonner l'équipe de formateurs et les plannings",
         "Concevoir et faire évoluer l'offre de formation",
         "Veiller à la qualité et à la conformité Qualiopi"),
        Pay("A", 35000, 42000), "9", ("85.59A",), ("Bac+5 et plus ou équivalents", "Formation")),
    # ---- agriculture / espaces verts
    Job("A1419", "Ouvrier agricole polyvalent / Ouvrière agricole polyvalente", AGRICULTURE, 2,
        (T("Ouvrier agricole polyvalent", "Ouvrier agricole polyvalent / Ouvrière agricole polyvalente"),
         T("Agent de culture", "Agent / Agente de culture")),
        ("Conduite de tracteur", "Travaux des champs", "Entretien du matériel agricole", "Semis et récoltes"),
        ("Réaliser les travaux de préparation des sols, semis et récoltes",
         "Conduire et entretenir le matériel agricole",
         "Participer à l'entretien de l'exploitation"),
        Pay("H", SMIC_HOURLY, 13.0), "3", ("01.11Z",)),
    Job("A1414", "Horticulteur / Horticultrice", AGRICULTURE, 1,
        (T("Horticulteur", "Horticulteur / Horticultrice"), T("Ouvrier horticole", "Ouvrier / Ouvrière horticole")),
        ("Multiplication des végétaux", "Arrosage et fertilisation", "Cultures sous serre",
         "Protection des cultures"),
        ("Assurer la culture des plantes en serre et en extérieur",
         "Réaliser le rempotage, l'arrosage et les traitements",
         "Préparer les commandes de végétaux"),
        Pay("H", SMIC_HOURLY, 12.5), "3", ("01.30Z",), ("CAP, BEP et équivalents", "Horticulture")),
    Job("A1203", "Agent / Agente d'entretien des espaces verts", AGRICULTURE, 2,
        (T("Jardinier paysagiste", "Jardinier / Jardinière paysagiste"),
         T("Agent d'entretien des espaces verts", "Agent / Agente d'entretien des espaces verts")),
        ("Tonte et débroussaillage", "Taille des haies", "Plantation", "Matériel motorisé",
         "Reconnaissance des végétaux"),
        ("Entretenir les parcs, jardins et espaces verts",
         "Réaliser les plantations et les aménagements paysagers",
         "Utiliser et entretenir le matériel motorisé"),
        Pay("H", 12.0, 13.0), "3", ("81.30Z",), ("CAP, BEP et équivalents", "Aménagement paysager"),
        permis=("B - Véhicule léger", "S")),
    Job("A1405", "Arboriculteur / Arboricultrice", AGRICULTURE, 1,
        (T("Arboriculteur", "Arboriculteur / Arboricultrice"),
         T("Ouvrier arboricole", "Ouvrier / Ouvrière arboricole")),
        ("Taille des arbres fruitiers", "Récolte des fruits", "Éclaircissage", "Conduite de tracteur"),
        ("Réaliser la taille et l'éclaircissage des arbres fruitiers",
         "Participer aux récoltes et au tri des fruits",
         "Entretenir les vergers"),
        Pay("H", SMIC_HOURLY, 12.5), "3", ("01.24Z",), None, _SEASONAL),
    Job("A1401", "Vendangeur / Vendangeuse", AGRICULTURE, 1,
        (T("Vendangeur", "Vendangeur / Vendangeuse"), T("Coupeur de raisin", "Vendangeur / Vendangeuse")),
        ("Coupe du raisin", "Port de hotte", "Tri de la vendange"),
        ("Couper les grappes de raisin à la main",
         "Transporter et vider les seaux dans les bennes",
         "Trier la vendange selon les consignes du chef d'équipe"),
        Pay("H", SMIC_HOURLY, SMIC_HOURLY), "1", ("01.21Z",), None, (("SAI", 90), ("CDD", 10)),
        alternance_ok=False),
    Job("A1101", "Conducteur / Conductrice d'engins agricoles", AGRICULTURE, 1,
        (T("Conducteur d'engins agricoles", "Conducteur / Conductrice d'engins agricoles"),
         T("Chauffeur de tracteur", "Conducteur / Conductrice de tracteur", ("Conduite de tracteur",))),
        ("Conduite de tracteur", "Conduite de moissonneuse-batteuse", "Entretien du matériel agricole",
         "Réglage des outils"),
        ("Conduire les engins agricoles pour les travaux de saison",
         "Régler et entretenir le matériel",
         "Respecter les consignes de sécurité sur l'exploitation"),
        Pay("H", 12.0, 13.5), "4", ("01.61Z",)),
    # ---- services à la personne / propreté / sécurité
    Job("K1302", "Assistant / Assistante de vie dépendance", SERVICES, 3,
        (T("Auxiliaire de vie", "Auxiliaire de vie"),
         T("Assistant de vie aux familles", "Assistant / Assistante de vie aux familles")),
        ("Aide à la toilette", "Préparation des repas", "Entretien du logement",
         "Accompagnement des personnes âgées"),
        ("Accompagner les personnes âgées ou en situation de handicap à leur domicile",
         "Aider aux actes essentiels du quotidien",
         "Préparer les repas et entretenir le logement"),
        Pay("H", SMIC_HOURLY, 12.8), "6", ("88.10A",), permis=("B - Véhicule léger", "S")),
    Job("K1303", "Garde d'enfant à domicile", SERVICES, 1,
        (T("Garde d'enfants à domicile", "Garde d'enfants à domicile"),
         T("Garde d'enfants périscolaire", "Garde d'enfants à domicile")),
        ("Garde d'enfants", "Aide aux devoirs", "Préparation des repas", "Règles de sécurité"),
        ("Assurer la garde d'enfants au domicile des parents",
         "Aller chercher les enfants à l'école et aider aux devoirs",
         "Préparer les goûters et proposer des activités"),
        Pay("H", SMIC_HOURLY, 12.5), "5", ("88.91A",)),
    Job("K2204", "Agent / Agente de nettoyage industriel", SERVICES, 2,
        (T("Agent d'entretien", "Agent / Agente d'entretien"), T("Agent de propreté", "Agent / Agente de propreté")),
        ("Nettoyage des locaux", "Autolaveuse", "Produits d'entretien", "Tri des déchets"),
        ("Assurer le nettoyage des bureaux et des parties communes",
         "Utiliser les machines et produits adaptés à chaque surface",
         "Respecter le planning et les protocoles du site"),
        Pay("H", SMIC_HOURLY, 12.2), "5", ("81.21Z",)),
    Job("K2503", "Agent / Agente de prévention et de sécurité", SERVICES, 1,
        (T("Agent de sécurité", "Agent / Agente de sécurité"),
         T("Agent de sécurité SSIAP 1", "Agent / Agente de sécurité incendie", ("SSIAP 1",))),
        ("Carte professionnelle CNAPS", "SSIAP 1", "Rondes de surveillance", "Contrôle d'accès",
         "Gestion des conflits"),
        ("Contrôler les accès et surveiller le site",
         "Effectuer des rondes de prévention",
         "Intervenir en cas d'incident et alerter les secours"),
        Pay("H", SMIC_HOURLY, 12.8), "6", ("80.10Z",)),
    Job("D1202", "Coiffeur / Coiffeuse", SERVICES, 1,
        (T("Coiffeur", "Coiffeur / Coiffeuse"), T("Coiffeur mixte", "Coiffeur / Coiffeuse mixte")),
        ("Coupe homme et femme", "Coloration", "Brushing", "Conseil client", "Vente de produits"),
        ("Accueillir et conseiller la clientèle",
         "Réaliser coupes, colorations et brushings",
         "Vendre les produits et soins capillaires"),
        Pay("M", 1850, 2200), "6", ("96.02A",), ("CAP, BEP et équivalents", "Coiffure"),
        (("CDI", 65), ("CDD", 20), ("FRA", 15))),
    # ---- communication / marketing
    Job("E1205", "Graphiste", COMMUNICATION, 1,
        (T("Graphiste", "Graphiste"), T("Graphiste motion designer", "Graphiste motion designer")),
        ("Photoshop", "Illustrator", "InDesign", "Figma", "Charte graphique"),
        ("Concevoir les supports de communication print et digitaux",
         "Décliner la charte graphique sur tous les supports",
         "Travailler en lien avec les équipes marketing"),
        Pay("A", 28000, 35000), "7", ("73.11Z",), ("Bac+3, Bac+4 ou équivalents", "Arts graphiques"),
        _CDI_LIB),
    Job("E1101", "Animateur / Animatrice de communauté virtuelle", COMMUNICATION, 1,
        (T("Community manager", "Community manager"), T("Social media manager", "Social media manager")),
        ("Réseaux sociaux", "Rédaction web", "Canva", "Google Analytics", "Création de contenus"),
        ("Animer les réseaux sociaux et la communauté de la marque",
         "Créer des contenus éditoriaux et visuels",
         "Analyser les performances des publications"),
        Pay("A", 28000, 34000), "7", ("73.11Z",), ("Bac+3, Bac+4 ou équivalents", "Communication")),
    Job("M1705", "Responsable marketing", COMMUNICATION, 1,
        (T("Responsable marketing digital", "Responsable marketing digital"),
         T("Chef de projet marketing", "Chef / Cheffe de projet marketing")),
        ("Marketing digital", "SEO / SEA", "Google Analytics", "Gestion de budget", "CRM"),
        ("Définir et piloter le plan marketing",
         "Lancer les campagnes d'acquisition en ligne",
         "Analyser les performances et optimiser le retour sur investissement"),
        Pay("A", 42000, 52000), "9", ("73.11Z", "58.29C"), ("Bac+5 et plus ou équivalents", "Marketing")),
    Job("M1704", "Responsable relation client (CRM)", COMMUNICATION, 1,
        (T("Responsable CRM", "Responsable CRM"), T("Chargé CRM et data marketing", "Chargé / Chargée CRM",
                                                   ("SQL",))),
        ("CRM Salesforce", "Segmentation client", "SQL", "Emailing", "Analyse de données"),
        ("Piloter la stratégie de fidélisation client",
         "Segmenter la base clients et lancer les campagnes",
         "Suivre les indicateurs de satisfaction et de rétention"),
        Pay("A", 40000, 50000), "9", ("73.11Z", "47.71Z"), ("Bac+5 et plus ou équivalents", "Marketing")),
)


# ------------------------------------------------------------------------------------------ domains


class Domain(NamedTuple):
    weight: int  # share of all offers (informatique is boosted: the demo searches "développeur python data")
    contracts: tuple[tuple[str, int], ...]
    remote: bool  # office work: descriptions mention télétravail / hybride
    part_time: float  # share of part-time offers
    employers: tuple[str, ...]  # company name templates, ``{r}`` is an invented root
    pitches: tuple[str, ...]  # what the company does, for ``entreprise.description``
    clients: tuple[str, ...]  # how a temp agency describes its client
    benefits: tuple[str, ...]


DOMAINS: dict[str, Domain] = {
    IT: Domain(
        24, (("CDI", 78), ("CDD", 8), ("MIS", 4), ("DIN", 2), ("LIB", 8)), True, 0.02,
        ("{r} Numérique", "{r} Data", "{r} Technologies", "{r} Digital", "{r} Informatique", "{r} Software"),
        ("une ESN spécialisée dans la data et le développement logiciel",
         "un éditeur de logiciels SaaS en forte croissance",
         "une scale-up qui développe une plateforme de données pour l'industrie",
         "la direction des systèmes d'information d'un groupe de services"),
        ("un éditeur de logiciels", "une grande banque", "un acteur du e-commerce"),
        ("télétravail flexible", "budget formation et conférences", "prime d'intéressement",
         "matériel au choix", "RTT", "mutuelle prise en charge à 100 %", "carte tickets restaurant")),
    SANTE: Domain(
        11, (("CDI", 60), ("CDD", 30), ("MIS", 10)), False, 0.2,
        ("Clinique {r}", "Résidence {r}", "Centre de santé {r}", "Pharmacie {r}", "Groupe hospitalier {r}"),
        ("un établissement de santé privé à but non lucratif",
         "une résidence médicalisée accueillant 90 résidents",
         "un centre de soins pluridisciplinaire"),
        ("un établissement de santé", "un EHPAD", "une clinique privée"),
        ("prime de nuit et de week-end", "crèche partenaire", "mutuelle d'entreprise", "CSE",
         "plannings connus à l'avance", "reprise de l'ancienneté")),
    BTP: Domain(
        9, (("CDI", 50), ("CDD", 10), ("MIS", 30), ("DIN", 10)), False, 0.0,
        ("{r} Bâtiment", "{r} Construction", "{r} BTP", "Entreprise {r}", "{r} Travaux Publics"),
        ("une entreprise familiale de gros œuvre et de rénovation",
         "un constructeur de maisons individuelles",
         "une PME du second œuvre reconnue dans la région"),
        ("une entreprise de gros œuvre", "un constructeur de maisons individuelles", "un bureau d'études"),
        ("paniers repas", "indemnités de trajet", "véhicule de service", "prime de fin de chantier",
         "mutuelle d'entreprise", "équipements de protection fournis")),
    COMMERCE: Domain(
        10, (("CDI", 55), ("CDD", 30), ("MIS", 5), ("SAI", 10)), False, 0.3,
        ("{r} Distribution", "Boutique {r}", "{r} Market", "Maison {r}", "{r} Commerce"),
        ("une enseigne de prêt-à-porter présente dans toute la France",
         "un supermarché de proximité indépendant",
         "un distributeur de matériel professionnel"),
        ("une enseigne de la grande distribution", "un distributeur spécialisé"),
        ("remise sur les achats", "prime sur objectifs", "mutuelle d'entreprise", "CSE",
         "participation aux bénéfices", "formation aux produits")),
    HOTELLERIE: Domain(
        10, (("CDI", 40), ("CDD", 25), ("SAI", 25), ("MIS", 10)), False, 0.25,
        ("Hôtel {r}", "Brasserie {r}", "Restaurant Le {r}", "Bistrot {r}", "{r} Restauration"),
        ("un hôtel 4 étoiles de 80 chambres en centre-ville",
         "une brasserie traditionnelle de 120 couverts",
         "un restaurant bistronomique au cœur de la ville"),
        ("un hôtel 4 étoiles", "une chaîne de restauration", "un restaurant traditionnel"),
        ("repas fournis", "deux jours de repos consécutifs", "pourboires", "logement possible",
         "mutuelle d'entreprise", "prime de fin de saison")),
    TRANSPORT: Domain(
        10, (("CDI", 40), ("CDD", 15), ("MIS", 35), ("DIN", 10)), False, 0.05,
        ("{r} Transports", "{r} Logistique", "{r} Express", "Transports {r}", "{r} Supply"),
        ("une entreprise de transport routier de marchandises",
         "un prestataire logistique spécialisé dans le e-commerce",
         "une plateforme de distribution régionale"),
        ("une plateforme logistique", "un transporteur national", "un acteur du e-commerce"),
        ("prime de panier", "heures supplémentaires majorées", "prime d'assiduité", "mutuelle d'entreprise",
         "tenue de travail fournie", "CSE")),
    INDUSTRIE: Domain(
        9, (("CDI", 45), ("CDD", 10), ("MIS", 35), ("DIN", 10)), False, 0.0,
        ("{r} Industries", "{r} Mécanique", "{r} Composites", "{r} Agroalimentaire", "Ateliers {r}"),
        ("un équipementier aéronautique de 300 salariés",
         "une usine agroalimentaire certifiée IFS",
         "une PME de mécanique de précision"),
        ("un industriel de l'agroalimentaire", "un équipementier automobile", "un sous-traitant aéronautique"),
        ("prime d'équipe", "13e mois", "intéressement et participation", "mutuelle d'entreprise",
         "restaurant d'entreprise", "formation interne")),
    GESTION: Domain(
        9, (("CDI", 65), ("CDD", 25), ("MIS", 10)), True, 0.1,
        ("Cabinet {r}", "{r} Conseil", "{r} Assurances", "Banque {r}", "{r} & Associés", "{r} Gestion"),
        ("un cabinet d'expertise comptable de 40 collaborateurs",
         "une banque régionale tournée vers ses clients",
         "un cabinet de conseil en management",
         "une mutuelle d'assurance"),
        ("un cabinet d'expertise comptable", "une compagnie d'assurance", "une collectivité"),
        ("13e mois", "intéressement et participation", "RTT", "télétravail partiel", "mutuelle d'entreprise",
         "carte tickets restaurant")),
    EDUCATION: Domain(
        5, (("CDI", 40), ("CDD", 50), ("LIB", 10)), False, 0.3,
        ("Institut {r}", "École {r}", "{r} Formation", "Centre de formation {r}", "Association {r}"),
        ("un organisme de formation certifié Qualiopi",
         "un établissement d'enseignement privé sous contrat",
         "une association d'éducation populaire"),
        ("un organisme de formation", "un établissement scolaire privé"),
        ("vacances scolaires", "formation continue", "mutuelle d'entreprise", "CSE")),
    AGRICULTURE: Domain(
        5, _SEASONAL, False, 0.1,
        ("EARL {r}", "GAEC {r}", "Pépinières {r}", "Vergers {r}", "Domaine {r}", "{r} Paysages"),
        ("une exploitation familiale en polyculture",
         "une entreprise du paysage intervenant chez les particuliers",
         "un domaine viticole de 40 hectares"),
        ("une exploitation agricole", "une coopérative"),
        ("hébergement possible", "heures supplémentaires majorées", "prime de fin de saison",
         "équipements de protection fournis")),
    SERVICES: Domain(
        5, (("CDI", 60), ("CDD", 30), ("MIS", 10)), False, 0.45,
        ("{r} Services", "{r} Domicile", "{r} Propreté", "{r} Sécurité", "Salon {r}"),
        ("une entreprise d'aide à domicile agréée",
         "une entreprise de propreté intervenant sur des sites tertiaires",
         "une société de sécurité privée"),
        ("une entreprise de services à la personne", "une société de propreté"),
        ("indemnités kilométriques", "plannings adaptés", "mutuelle d'entreprise", "formation diplômante")),
    COMMUNICATION: Domain(
        3, (("CDI", 70), ("CDD", 20), ("LIB", 10)), True, 0.05,
        ("Agence {r}", "{r} Studio", "{r} Communication", "{r} Média"),
        ("une agence de communication digitale", "une marque de cosmétiques engagée",
         "un média en ligne indépendant"),
        ("une agence de communication",),
        ("télétravail flexible", "RTT", "carte tickets restaurant", "mutuelle d'entreprise")),
}

# Invented company roots: combined with the domain templates above, they never name a real employer.
COMPANY_ROOTS = (
    "Altéa", "Brévalis", "Cimalys", "Dunéa", "Elvaris", "Fontelia", "Galéane", "Hermelis", "Ivoria", "Jorvane",
    "Kerloa", "Lumisia", "Myrtéa", "Novalto", "Oréade", "Pléiane", "Quartzéo", "Rivéa", "Solvane", "Tervalis",
    "Ulmara", "Vauclair", "Wexalis", "Ysaline", "Zéphira", "Armorance", "Belvéra", "Calisto", "Duranceo",
    "Estéria",
)
TEMP_AGENCIES = ("{r} Intérim", "{r} Emploi", "{r} Travail Temporaire", "{r} Intérim & Recrutement")

# France Travail "savoir-être professionnels" (our own wording of the descriptions).
QUALITIES: tuple[tuple[str, str], ...] = (
    ("Autonomie", "Capacité à prendre en charge son activité sans devoir être encadré de façon continue."),
    ("Travail en équipe", "Capacité à travailler avec les autres et à partager l'information utile au groupe."),
    ("Rigueur", "Capacité à respecter les consignes et les procédures et à travailler avec précision."),
    ("Sens de la communication", "Capacité à transmettre une information claire, à l'oral comme à l'écrit."),
    ("Capacité d'adaptation", "Capacité à s'ajuster aux situations nouvelles et aux changements."),
    ("Force de proposition", "Capacité à suggérer des idées et des améliorations à son équipe."),
    ("Sens de l'organisation", "Capacité à planifier son travail et à gérer les priorités."),
    ("Réactivité", "Capacité à agir rapidement face à une situation imprévue."),
    ("Curiosité", "Capacité à s'intéresser aux nouveautés et à apprendre en continu."),
    ("Persévérance", "Capacité à mener une tâche à son terme malgré les difficultés."),
    ("Gestion du stress", "Capacité à garder son calme et son efficacité dans les moments de forte activité."),
    ("Prise d'initiative", "Capacité à agir de sa propre initiative dans le cadre de ses missions."),
)

HEADCOUNTS = ("1 ou 2 salariés", "3 à 5 salariés", "6 à 9 salariés", "10 à 19 salariés", "20 à 49 salariés",
              "50 à 99 salariés", "100 à 199 salariés", "250 à 499 salariés", "1000 à 1999 salariés")
TRAVEL = (("1", "Jamais"), ("2", "Ponctuels Départemental"), ("2", "Ponctuels Régional"),
          ("3", "Fréquents Régional"), ("3", "Fréquents National"))
SALARY_COMPLEMENTS = ("Mutuelle", "Chèque repas", "Primes", "Véhicule", "Pc portable", "Restauration",
                      "Intéressement", "Participation", "Comité d'entreprise", "Remboursement transport")
SALARY_COMMENTS = ("Selon profil", "A négocier", "Selon expérience", "Selon grille conventionnelle")
GENDER_MARKS = (("(H/F)", 58), ("H/F", 16), ("F/H", 10), ("(F/H)", 4), ("H/F/X", 2), ("", 10))
CDD_MONTHS = (1, 2, 3, 4, 6, 6, 9, 12, 12, 18, 24)

INTROS = (
    "{company} recrute un(e) {title} pour renforcer ses équipes à {city}.",
    "Dans le cadre de son développement, {company} recherche un(e) {title} basé(e) à {city}.",
    "Rejoignez {company} : nous recrutons un(e) {title} sur notre site {of_city} !",
    "Vous souhaitez rejoindre une structure à taille humaine ? {company} recrute un(e) {title} à {city}.",
)
TEMP_INTROS = (
    "{company}, agence d'emploi, recherche pour son client, {client}, un(e) {title} à {city}.",
    "Votre agence {company} recrute pour {client} un(e) {title} sur le secteur {of_city}.",
)
REMOTE = (
    "Télétravail possible deux jours par semaine.",
    "Organisation hybride : trois jours sur site et deux jours en télétravail.",
    "Télétravail partiel possible après la période d'intégration.",
    "Full remote possible, avec un passage par mois dans nos locaux.",
    "Poste à pourvoir sur site, avec une journée de télétravail par semaine.",
)
FILLERS = (
    "Vous bénéficierez d'un parcours d'intégration complet et d'un accompagnement par un référent.",
    "Les candidatures sont étudiées au fil de l'eau, n'hésitez pas à postuler rapidement.",
    "Notre processus de recrutement comprend un échange téléphonique puis un entretien avec l'équipe.",
)


# --------------------------------------------------------------------------------------- precompute


V = TypeVar("V")


class Mix(Generic[V]):
    """A weighted choice whose cumulative weights are computed once (``rng.choices`` redoes it per call)."""

    __slots__ = ("cum", "values")

    def __init__(self, pairs: Iterable[tuple[V, float]]) -> None:
        items = list(pairs)
        self.values = [v for v, _ in items]
        self.cum = list(accumulate(float(w) for _, w in items))

    def pick(self, rng: random.Random) -> V:
        return self.values[bisect(self.cum, rng.random() * self.cum[-1])]


def _upper_label(name: str) -> str:
    """France Travail's upper-case commune style: "PARIS 09", "VILLENEUVE D ASCQ", "ST ETIENNE"."""
    m = re.fullmatch(r"(\w+) (\d+)(?:er|e) Arrondissement", name)
    if m:
        return f"{m[1].upper()} {int(m[2]):02d}"
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    plain = re.sub(r"[-']", " ", plain).upper()
    return re.sub(r"\bSAINTE\b", "STE", re.sub(r"\bSAINT\b", "ST", plain))


def _short_name(name: str) -> str:
    """How a description names the place: "Paris 11e" rather than "Paris 11e Arrondissement"."""
    return name.removesuffix(" Arrondissement")


_CITY_LABELS = [(f"{c.dept} - {c.name}", f"{c.dept} - {_upper_label(c.name)}", _short_name(c.name))
                for c in CITIES]
_CITY_MIX = Mix((i, c.weight) for i, c in enumerate(CITIES))


def _job_weights() -> list[float]:
    totals: dict[str, int] = {}
    for job in JOBS:
        totals[job.domain] = totals.get(job.domain, 0) + job.weight
    return [DOMAINS[j.domain].weight * j.weight / totals[j.domain] for j in JOBS]


_JOB_MIX = Mix(zip(JOBS, _job_weights(), strict=True))
_CONTRACT_MIX = {j.rome: Mix(j.contracts or DOMAINS[j.domain].contracts) for j in JOBS}
_GENDER_MIX = Mix(GENDER_MARKS)
_EXIGENCE_MIX = Mix((("D", 30), ("S", 15), ("E", 55)))
_MONTHS_MIX = Mix(((6, 8), (12, 14), (24, 24), (36, 22), (48, 8), (60, 14), (84, 6), (120, 4)))
_HOURS_MIX = Mix(((35, 75), (39, 15), (37, 5), (38, 5)))
_HOURS_KIND_MIX = Mix((("Travail en journée", 55), ("Autre", 20), ("/semaine", 20),
                       ("Travail samedi et dimanche", 5)))
_POSTES_MIX = Mix(((1, 85), (2, 8), (3, 5), (5, 2)))
_FORM_MIX = Mix(((0, 40), (1, 40), (2, 10), (3, 10)))  # index into the experienceLibelle spellings


def _code(text: str, digits: int) -> str:
    """A stable numeric code for a label (crc32, not ``hash()``: the latter changes between processes)."""
    return str(10 ** (digits - 1) + zlib.crc32(text.encode()) % (9 * 10 ** (digits - 1)))


# Synthetic ``competences[].code`` values (real ones are France Travail's internal 6-digit codes).
_SKILL_CODES = {s: _code(s, 6) for job in JOBS for s in job.skills + tuple(k for t in job.titles for k in t.keys)}


# ----------------------------------------------------------------------------------------- helpers


class Experience(NamedTuple):
    exige: str  # "D" débutant accepté, "S" souhaitée, "E" exigée
    months: int
    libelle: str


def _years(months: int) -> int:
    return max(1, months // 12)


def _experience(rng: random.Random, alternance: bool) -> Experience:
    if alternance:
        return Experience("D", 0, "Débutant accepté")
    exige = _EXIGENCE_MIX.pick(rng)
    if exige == "D":
        return Experience("D", 0, "Débutant accepté")
    months = _MONTHS_MIX.pick(rng)
    y = _years(months)
    if exige == "S":
        libelle = rng.choice(("Expérience souhaitée", f"Expérience souhaitée de {y} An(s)"))
        if months < 12:
            libelle = rng.choice(("Expérience souhaitée", "6 Mois"))
        return Experience("S", months, libelle)
    if months < 12:
        forms = ("Expérience exigée de 6 Mois", "6 Mois", "6 Mois", "Expérience exigée")
    else:
        forms = (f"Expérience exigée de {y} An(s)", f"{y} An(s)", f"{months} Mois", "Expérience exigée")
    return Experience("E", months, forms[_FORM_MIX.pick(rng)])


def _seniority_phrase(rng: random.Random, exp: Experience, it: bool) -> str:
    if exp.exige == "D":
        return rng.choice(("Débutant(e) accepté(e) : une formation en interne est prévue",
                           "Le poste est ouvert aux profils juniors et aux jeunes diplômé(e)s",
                           "Débutant(e) accepté(e), une première expérience en stage est appréciée"))
    span = "6 mois" if exp.months < 12 else f"{_years(exp.months)} an{'s' if exp.months >= 24 else ''}"
    if exp.exige == "S":
        return rng.choice((f"Une première expérience d'environ {span} serait un plus",
                           f"Une expérience de {span} sur un poste similaire est souhaitée"))
    if exp.months < 36:
        return rng.choice((f"Vous justifiez d'au moins {span} d'expérience sur un poste similaire",
                           f"Vous avez {span} d'expérience minimum dans le métier"))
    level = "senior" if it and exp.months >= 60 else "confirmé(e)"
    return rng.choice((f"Vous justifiez d'au moins {span} d'expérience sur un poste similaire",
                       f"Vous êtes {level} avec {span} d'expérience minimum",
                       f"Vous avez {span} d'expérience ou plus et êtes {level} dans le métier"))


def _contract(rng: random.Random, job: Job, alternance: bool) -> tuple[str, str, str, str]:
    """(typeContrat, typeContratLibelle, natureContrat, phrase for the description)."""
    if alternance:
        months = rng.choice((12, 24, 24, 36))
        nature = "Contrat apprentissage" if rng.random() < 0.7 else "Cont. professionnalisation"
        return ("CDD", f"Contrat à durée déterminée - {months} Mois", nature,
                f"Contrat en alternance de {months} mois, en lien avec votre école")
    code = _CONTRACT_MIX[job.rome].pick(rng)
    if code == "CDI":
        lib = "Contrat à durée indéterminée" if rng.random() < 0.8 else "CDI"
        return code, lib, "Contrat travail", "Poste en CDI à pourvoir dès que possible"
    if code == "CDD":
        m = rng.choice(CDD_MONTHS)
        lib = f"Contrat à durée déterminée - {m} Mois" if rng.random() < 0.7 else f"CDD - {m} Mois"
        return code, lib, "Contrat travail", f"CDD de {m} mois, renouvelable"
    if code == "MIS":
        if rng.random() < 0.2:
            d = rng.choice((5, 7, 10, 15))
            return code, f"Intérim - {d} Jour(s)", "Contrat travail", f"Mission d'intérim de {d} jours"
        m = rng.choice((1, 2, 3, 6, 8, 12, 18))
        lib = rng.choice((f"Mission intérimaire - {m} Mois", f"Intérim - {m} Mois"))
        return code, lib, "Contrat travail", f"Mission d'intérim de {m} mois, possibilité d'embauche"
    if code == "SAI":
        m = rng.choice((1, 2, 2, 3, 4, 6))
        return code, f"Travail saisonnier - {m} Mois", "Contrat travail", f"Contrat saisonnier de {m} mois"
    fixed = {
        "LIB": ("Profession libérale", "Exercice en libéral ou en indépendant, clientèle déjà constituée"),
        "FRA": ("Franchise", "Ouverture en franchise, accompagnement complet par le réseau"),
        "DIN": ("CDI intérimaire", "CDI intérimaire avec missions successives chez nos clients"),
        "CCE": ("Profession commerciale", "Statut commercial avec rémunération fixe et variable"),
    }
    lib, phrase = fixed[code]
    return code, lib, "Contrat travail", phrase


def _hours(rng: random.Random, domain: Domain) -> tuple[int, str, str]:
    """(weekly hours, dureeTravailLibelle, kind) — kind is the part after the hours."""
    h = rng.choice((20, 24, 28, 30)) if rng.random() < domain.part_time else _HOURS_MIX.pick(rng)
    kind = _HOURS_KIND_MIX.pick(rng)
    libelle = f"{h}H/semaine" if kind == "/semaine" else f"{h}H {kind}"
    return h, libelle, kind


def _num(value: float, comma: bool) -> str:
    # Real libelles use two spellings: "32000.0" (Python-like floats) and "32000,00" (older offers).
    return f"{value:.2f}".replace(".", ",") if comma else str(float(round(value, 2)))


def _salary(rng: random.Random, job: Job, exp: Experience, hours: int, contract: str,
            alternance: bool) -> dict[str, str]:
    salary = {"devise": "EUR"}  # real offers carry it even when they state no amount
    if rng.random() < 0.22:  # like real offers, a good share state no amount
        if rng.random() < 0.6:
            salary["commentaire"] = rng.choice(SALARY_COMMENTS)
        return salary
    comma = rng.random() < 0.2
    months = "" if comma else (" sur 13.0 mois" if rng.random() < 0.15 else " sur 12.0 mois")
    if alternance:  # apprentices are paid a share of the SMIC
        low, high = SMIC_MONTHLY * rng.choice((0.43, 0.53, 0.61)), SMIC_MONTHLY * rng.choice((0.78, 1.0))
        salary["libelle"] = f"Mensuel de {_num(round(low), comma)} Euros à {_num(round(high), comma)} Euros{months}"
        return salary
    factor = {"D": 0.9, "S": 0.97}.get(exp.exige, 0.92 + 0.05 * min(_years(exp.months), 7))
    factor *= rng.uniform(0.95, 1.05)
    unit, low, high = job.pay
    if unit == "M" and contract in ("MIS", "DIN") and rng.random() < 0.5:  # agencies quote hourly rates
        unit, low, high = "H", low / 151.67, high / 151.67
    if unit == "H":
        lo = max(SMIC_HOURLY, round(low * factor, 2))
        hi = max(lo, round(high * factor, 2))
        if lo == hi or rng.random() < 0.3:
            text = f"Horaire de {_num(lo, comma)} Euros{months}"
        else:
            text = f"Horaire de {_num(lo, comma)} Euros à {_num(hi, comma)} Euros{months}"
    elif unit == "M":
        share = min(1.0, hours / 35)
        lo = max(round(SMIC_MONTHLY * share, 2), round(low * factor * share, -1))
        hi = max(lo, round(high * factor * share, -1))
        text = f"Mensuel de {_num(lo, comma)} Euros à {_num(hi, comma)} Euros{months}"
    else:
        lo = round(low * factor, -3)
        hi = max(lo + 1000, round(high * factor, -3))
        # A real quirk (see the data README): some "Mensuel" libelles carry yearly amounts.
        period = "Mensuel" if rng.random() < 0.01 else "Annuel"
        if rng.random() < 0.1:
            text = f"{period} de {_num(lo, comma)} Euros{months}"
        else:
            text = f"{period} de {_num(lo, comma)} Euros à {_num(hi, comma)} Euros{months}"
    salary["libelle"] = text
    if rng.random() < 0.1:
        salary["commentaire"] = rng.choice(("13e mois", "Tickets restaurant", "Primes sur objectifs",
                                            "Selon expérience"))
    if rng.random() < 0.3:
        first, second = rng.sample(SALARY_COMPLEMENTS, 2)
        salary["complement1"] = first
        if rng.random() < 0.6:
            salary["complement2"] = second
    return salary


def _iso(moment: datetime, millis: bool) -> str:
    m = moment  # f-string rather than strftime: a third faster, and dates are the hot path
    stamp = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    return f"{stamp}.{moment.microsecond // 1000:03d}Z" if millis else f"{stamp}Z"


def _dates(rng: random.Random, now: datetime) -> tuple[str, str]:
    # A minute of margin on both ends keeps both stamps inside (now - 30 days, now] once truncated.
    window = OFFER_WINDOW.total_seconds() - 120
    created = now - timedelta(seconds=60 + rng.uniform(0, window))
    updated = created
    if rng.random() < 0.5:
        updated = created + timedelta(seconds=rng.uniform(0, (now - created).total_seconds() - 1))
    millis = rng.random() < 0.5
    return _iso(created, millis), _iso(updated, millis)


def _skills(rng: random.Random, job: Job, title: Title) -> list[dict[str, str]]:
    keys = list(title.keys)
    others = [s for s in job.skills if s not in keys]
    extra = rng.sample(others, min(len(others), max(0, rng.randint(3, 6) - len(keys))))
    return [{"code": _SKILL_CODES[s], "libelle": s, "exigence": "E"} for s in keys] + [
        {"code": _SKILL_CODES[s], "libelle": s, "exigence": "E" if rng.random() < 0.4 else "S"} for s in extra
    ]


def _title(rng: random.Random, base: str, domain: str, exp: Experience, alternance: bool) -> str:
    if alternance:
        base = f"{base} en alternance" if rng.random() < 0.7 else f"Alternance - {base}"
    elif domain in (IT, COMMUNICATION, GESTION) and rng.random() < 0.35:
        if exp.exige == "E" and exp.months >= 60:
            base = f"{base} Senior" if domain == IT else f"{base} confirmé"
        elif exp.exige == "D" and domain == IT:
            base = f"{base} Junior"
    mark = _GENDER_MIX.pick(rng)
    return f"{base} {mark}".rstrip()


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def _description(rng: random.Random, *, company: str, temp_client: str | None, title: str, city: str,
                 job: Job, skills: list[str], qualities: list[str], exp: Experience, contract_phrase: str,
                 hours: int, pitch: str | None, salaried: bool) -> str:
    domain = DOMAINS[job.domain]
    of_city = f"d'{city}" if city[0] in "AEIOUYÉÈÎ" else f"de {city}"
    fields = {"company": company, "title": title, "city": city, "of_city": of_city, "client": temp_client or ""}
    intro = rng.choice(TEMP_INTROS if temp_client else INTROS).format(**fields)
    if pitch:
        intro += f" Nous sommes {pitch}."
    missions = rng.sample(job.missions, min(3, len(job.missions)))
    mission_block = "Vos missions :\n" + "\n".join(f"- {m} ;" for m in missions[:-1]) + f"\n- {missions[-1]}."
    profile = (f"Profil recherché : {_seniority_phrase(rng, exp, job.domain == IT)}. "
               f"Compétences attendues : {_join(skills[:3])}. "
               f"{qualities[0]} et {qualities[1].lower()} sont indispensables sur ce poste.")
    time = "à temps plein" if hours >= 35 else f"à temps partiel ({hours}h par semaine)"
    conditions = f"{contract_phrase}, {time}."
    if domain.remote:
        conditions += " " + rng.choice(REMOTE)
    benefits = "Avantages : " + _join(rng.sample(domain.benefits, min(3, len(domain.benefits)))) + "."
    parts = [intro, mission_block, profile, conditions]
    words = sum(len(p.split()) for p in parts)
    # Keep every description within 60-150 words: drop the benefits if too long, pad if too short.
    if salaried and words + len(benefits.split()) <= 150:  # no employee benefits for libéral/franchise
        parts.append(benefits)
        words += len(benefits.split())
    fillers = list(FILLERS)
    while words < 60 and fillers:
        filler = fillers.pop(rng.randrange(len(fillers)))
        parts.append(filler)
        words += len(filler.split())
    return "\n\n".join(parts)


def _offer_id(index: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for _ in range(6):
        index, r = divmod(index, 36)
        out.append(digits[r])
    return SAMPLE_ID_PREFIX + "".join(reversed(out))


# ------------------------------------------------------------------------------------------- offers


def _offer(seed: int, index: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{index}")
    job = _JOB_MIX.pick(rng)
    domain = DOMAINS[job.domain]
    city_idx = _CITY_MIX.pick(rng)
    city = CITIES[city_idx]
    mixed_label, upper_label, city_name = _CITY_LABELS[city_idx]
    title = rng.choice(job.titles)
    alternance = job.alternance_ok and rng.random() < 0.07
    exp = _experience(rng, alternance)
    type_code, type_libelle, nature, contract_phrase = _contract(rng, job, alternance)
    hours, duree, duree_kind = _hours(rng, domain)
    root = rng.choice(COMPANY_ROOTS)
    temp = type_code in ("MIS", "DIN")
    company = rng.choice(TEMP_AGENCIES if temp else domain.employers).format(r=root)
    competences = _skills(rng, job, title)
    qualities = rng.sample(QUALITIES, rng.choice((2, 3, 3)))
    date_creation, date_update = _dates(rng, now)
    offer_id = _offer_id(index)
    pitch = rng.choice(domain.pitches) if rng.random() < 0.5 else None

    offer: dict[str, Any] = {
        "id": offer_id,
        "intitule": _title(rng, title.text, job.domain, exp, alternance),
        "description": _description(
            rng, company=company, temp_client=rng.choice(domain.clients) if temp else None, title=title.text,
            city=city_name, job=job, skills=[c["libelle"] for c in competences],
            qualities=[q for q, _ in qualities], exp=exp, contract_phrase=contract_phrase, hours=hours,
            pitch=None if temp else pitch, salaried=type_code not in ("LIB", "FRA")),
        "dateCreation": date_creation,
        "dateActualisation": date_update,
        "lieuTravail": {
            "libelle": mixed_label if rng.random() < 0.5 else upper_label,
            "latitude": city.lat,
            "longitude": city.lon,
            "codePostal": city.postal,
            "commune": city.insee,
            "pays": "France",
        },
        "romeCode": job.rome,
        "romeLibelle": job.label,
        "appellationlibelle": title.appellation,
        "entreprise": {"entrepriseAdaptee": False},
        "typeContrat": type_code,
        "typeContratLibelle": type_libelle,
        "natureContrat": nature,
        "experienceExige": exp.exige,
        "experienceLibelle": exp.libelle,
        "competences": competences,
        "qualitesProfessionnelles": [{"libelle": q, "description": d} for q, d in qualities],
        "salaire": _salary(rng, job, exp, hours, type_code, alternance),
        "alternance": alternance,
        "nombrePostes": _POSTES_MIX.pick(rng),
        "accessibleTH": rng.random() < 0.1,
        "origineOffre": {"origine": "1", "urlOrigine": SAMPLE_URL.format(id=offer_id)},
    }
    if rng.random() < 0.92:  # some employers stay anonymous
        offer["entreprise"]["nom"] = company
        if pitch and not temp:
            offer["entreprise"]["description"] = f"{company} est {pitch}."
    if rng.random() < 0.75:
        offer["dureeTravailLibelle"] = duree
        offer["dureeTravailLibelleConverti"] = "Temps plein" if hours >= 35 else "Temps partiel"
        context: dict[str, list[str]] = {"horaires": [duree]}
        if duree_kind == "Autre":
            context["conditionsExercice"] = ["Autre"]
        offer["contexteTravail"] = context
    if rng.random() < 0.7:
        offer["qualificationCode"] = job.qualification
        offer["qualificationLibelle"] = QUALIFICATIONS[job.qualification]
    if rng.random() < 0.85:
        naf = "78.20Z" if temp else rng.choice(job.naf)
        offer["codeNAF"] = naf
        offer["secteurActiviteLibelle"] = NAF[naf]
    if job.formation and rng.random() < 0.35:
        level, field = job.formation
        offer["formations"] = [{"codeFormation": _code(field, 5), "domaineLibelle": field,
                                "niveauLibelle": level, "exigence": rng.choice("ES")}]
    if job.permis:
        offer["permis"] = [{"libelle": job.permis[0], "exigence": job.permis[1]}]
    if job.domain in (IT, HOTELLERIE, COMMUNICATION) and rng.random() < 0.25:
        offer["langues"] = [{"libelle": "Anglais", "exigence": rng.choice("ES")}]
    if rng.random() < 0.25:
        offer["deplacementCode"], offer["deplacementLibelle"] = rng.choice(TRAVEL)
    if rng.random() < 0.5:
        offer["trancheEffectifEtab"] = rng.choice(HEADCOUNTS)
    return offer


def generate_offers(
    count: int, seed: int = 42, start_index: int = 0, now: datetime | None = None
) -> list[dict[str, Any]]:
    """``count`` offers with global indices ``start_index ..``, each shaped like a France Travail result.

    Offer ``i`` depends only on ``(seed, i, now)``, so ``generate_offers(5, start_index=10)`` equals items
    10..14 of ``generate_offers(15)``. ``now`` (default: the fixed ``DEFAULT_NOW``) anchors the dates: every
    offer is created and updated within the 30 days before it. A naive ``now`` is taken as UTC.
    """
    if count < 0 or start_index < 0:
        raise ValueError("count and start_index must be >= 0")
    if start_index + count - 1 > MAX_INDEX:
        raise ValueError(f"sample ids are 6 base-36 digits: index must stay <= {MAX_INDEX}")
    moment = DEFAULT_NOW if now is None else now
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return [_offer(seed, i, moment) for i in range(start_index, start_index + count)]
