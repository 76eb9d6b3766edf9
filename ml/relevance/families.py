"""Job families: what an offer's title says the job is, for grading relevance.

A family is one occupation (the unit a candidate searches for: "développeur", "conducteur de ligne");
families of one ``group`` are neighbours (a data engineer's query finds a developer offer somewhat
relevant). Rules read the accent-folded, lowercased title only, first match wins, so specific families
come before generic ones. Titles that are not jobs (training courses sold as offers) map to ``None``.
The enrichment's ROME code is deliberately not used: on the real offers it is inferred from the same
text and is wrong often enough (temp-agency offers coded as "chargé de recrutement") to poison labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ml.lexical import fold


@dataclass(frozen=True)
class Family:
    name: str
    group: str
    pattern: re.Pattern[str]


_EXCLUDE = re.compile(r"^(formation|careers?$|site subcontract)|cours individuel|cours collectif")

_RULES: list[tuple[str, str, str]] = [
    # ---- IT
    ("embedded", "it", r"embedded|embarque"),
    ("data_engineer", "it", r"data engineer|ingenieur (de )?donnees|ingenieur data|big data|data reliability|\betl\b"
                            r"|engineer.*data|data platform"),
    ("data_scientist", "it", r"data scien|machine learning|\bml\b|intelligence artificielle|\bia\b|deep learning"
                             r"|\bnlp\b"),
    ("data_analyst", "it", r"data analyst|analyste (de )?donnees|business intelligence|\bbi\b|analyste bi"
                           r"|analyste decisionnel|power ?bi"),
    ("devops", "it", r"devops|\bsre\b|site reliability|ingenieur cloud|cloud engineer|observability"
                     r"|platform engineer"),
    ("security", "it", r"cyber|securite informatique|securite des systemes|\bsoc\b|pentest|\brssi\b"),
    ("it_support", "it", r"support (informatique|it|utilisateur)|helpdesk|help desk|technicien (informatique"
                         r"|de proximite|support|hardware)|it support|\bn1\b|\bn2\b"),
    ("sysadmin", "it", r"administrateur (systeme|reseau)|systemes? et reseaux|ingenieur systeme|ingenieur reseau"
                       r"|technicien (systeme|reseau)|infrastructure|architecte (cloud|si|systeme)|\bdba\b"),
    ("erp_consultant", "it", r"\bsap\b|\berp\b|salesforce|servicenow|\bcrm\b.*(consultant|developpeur)|dynamics 365"
                             r"|consultant.*(crm|agentforce)|aveva|\beai\b"),
    ("qa_tester", "it", r"testeur|test et (validation|automatisation)|\bqa\b(?! ?manager)|automaticien de test"
                        r"|recette"),
    ("product_owner", "it", r"product owner|product manager|chef de produit (digital|technique)|\bscrum\b"),
    ("it_project_manager", "it", r"chef de projets? (informatique|it|digital|si|technique applicatif|web)"
                                 r"|directeur.*(systemes d'information|informatique)|\bdsi\b"),
    ("it_project_manager", "it", r"\bcto\b|chief technology"),
    ("software_dev", "it", r"(?<!business )developpe|(?<!business )developer|programmeur(?!.*(machine|cn|cnc|cfao"
                           r"|tolerie))|programmeuse|software|logiciel|engineering manager|staff engineer"
                           r"|full.?stack|back.?end|front.?end|tech lead|lead dev|informaticien"
                           r"|ingenieur (d'etudes et )?developpement|\bjava\b|\.net|\bphp\b|python|javascript|react"
                           r"|angular|windev|cobol|android|\bios\b|mobile"),
    # ---- design, communication, marketing
    ("product_designer", "design", r"industrial designer|designer (produit|industriel)|fashion|womenswear|menswear"
                                   r"|styliste|designer textile"),
    ("ux_designer", "design", r"\bux\b|\bui\b|designer (de )?service|product design|ergonome|design d'interaction"),
    ("graphic_designer", "design", r"graphiste|infographiste|directeur artistique|web ?design|motion design"
                                   r"|illustrat|\b3d\b|quest designer|game designer|designer graphique|designer"),
    ("marketing", "communication", r"marketing|community manager|social media|content manager|communication"
                                   r"|redacteur|chef de projet digital|seo|brand"),
    # ---- industry
    ("textile", "industry_production", r"couturi|brodeu|tailleur|retouch|confection|piqueu"),
    ("plant_manager", "management", r"directeu(r|rice) (d'usine|de site|industriel|de (la )?production"
                                    r"|d'exploitation|dexploitation|des operations)|responsable (de )?production"
                                    r"|plant manager|production manager"),
    ("line_operator", "industry_production", r"conducteur (de |d')?(ligne|machine|installation)|regleur(?!.*cn)"
                                             r"|pilote de ligne|conducteur de machines"),
    ("production_operator", "industry_production", r"agent (de |d')?(production|fabrication|conditionnement)"
                                                   r"|operat(eur|rice)(-rice)? (de )?(production|fabrication"
                                                   r"|conditionnement|montage|fonderie)|ouvrier (agroalimentaire"
                                                   r"|de production|d'abattoir)|monteur assembleur"
                                                   r"|operateur de montage|assembleur|desosseur|agent polyvalent"
                                                   r"|plieur|agent de decoupe|fromag|laseriste"),
    ("quality_technician", "quality", r"(technicien|agent|assistant|controleur|inspecteur)(ne)?.{0,12}(qualite"
                                      r"|\bqse\b|\bqhse\b|\bhse\b)|controle qualite|metrolog"),
    ("quality_manager", "quality", r"(responsable|ingenieur|animateur|directeur|manager|pilote|chef).{0,15}(qualite"
                                   r"|\bqse\b|\bqsse\b|\bqhse\b|\bhse\b|\bhqe\b)|quality|\bqhse\b|\bqsse\b|\bqse\b"
                                   r"|\bhse\b"),
    ("electrician", "electrical", r"cableu(r|se)|monteur.cableur"),
    ("mechanic", "vehicles", r"mecanicien|carrossier|garagiste|technicien (auto|vehicule|poids lourds)"),
    ("maintenance_technician", "maintenance", r"maintenance|electromecani|electromecanien|technicien sav|depanneur"
                                              r"|frigoriste|metteur au point"),
    ("automation", "electrical", r"automaticien|automatisme|informaticien industriel"),
    ("electrician", "electrical", r"electricien|electrotechnic|cableu(r|se)|monteur cableur|electricite"),
    ("welder_boilermaker", "metalwork", r"soudeu|chaudronn|tuyauteur|metallier|serrurier"),
    ("machinist", "metalwork", r"tourneu|fraiseu|usineur|usinage|commande numerique|\bcnc?\b|ajusteur|outilleur"
                               r"|programmeur (cn|cnc|machine|cfao)|decolleteur|rectifieu"),
    ("lab_technician", "lab", r"laborat|laborantin|chimiste|microbiolog|technicien (de )?mesures|biolog|analyses"
                              r"|coloriste"),
    ("methods_engineer", "engineering", r"methodes|industrialisation|ingenieur (de )?process|ingenieur procedes"
                                        r"|process engineer|lean|amelioration continue|ordonnancement|planification"),
    ("rd_engineer", "engineering", r"r ?& ?d|ingenieur de recherche|research|recherche et developpement"
                                   r"|ingenieur (mecanique|materiaux|thermicien|equipements|produit|hardware"
                                   r"|electronique|systeme embarque|calculs?)|hardware|essais?|design engineer"
                                   r"|qualification et validation|conception"),
    ("draftsman", "engineering", r"dessinat|projeteu|\bbim\b|revit|modeleur|bureau d'etudes|technicien d'etudes"),
    ("environment_engineer", "environment", r"environnement|sites et sols|\bicpe\b|qualite de l'air|hydrogeolog"
                                            r"|economie circulaire|dechets|traitement des eaux|hydraulique"
                                            r"|desamiantage|deconstruction|energetique|photovoltai|nucleaire|\bair\b"),
    ("study_engineer", "engineering", r"ingenieur.{0,6}etudes?|charge d'etudes|ingenieur (structure|genie civil|cvc"
                                      r"|hvac|electricite|ventilation|genie electrique)|etude de prix|economiste"
                                      r"|ingenieur planning"),
    ("project_manager", "management", r"chef(fe)? de projets?|directeur de projets?|charge d'affaires"
                                      r"|project manager|\bpmo\b|chef projet|responsable d'affaires"
                                      r"|che\(fe\)/directeur"),
    # ---- construction
    ("site_manager", "construction", r"ingenieur travaux|chef de chantier|conducteur de travaux|chef d'equipe"
                                     r"|chef de site|responsable de site"),
    ("construction_machine_driver", "construction", r"conducteur d'engins|engins de chantier|nacelliste|pelle"
                                                    r"|grutier"),
    ("plumber_hvac", "construction", r"plombier|chauffagiste|\bcvc\b|climatisation|genie climatique|frigori"),
    ("roofer", "construction", r"couvreu|zingu|etancheu|charpent"),
    ("construction_worker", "construction", r"macon|plaquiste|manoeuvre|ouvrier (polyvalent|vrd|btp)|carreleur"
                                            r"|peintre en batiment|coffreur|\bvrd\b|charpentier|artisan multi"
                                            r"|ouvrier en voiries|etancheur|facadier|canalisat"),
    ("carpenter", "wood", r"menuisi|menuiser|ebeniste|agenceur|operateur bois|secteur bois|scieur"),
    ("industrial_painter", "metalwork", r"peintre"),
    # ---- logistics and transport
    ("warehouse", "logistics", r"magasinier|cariste|preparateu(r|se) de commandes|manutentionnaire|agent de tri"
                               r"|gestionnaire de flux|logisti|approvisionn|agent de quai|entrepot|supply chain"),
    ("driver", "logistics", r"chauffeur|conducteur (poids lourds?|pl|spl|routier|de bus|de car)|livreur|ripeur"
                            r"|ambulancier"),
    # ---- sales and retail
    ("store_manager", "retail", r"directeu(r|rice) (de )?magasin|responsable (de )?(magasin|boutique|rayon)"
                                r"|chef de rayon|manager (de )?magasin|directeur magasin"),
    ("seller", "retail", r"vendeu|concepteur.?vendeur|conseill(er|ere) de vente|caissi|hote de caisse|employe (libre"
                         r"|de rayon)|libre.service|concepteur.?agenceur"),
    ("sales_rep", "sales", r"commercia|business develop|account (manager|executive)|chef de secteur"
                           r"|ingenieur d'affaires|delegue|\bkam\b|grands comptes|responsable de secteur|attache"),
    ("agency_director", "management", r"directeu(r|rice) (d'|de l')?agence|responsable (de |d')?(centre|agence)"
                                      r"|directeur de centre|franchis|chef d'entreprise|directeur general"
                                      r"|devenez patron"),
    ("real_estate", "sales", r"immobili|gestionnaire locatif|negociateur"),
    # ---- office
    ("payroll", "hr", r"paie|payroll"),
    ("recruiter", "hr", r"recrut|recruit|talent acquisition|ressources humaines|\brh\b|human resources"),
    ("accountant", "finance", r"comptab|controleur de gestion|auditeur|audit|tresor|financ|fiscal"),
    ("admin_assistant", "office", r"assistant\S* (de direction|administrati|d'agence|commercial|adv|rh)|secretaire"
                                  r"|office manager|agent administratif|gestionnaire administratif"
                                  r"|assistant(e)? (de gestion)?$|\badv\b"),
    ("bank_insurance", "finance", r"banc|clientele (bancaire|particuliers)|souscript|assuranc|\biard\b"),
    ("customer_service", "sales", r"teleconseill|service client|relation client|charge de clientele"
                                  r"|conseiller client"),
    ("legal", "office", r"juriste|juridique|avocat|notari"),
    ("consultant", "management", r"consultant|conseil en organisation"),
    # ---- health, care, education
    ("nurse", "health", r"infirmi|infimier|\bide\b|\bibode\b"),
    ("care_assistant", "care", r"aide.?soignant|auxiliaire de vie|assistant(e)? de vie|aide a domicile"
                               r"|agent de service hospitalier|\bash\b|accompagnant"),
    ("pharmacy", "health", r"pharmac"),
    ("optician", "health", r"opticien|optique|lunett"),
    ("physiotherapist", "health", r"kine|physiotherap|osteopath"),
    ("doctor", "health", r"medecin|docteur|physician|orthophon|sage.femme"),
    ("childcare", "care", r"garde d'enfant|nounou|baby.?sit|puericult|petite enfance|assistante maternelle|\batsem\b"),
    ("social_educator", "care", r"educat|moniteur|surveillant de nuit|maitre(sse)? de maison|agent d'animation"
                                r"|animat(eur|rice) (periscolaire|bafa|de loisirs)|\bbafa\b|periscolaire"),
    ("teacher", "education", r"professeur|\bprof\b|enseignant|soutien scolaire|cours particuliers|formateu|pedagogi"),
    # ---- services
    ("cleaning", "services", r"nettoyage|proprete|agent d'entretien|femme de (chambre|menage)|employe d'etage"),
    ("security_guard", "services", r"agent de (securite|surete|prevention)|\bssiap\b|gardien|vigile"),
    ("cook", "hospitality", r"cuisinier|cuisiniere|chef de cuisine|chef de partie|commis|plongeur|patissier"
                            r"|boulanger|equipier polyvalent"),
    ("waiter", "hospitality", r"serveu|chef de rang|barman|barmaid|receptionn|maitre d'hotel"),
    ("hairdresser", "services", r"coiff|esthetic"),
    ("agriculture", "agriculture", r"agricol|horticult|arboricult|paysagis|jardinier|espaces verts|ostreicole"
                                   r"|porcher|elevage|viticult|vendang|raisin|maraich|agronom|tracteur"
                                   r"|agent de culture"),
    # ---- generic titles, last so that a specific rule wins
    ("production_operator", "industry_production", r"^operat(eur|rice)\b|^monteur$"),
]

FAMILIES: tuple[Family, ...] = tuple(Family(n, g, re.compile(p)) for n, g, p in _RULES)
FAMILY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(f.name for f in FAMILIES))
GROUP_OF: dict[str, str] = {f.name: f.group for f in FAMILIES}
# Groups whose families a candidate of the other would still look at (a developer and a data engineer).
_NEAR_GROUPS = {frozenset({"it", "design"}), frozenset({"industry_production", "quality"}),
                frozenset({"maintenance", "electrical"}), frozenset({"engineering", "environment"}),
                frozenset({"sales", "retail"}), frozenset({"management", "sales"}),
                frozenset({"health", "care"}), frozenset({"vehicles", "maintenance"})}


def _normalise(title: str) -> str:
    return re.sub(r"\s+", " ", fold(title)).strip()


@lru_cache(maxsize=100_000)
def family_of(title: str) -> str | None:
    """The family of an offer (or of a query's target job) from its title; None when none applies."""
    text = _normalise(title)
    if not text or _EXCLUDE.search(text):
        return None
    for fam in FAMILIES:
        if fam.pattern.search(text):
            return fam.name
    return None


def related(a: str | None, b: str | None) -> bool:
    """Neighbouring families: same group, or groups a candidate of one would also consider."""
    if a is None or b is None or a == b:
        return a is not None and a == b
    ga, gb = GROUP_OF.get(a), GROUP_OF.get(b)
    return ga == gb or frozenset({ga, gb}) in _NEAR_GROUPS
