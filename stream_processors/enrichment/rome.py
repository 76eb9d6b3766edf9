"""ROME occupation code, label, confidence and domain.

France Travail gives ``romeCode``/``romeLibelle`` (confidence 1.0). For Adzuna the code is inferred
from a lexicon of title keywords (ROME 4.0 codes): the most specific pattern matching the title wins
(confidence 0.85, or 0.7 for a generic pattern); failing that, a pattern in the description's first
sentence gives 0.4; otherwise the code stays unknown. The domain is ROME's *grand domaine*, the first
letter of the code.
"""

from __future__ import annotations

import re
from typing import Any

from stream_processors.enrichment.text import MAX_TITLE, as_str, fold

DOMAINS = {
    "A": "Agriculture et pêche, espaces naturels et espaces verts, soins aux animaux",
    "B": "Arts et façonnage d'ouvrages d'art",
    "C": "Banque, assurance, immobilier",
    "D": "Commerce, vente et grande distribution",
    "E": "Communication, média et multimédia",
    "F": "Construction, bâtiment et travaux publics",
    "G": "Hôtellerie-restauration, tourisme, loisirs et animation",
    "H": "Industrie",
    "I": "Installation et maintenance",
    "J": "Santé",
    "K": "Services à la personne et à la collectivité",
    "L": "Spectacle",
    "M": "Support à l'entreprise",
    "N": "Transport et logistique",
}

