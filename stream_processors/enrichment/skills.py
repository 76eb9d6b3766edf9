"""Hard skills (France Travail ``competences[]`` plus a lexicon) and soft skills.

The lexicon favours precision: each skill has explicit spellings matched on word boundaries
(so "Java" never fires inside "JavaScript", "Excel" not inside "excellent"); ambiguous short names
are only taken in unambiguous forms ("Golang", "langage R", "Vue.js", "Node.js"); French words that
double as product names ("tableau", "vue") are left out; languages only count when asked for.
"""

from __future__ import annotations

import re
from typing import Any

from stream_processors.enrichment.text import MAX_TITLE, as_str, fold

_B = r"(?<![\w+#.-])"  # left boundary: not inside a word, a version or "C++" ("PHP/Symfony" is fine)
_E = r"(?![\w+#]|\.\w)"  # right boundary

# canonical name → patterns (regex, matched on folded lower-case text unless prefixed with "(?-i)").
_LEXICON: dict[str, list[str]] = {
    "Python": [r"python"],
    "Java": [r"java(?!\s*script)(?:\s*(?:ee|se|8|11|17|21))?"],
    "JavaScript": [r"javascript", r"(?<=[(,] )js(?=\s*[/,)])", r"(?<=[(,])js(?=\s*[/,)])", r"ecmascript"],
    "TypeScript": [r"typescript"],
    "PHP": [r"php"],
    "Symfony": [r"symfony"],
    "Laravel": [r"laravel"],
    "C#": [r"c\s?#", r"c#\.net", r"c sharp"],
    ".NET": [r"\.net(?:\s*core)?", r"dotnet", r"asp\.net", r"c#\.net"],
    "C++": [r"c\+\+"],
    "Ruby": [r"ruby(?! on rails)"],
    "Ruby on Rails": [r"ruby on rails", r"rails"],
    "Go": [r"golang", r"go\s*\(golang\)", r"langage go", r"(?<=, )go(?=,)"],
    "Rust": [r"rust"],
    "Kotlin": [r"kotlin"],
    "Swift": [r"swift(?:ui)?(?=\s*(?:/|,|\)|et|and|ou|or))", r"langage swift"],
    "Scala": [r"scala"],
    "R": [r"langage r", r"rstudio", r"r studio", r"r/python", r"python/r", r"python et r", r"python, r"],
    "Cobol": [r"cobol"],
    "WinDev": [r"windev"],
    "VBA": [r"vba"],
    "MATLAB": [r"matlab"],
    "Simulink": [r"simulink"],
    "LabVIEW": [r"labview"],
    "SQL": [r"sql(?!\s*server)", r"t-sql", r"pl/sql"],
    "SQL Server": [r"sql server", r"mssql"],
    "PostgreSQL": [r"postgres\w{0,4}", r"postgre\s?sql"],  # bounded: see _search
    "MySQL": [r"mysql", r"mariadb"],
    "Oracle": [r"oracle(?:\s*db| database)?(?=\s*(?:/|,|\)|et |ou |sql))", r"base(?:s)? (?:de donnees )?oracle"],
    "MongoDB": [r"mongo\s?db", r"mongo", r"mangodb"],
    "NoSQL": [r"nosql"],
    "Elasticsearch": [r"elastic\s?search", r"elk"],
    "Redis": [r"redis"],
    "Kafka": [r"kafka"],
    "Spark": [r"spark", r"pyspark"],
    "Hadoop": [r"hadoop"],
    "Airflow": [r"airflow"],
    "dbt": [r"dbt"],
    "Snowflake": [r"snowflake"],
    "Databricks": [r"databricks"],
    "ETL": [r"etl", r"talend", r"informatica"],
    "Power BI": [r"power\s?bi"],
    "Qlik": [r"qlik\s?(?:sense|view)?"],
    "Looker": [r"looker"],
    "Excel": [r"excel", r"ms excel"],
    "Microsoft Office": [r"pack office", r"suite office", r"microsoft office", r"ms office", r"office 365",
                         r"outils bureautiques"],
    "Machine Learning": [r"machine learning", r"apprentissage automatique"],
    "Deep Learning": [r"deep learning", r"apprentissage profond"],
    "TensorFlow": [r"tensorflow"],
    "PyTorch": [r"pytorch"],
    "pandas": [r"pandas"],
    "scikit-learn": [r"scikit[- ]learn", r"sklearn"],
    "LLM": [r"llms?", r"large language models?"],
    "React": [r"react(?:\.?js)?(?=\s*(?:/|,|\)|native|et |and |ou |or |\.|$))", r"reactjs", r"react native"],
    "Angular": [r"angular(?:js)?"],
    "Vue.js": [r"vue\.?js", r"vuejs"],
    "Node.js": [r"node\.?js", r"nodejs", r"node(?=\s*(?:/|\)))"],
    "HTML/CSS": [r"html5?", r"css3?"],
    "GraphQL": [r"graphql"],
    "REST API": [r"apis?\s*rest(?:ful)?", r"rest(?:ful)?\s*apis?", r"web\s?services?\s*rest", r"apis?\s*\(rest"],
    "Spring": [r"spring\s*(?:boot|framework|batch|cloud|mvc)", r"(?<=\()spring(?=\))", r"spring(?=\s*/)"],
    "Django": [r"django"],
    "Flask": [r"flask"],
    "FastAPI": [r"fastapi"],
    "Hibernate": [r"hibernates?"],
    "Flutter": [r"flutter"],
    "Android": [r"android"],
    "iOS": [r"ios"],
    "Docker": [r"dockers?"],
    "Kubernetes": [r"kubernetes", r"k8s"],
    "OpenShift": [r"openshift"],
    "Terraform": [r"terraform"],
    "Ansible": [r"ansible"],
    "Jenkins": [r"jenkins"],
    "CI/CD": [r"ci\s*/\s*cd", r"integration continue", r"continuous integration"],
    "Git": [r"git(?!\s*(?:hub|lab))"],
    "GitLab": [r"gitlab(?:\s*ci)?"],
    "GitHub": [r"github"],
    "Linux": [r"linux", r"unix", r"debian", r"ubuntu", r"red\s?hat"],
    "Windows": [r"windows(?:\s*(?:server|10|11))?"],
    "Active Directory": [r"active directory"],
    "VMware": [r"vmware", r"vsphere"],
    "AWS": [r"aws", r"amazon web services"],
    "Azure": [r"azure"],
    "GCP": [r"gcp", r"google cloud(?: platform)?"],
    "Salesforce": [r"salesforce"],
    "ServiceNow": [r"service\s?now"],
    "SAP": [r"sap(?:\s*(?:s/4\s*hana|hana|fi|co|mm|sd|pp))?"],
    "Jira": [r"jira"],
    "Scrum": [r"scrum"],
    "Agile": [r"(?:methodes?|methodologies?|methodologie de travail|mode|mode projet|equipes?|contexte|environnement"
              r"|demarche|pratiques?|cadre|projets?|principes?|maniere|reunions|ceremoniaux d'une equipe)\s+agiles?",
              r"agiles?\s*(?:/|\(|,)?\s*(?:scrum|kanban|safe)", r"(?<=\()agile", r"agilite\s+(?:scrum|kanban)",
              r"cycle en v,?\s+agilite", r"agile methodolog\w{0,4}", r"en agile",
              r"agile (?:team|environment|methodology|ways of working)"],
    "Figma": [r"figma"],
    "Photoshop": [r"photoshop"],
    "Illustrator": [r"adobe illustrator", r"illustrator(?=\s*(?:/|,|\)|et |and |ou ))",
                    r"(?<=photoshop, )illustrator", r"(?<=photoshop/)illustrator"],
    "InDesign": [r"indesign"],
    "After Effects": [r"after effects?"],
    "Premiere Pro": [r"premiere pro", r"adobe premiere"],
    "Adobe Creative Suite": [r"suite adobe", r"adobe creative (?:suite|cloud)", r"pack adobe"],
    "Blender": [r"blender"],
    "SketchUp": [r"sketchup"],
    "Unreal Engine": [r"unreal(?: engine)?"],
    "AutoCAD": [r"autocad"],
    "SolidWorks": [r"solidworks", r"solid works"],
    "CATIA": [r"catia"],
    "Creo": [r"creo"],
    "Revit": [r"revit"],
    "BIM": [r"bim"],
    "CAO/DAO": [r"cao", r"dao", r"\bcad\b", r"conception assistee par ordinateur"],
    "CFAO": [r"cfao", r"\bfao\b", r"\bcam\b"],
    "Automates programmables": [r"automates? programmables?", r"\bplc\b", r"tia portal", r"step ?7"],
    "Électronique analogique": [r"electronique analogique"],
    "Habilitation électrique": [r"habilitations? electriques?", r"habilitation (?:b[0-2r]|h[0-2])"],
    "CACES": [r"caces"],
    "Permis B": [r"permis b", r"permis de conduire"],
    "HACCP": [r"haccp"],
    "ISO 9001": [r"iso\s?9001"],
    "ISO 14001": [r"iso\s?14001"],
    "Lean": [r"lean(?: management| manufacturing)?", r"kaizen", r"\b5s\b"],
    "Six Sigma": [r"six sigma", r"6 sigma"],
    "AMDEC": [r"amdec", r"fmea"],
    "BPF/GMP": [r"\bbpf\b", r"\bgmp\b", r"bonnes pratiques de fabrication"],
    "HPLC": [r"hplc", r"chromatographie"],
    "Soudure": [r"soudure", r"soudage", r"\btig\b", r"\bmig\b", r"\bmag\b"],
    "Lecture de plans": [r"lecture de plans?", r"lire (?:et interpreter )?(?:des|les|un|le) plans?"],
    "Gestion de projet": [r"gestion de projets?", r"conduite de projets?", r"pilotage de projets?",
                          r"project management", r"management de projets?"],
    "Anglais": [r"anglais", r"(?:fluent|proficient|professional|good|excellent|strong|business)\s+"
                r"(?:level of\s+|command of\s+)?english", r"english\s+(?:fluency|proficiency|speaking|is required)",
                r"bilingue anglais", r"(?:fluent|fluency) in english"],
    "Allemand": [r"(?:anglais|langue|parler|maitrise|bilingue|niveau)\W+(?:\w+\W+){0,3}allemand",
                 r"allemand\s+(?:courant|souhaite|apprecie|serait|est un plus|obligatoire|exige|requis|bilingue)",
                 r"(?:fluent|good|professional)\s+german"],
    "Espagnol": [r"(?:anglais|langue|parler|maitrise|bilingue|niveau)\W+(?:\w+\W+){0,3}espagnol",
                 r"espagnol\s+(?:courant|souhaite|apprecie|serait|est un plus|obligatoire|exige|requis)",
                 r"(?:fluent|good|professional)\s+spanish"],
}


def _compile(patterns: list[str]) -> re.Pattern[str]:
    # The left boundary is checked by hand (see _search): a leading lookbehind stops the regex engine
    # from skipping ahead to the patterns' possible first characters, which made matching 3x slower.
    return re.compile("|".join(f"(?:{p}){_E}" for p in patterns))


_COMPILED = [(name, _compile(patterns)) for name, patterns in _LEXICON.items()]
_LEFT_BOUNDARY = re.compile(_B)


def _search(pattern: re.Pattern[str], text: str) -> bool:
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        if _LEFT_BOUNDARY.match(text, m.start()):
            return True
        # Inside a word: a match may still start further on. Patterns must not end in an unbounded
        # repetition ("\w*"): each rejected match would rescan the rest of the word (quadratic).
        pos = m.start() + 1
    return False


# Mentions that are not requirements: benefits, tooling, company blurbs.
_NOISE = re.compile(
    r"cours (?:particuliers )?d'anglais|formations? (?:en |d')anglais|presentee? au permis"
    r"|(?:outils?|logiciels?|methodologie) de gestion de projets?"
)


def from_text(*texts: str) -> list[str]:
    """Canonical skill names found in the texts, in lexicon order, without duplicates."""
    folded = _NOISE.sub(" ", "\n".join(fold(t) for t in texts if t))
    return [name for name, pattern in _COMPILED if _search(pattern, folded)]


def _libelles(items: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(items, list):
        return out
    for item in items:
        label = as_str(item.get("libelle")) if isinstance(item, dict) else (
            as_str(item) if isinstance(item, str) else None)
        if label and label not in out:
            out.append(label)
    return out


def hard_skills(title: str, description: str, competences: Any = None) -> list[str]:
    skills = _libelles(competences)
    for name in from_text(title[:MAX_TITLE], description):
        if name not in skills:
            skills.append(name)
    return skills


def soft_skills(qualites: Any) -> list[str]:
    return _libelles(qualites)