# (pattern on the folded title, ROME code, label, specific?) — order matters: first match wins.
_LEXICON: list[tuple[str, str, str, bool]] = [
    # Alternance/stage prefixes are stripped before matching; IT first (most of the corpus).
    (r"devops|site reliability|\bsre\b", "M1827", "Ingénieur / Ingénieure DevOps", True),
    (r"architecte (?:cloud|aws|azure|gcp)|cloud architect", "M1860", "Architecte cloud", True),
    (r"data engineer|ingenieur (?:de )?donnees|ingenieur data|big data", "M1811", "Data engineer", True),
    (r"data scien|machine learning|\bml engineer|intelligence artificielle|\bia\b engineer|research scientist",
     "M1405", "Data scientist", True),
    (r"business intelligence|\bbi\b|analyste decisionnel|data analyst|analyste (?:de )?donnees",
     "M1851", "Analyste décisionnel - Business Intelligence", True),
    (r"cyber|securite (?:des systemes d'information|informatique)|\bsoc\b analyst|pentest",
     "M1844", "Analyste en cybersécurité", True),
    (r"\brssi\b", "M1812", "Responsable de la Sécurité des Systèmes d'Information (RSSI)", True),
    (r"product owner|\bpo\b|product manager", "M1806", "Product Owner", True),
    (r"(?:test|qa|validation) (?:lead|engineer|manager|logiciel)|testeur|\bqa\b|software (?:test|validation)"
     r"|validation engineer|ingenieur (?:test|validation)", "M1815",
     "Spécialiste test et validation logiciel ou application", True),
    (r"chef(?:fe)? de projets? (?:it|si|informatique|digital|web|erp|crm|moa|moe|technique)"
     r"|it project manager|project manager it", "M1853",
     "Chef / Cheffe de projet étude et développement informatique", True),
    (r"administrat\w* (?:systeme|reseau|sys|si)|sysadmin|ingenieur (?:systeme|reseau)s?"
     r"|systems? engineer|network engineer|ingenieur infrastructure", "M1822",
     "Ingénieur / Ingénieure systèmes et réseaux informatiques", True),
    (r"technicien (?:informatique|support|helpdesk|hotline|de proximite)|support (?:informatique|it)"
     r"|helpdesk|hotline", "M1810", "Technicien / Technicienne informatique", True),
    (r"developpeur web|web developer|front[- ]?end|integrateur web", "M1855",
     "Développeur / Développeuse web", True),
    (r"jeux? video|game (?:developer|programmer)|gameplay", "M1831", "Développeur / Développeuse - jeux vidéo",
     True),
    (r"developpeu|developer|programmeu|programmer|software engineer|ingenieur logiciel|full[- ]?stack"
     r"|back[- ]?end|concepteur developpeur|analyste[- ]programmeu|informaticien|tech lead|lead dev"
     r"|embedded software|logiciel embarque|ingenieur (?:informatique|developpement)", "M1805",
     "Développeur / Développeuse informatique", True),
    (r"servicenow|salesforce|\bsap\b|\berp\b|\bcrm\b|integrateur", "M1813",
     "Intégrateur / Intégratrice logiciels métiers", True),
    (r"engineering manager|head of engineering|\bcto\b|directeur (?:des systemes d'information|informatique)"
     r"|\bdsi\b", "M1803", "Directeur / Directrice des services informatiques -DSI-", True),
    # Design, communication, media
    (r"\bux\b|\bui\b|user experience|designer (?:de )?service|product designer|ux/ui|ui/ux", "E1206",
     "UX - UI Designer", True),
    (r"motion design|motion designer|animat\w* 3d|3d artist|modeleur 3d|vfx", "E1207", "Motion designer",
     True),
    (r"graphiste|graphic designer|infographiste|designer graphique|directeur artistique|directrice artistique"
     r"|art director|illustrat|maquettiste", "E1205", "Graphiste", True),
    (r"community manager|social media|traffic manager|content manager|charge\w* de communication"
     r"|communication manager|responsable (?:de la )?communication|chargee? de contenu", "E1101",
     "Animateur / Animatrice de communauté virtuelle", False),
    (r"redacteur|redactrice|copywriter|journaliste|content writer", "E1106", "Journaliste", False),
    (r"styliste|fashion designer|modeliste", "B1805", "Styliste", True),
    (r"designer (?:industriel|produit)|industrial designer|product design", "H1204",
     "Designer industriel / Designeuse industrielle", True),
    (r"architecte d'interieur|interior design|decorat", "F1102", "Architecte d'intérieur", True),
    (r"marketing", "M1705", "Responsable marketing", False),
    # Industry / engineering
    (r"automaticien|automatisme|\bgtb\b|\bgtc\b", "H1208", "Automaticien / Automaticienne en bureau d'études",
     True),
    (r"dessinateur[- ]projeteur|projeteur|dessinateur (?:industriel|mecanique)", "H1203",
     "Dessinateur-projeteur / Dessinatrice-projeteuse en mécanique", True),
    (r"dessinateur (?:en )?(?:electricite|electronique)|dessinateur photovoltaique", "H1202",
     "Dessinateur / Dessinatrice en électricité-électronique", True),
    (r"dessinateur|\bbim\b|modeleur|projeteur btp|dessinateur batiment", "F1104",
     "Dessinateur / Dessinatrice du BTP", False),
    (r"technicien (?:d'|en )?essais?|technicien r&d|technicien (?:de )?recherche", "H1210",
     "Technicien / Technicienne R&D", True),
    (r"technicien (?:d'etudes|bureau d'etudes|etudes)", "H1209", "Technicien / Technicienne études électroniques",
     False),
    (r"(?:responsable|directeur|directrice) (?:de )?(?:projets? )?r&d|responsable de projet recherche",
     "H1218", "Responsable de projet recherche et développement", True),
    (r"ingenieur (?:r&d|recherche|conception|mecanique|electronique|produit|calcul|etudes?|systeme embarque"
     r"|hardware|electrique|electrotechnique)|r&d engineer|design engineer|mechanical engineer"
     r"|electronics engineer|expert electronique|hardware engineer|ingenieur informatique & numerique",
     "H1206", "Ingénieur / Ingénieure R&D en industrie", True),
    (r"ingenieur (?:methodes?|process|procedes|industrialisation|production|amelioration continue"
     r"|equipements?)|process engineer|manufacturing engineer|ingenieur genie des procedes", "H1402",
     "Ingénieur / Ingénieure méthodes et process", True),
    (r"technicien (?:methodes?|industrialisation|process)", "H1404", "Technicien / Technicienne méthodes", True),
    (r"ingenieur (?:d')?affaires|business developer|technico[- ]commercial|attache\w* technico|charge\w* d'affaires",
     "D1407", "Technico-commercial / Technico-commerciale", True),
    (r"(?:responsable|manager|directeur) (?:assurance )?qualite|quality manager|ingenieur (?:assurance )?qualite"
     r"|ingenieur qhse|\bqhse\b|qualiticien|animateur qualite|assurance qualite|quality assurance",
     "H1502", "Responsable qualité en industrie", True),
    (r"\bhse\b|hygiene securite environnement|prevention des risques|\bqse\b|technicien qualite,? securite",
     "H1303", "Technicien / Technicienne en Hygiène, Sécurité, Environnement industriel (HSE)", True),
    (r"(?:controleur|controle|technicien|agent|assistant|inspecteur)\w* (?:de )?(?:controle )?qualite"
     r"|quality (?:control|inspector|technician)|controle d'aspect|technicien qualite", "H1506",
     "Contrôleur / Contrôleuse technique en métallurgie", False),
    (r"chimiste|technicien (?:de )?laboratoire|laborantin|technicien analytique|analyste (?:de )?laboratoire"
     r"|agent de laboratoire|lab technician|technicien contr\w* (?:et )?analyse|\bhplc\b", "H1503",
     "Technicien / Technicienne de laboratoire en industrie", True),
    (r"pharmaco|toxicolog|biolog|chercheu|research|scientifique|scientist|postdoc|post-doc|doctorant|these",
     "K2402", "Ingénieur / Ingénieure de recherche scientifique", False),
    (r"biostatisti|statisticien", "K2403", "Biostatisticien / Biostatisticienne", True),
    (r"ingenieur (?:environnement|icpe|eau)|charge\w* d'(?:etudes|affaires) (?:environnement|mesures)"
     r"|ecolog|biodiversite|environmental engineer|mesures environnementales", "A1303",
     "Ingénieur / Ingénieure agronome", False),
    (r"soudeu|welder", "H2913", "Soudeur / Soudeuse", True),
    (r"chaudronn", "H2902", "Chaudronnier / Chaudronnière", True),
    (r"tuyauteu|tuyauterie", "H2914", "Tuyauteur / Tuyauteuse", True),
    (r"fraiseu|tourneu|usineu|rectifieu|commande numerique|\bcn\b|\bcnc\b|programmeur (?:cn|cnc|cfao)",
     "H2903", "Tourneur-fraiseur / Tourneuse-fraiseuse", True),
    (r"regleu|monteur regleur", "H2912", "Régleur / Régleuse d'équipements industriels", True),
    (r"cableu|cablage", "H2602", "Câbleur / Câbleuse d'armoires", True),
    (r"ajusteur|monteur ajusteur|outilleur", "H2901", "Ajusteur-monteur / Ajusteuse-monteuse", True),
    (r"peintre (?:industriel|aeronautique)|peintre en industrie", "H3404",
     "Peintre industriel / Peintre industrielle", True),
    (r"conducteur (?:de )?ligne|pilote de ligne|conducteur de machine|operateur (?:de )?(?:ligne|production"
     r"|fabrication|traitement)|agent (?:de )?(?:production|fabrication)|ouvrier\w* (?:agro|de production)"
     r"|operateur|ouvrier\w* de l'agroalimentaire|ouvrier agroalimentaire", "H2102",
     "Conducteur / Conductrice de ligne en industrie alimentaire", False),
    (r"agent (?:de )?conditionnement|conditionnement|emballage", "H3302", "Agent / Agente de conditionnement",
     False),
    (r"chef d'equipe|team leader|chef(?:fe)? d'atelier|responsable d'atelier|superviseur production",
     "H2504", "Chef / Cheffe d'équipe en industrie", False),
    (r"responsable (?:de )?production|directeur (?:de )?(?:production|usine|site)|plant manager", "H2502",
     "Responsable d'unité de production industrielle", True),
    (r"planificat|ordonnanc|gestionnaire de flux|supply chain", "H1401",
     "Responsable ordonnancement-lancement-planification en industrie", False),
    # Maintenance
    (r"electromecanic|technicien (?:de )?maintenance|maintenance industrielle|agent de maintenance"
     r"|mecanicien (?:de )?maintenance", "I1304", "Technicien / Technicienne de maintenance industrielle", True),
    (r"electricien (?:industriel|de maintenance)|electrotechnicien|electricien nucleaire", "I1309",
     "Électricien / Électricienne de maintenance", True),
    (r"frigoriste|froid", "I1306", "Frigoriste", True),
    (r"\bcvc\b|chauffagiste|climatisation|genie climatique|metteur au point", "I1316",
     "Technicien / Technicienne de maintenance Chauffage, Ventilation et Climatisation - CVC", True),
    (r"mecanicien (?:pl|poids lourds?|vehicules? industriels?)", "I1613",
     "Mécanicien / Mécanicienne des véhicules des transports routiers", True),
    (r"mecanicien (?:engins?|tp)|engins tp", "I1616",
     "Mécanicien / Mécanicienne d'engins de chantier et de travaux publics", True),
    (r"mecanicien (?:aeronautique|avion)|aircraft mechanic", "I1602", "Mécanicien / Mécanicienne aéronautique",
     True),
    (r"mecanicien (?:agricole|materiels? agricoles?)|mecanique agricole", "I1603",
     "Mécanicien-réparateur / Mécanicienne-réparatrice en matériels agricoles", True),
    (r"mecanicien|mecanique auto", "I1604", "Mécanicien / Mécanicienne automobile", False),
    (r"recherche de fuite|technicien (?:sav|d'intervention|itinerant)", "I1402", "Technicien / Technicienne SAV",
     False),
    # Construction
    (r"conducteur (?:de )?travaux|ingenieur travaux|responsable (?:de )?travaux|directeur (?:de )?travaux",
     "F1201", "Conducteur / Conductrice de travaux", True),
    (r"chef de chantier|chef d'equipe (?:tp|travaux)", "F1202", "Chef / Cheffe de chantier", True),
    (r"ingenieur (?:d'etudes )?(?:btp|structure|genie civil|cvc|vrd|hydraulique)|ingenieur d'etudes|bureau d'etudes"
     r"|chef(?:fe)? de projets? (?:en )?(?:hydraulique|barrages|genie civil|btp|vrd|infrastructure)",
     "F1106", "Ingénieur / Ingénieure d'études BTP", True),
    (r"conducteur (?:d')?engins?", "F1302", "Conducteur / Conductrice d'engins de chantier", True),
    (r"canalisateur|ouvrier\w* (?:polyvalent )?(?:vrd|tp|travaux publics)|manoeuvre", "F1702",
     "Ouvrier / Ouvrière en voiries", False),
    (r"plombier", "F1603", "Plombier / Plombière", True),
    (r"electricien", "F1602", "Électricien / Électricienne du bâtiment", False),
    (r"charpent", "F1503", "Charpentier / Charpentière", True),
    (r"menuisier|agenceur|ebeniste", "H2206", "Menuisier / Menuisière", True),
    (r"macon", "F1703", "Maçon / Maçonne", True),
    (r"peintre", "F1606", "Peintre en bâtiment", False),
    (r"geometre|topograph", "F1107", "Géomètre-topographe", True),
    (r"metreu|economiste de la construction", "F1108", "Métreur / Métreuse de la construction", True),
    (r"architecte", "F1101", "Architecte", False),
    # Health, services, education
    (r"infirmi", "J1506", "Infirmier / Infirmière en soins généraux (IDE)", True),
    (r"aide[- ]soignant", "J1501", "Aide-soignant / Aide-soignante", True),
    (r"biologiste medical", "J1201", "Biologiste médical / Biologiste médicale", True),
    (r"pharmacien", "J1202", "Pharmacien / Pharmacienne", True),
    (r"moniteur[- ]educateur|monitrice[- ]educatrice", "K1208", "Moniteur éducateur / Monitrice éducatrice",
     True),
    (r"educateur|educatrice", "K1207", "Éducateur spécialisé / Éducatrice spécialisée", False),
    (r"nounou|garde d'enfants?|baby[- ]?sitt", "K1303", "Garde d'enfant à domicile", True),
    (r"soutien scolaire|prof(?:esseur)? (?:a domicile|particulier)|cours particuliers", "K2107",
     "Professeur / Professeure de collège et de lycée", True),
    (r"formateur|formatrice|formation\b", "K2111", "Formateur / Formatrice", False),
    (r"animat(?:eur|rice)", "G1202", "Animateur / Animatrice d'activités culturelles et de loisirs", False),
    (r"esthetici", "D1208", "Esthéticien / Esthéticienne", True),
    # Commerce, business support, logistics
    (r"conseiller immobilier|agent immobilier|negociateur immobilier", "C1504", "Conseiller / Conseillère immobilier",
     True),
    (r"chef de rayon|responsable de rayon", "D1502", "Chef / Cheffe de rayon alimentaire", False),
    (r"directeur (?:de )?magasin|responsable (?:de )?magasin|store manager", "D1301", "Responsable de magasin",
     True),
    (r"directeur (?:d')?(?:agence|centre)|responsable d'agence|franchise", "M1302",
     "Responsable de Petite ou Moyenne Entreprise -PME-", False),
    (r"vendeu|conseiller de vente|sales associate", "D1212", "Vendeur / Vendeuse en équipement de la maison",
     False),
    (r"commercial|sales|business development|account (?:manager|executive)|charge\w* de clientele", "D1402",
     "Commercial / Commerciale grands comptes et entreprises", False),
    (r"recrut|talent acquisition|recruiter", "M1502", "Chargé / Chargée de recrutement", True),
    (r"ressources humaines|\brh\b|\bhr\b", "M1501", "Assistant / Assistante ressources humaines", False),
    (r"comptab|accountant", "M1203", "Comptable", True),
    (r"controleur de gestion|controle de gestion", "M1204", "Contrôleur / Contrôleuse de gestion", True),
    (r"acheteu|achats?\b|procurement|buyer", "M1102", "Responsable des achats", True),
    (r"consultant|conseil en organisation", "M1402", "Consultant / Consultante en organisation et management",
     False),
    (r"assistant\w* (?:de direction|administrati|d'agence)|secretaire|office manager", "M1604",
     "Assistant / Assistante de direction", False),
    (r"enqueteu|enquetric|releve compteur", "M1404", "Sondeur enquêteur / Sondeuse enquêtrice", False),
    (r"chef(?:fe)? de projets?|project manager|gestion de projets?|pilote (?:de )?projets?|directeur (?:de )?projets?",
     "M1828", "Chef de projet / Cheffe de projet (Project Management Officer)", False),
    (r"preparateu\w* (?:de )?commandes?|picking", "N1103", "Préparateur / Préparatrice de commandes", True),
    (r"magasinier|logisticien|agent logistique", "N1110", "Magasinier / Magasinière", True),
    (r"cariste", "N1101", "Cariste", True),
    (r"pontier", "N1104", "Pontier / Pontière", True),
    (r"chauffeur|conducteur (?:pl|spl|poids lourds?)|livreur", "N4101", "Conducteur / Conductrice de poids lourd",
     False),
    (r"agent (?:de )?distribution|distributeur de (?:catalogues|prospectus)|\bfacteur\b", "M1603",
     "Facteur / Factrice", False),
    (r"porcher|eleveu|agricole|ouvrier agricole", "A1408", "Éleveur / Éleveuse d'animaux", False),
    (r"desoss|boucher|abattoir", "H2101", "Ouvrier / Ouvrière d'abattoir", True),
    (r"agent (?:de )?tri", "K2304", "Agent / Agente de tri des déchets", True),
]
_COMPILED = [(re.compile(p), code, label, specific) for p, code, label, specific in _LEXICON]
_PREFIX = re.compile(r"^(?:alternance|alternant\w*|stage|stagiaire|apprenti\w*|job etudiant|freelance|cdi|cdd)"
                     r"\s*[-:–]?\s*")


def domain_of(code: str | None) -> str | None:
    return DOMAINS.get(code[0].upper()) if code else None


def infer(title: str, description: str = "") -> tuple[str | None, str | None, float | None]:
    """(code, label, confidence) from the lexicon, or (None, None, None)."""
    folded = _PREFIX.sub("", fold(title[:MAX_TITLE]))
    for pattern, code, label, specific in _COMPILED:
        if pattern.search(folded):
            return code, label, 0.85 if specific else 0.7
    first_sentence = re.split(r"(?<=[.!?])\s", fold(description)[:300], maxsplit=1)[0]
    for pattern, code, label, specific in _COMPILED:
        if specific and pattern.search(first_sentence):
            return code, label, 0.4
    return None, None, None


def from_france_travail(payload: dict[str, Any], title: str, description: str) -> tuple[
        str | None, str | None, float | None]:
    code = as_str(payload.get("romeCode"))
    if code and re.fullmatch(r"[A-N]\d{4}", code.upper()):
        return code.upper(), as_str(payload.get("romeLibelle")), 1.0
    return infer(title, description)
