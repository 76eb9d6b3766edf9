"""Occupation words for a candidate who describes the work instead of naming the job, or writes in English.

"je soigne des patients la nuit" shares no word with an offer titled "Infirmier de nuit": BM25 finds
nothing, and the dense side alone carries such queries (paraphrases were the weakest style of the
benchmark, 0.54 nDCG@10 on dev). A small thesaurus of French work activities ("soigner", "patients",
"tableaux de bord", "réclamations", "chantiers" …) maps each to the occupation words offers use, and
those words are added to the *lexical* query only (the dense query and the explanations keep the
candidate's own words).

Only text written in the first person ("je …", "j'…", "I …") is expanded: a query that names a job
("conducteur de ligne", "technicien de maintenance en CDI") already has the words, and expanding it cost
titles 0.04 and profiles 0.06 nDCG@10 on dev. The first ``LIMIT`` cues found, in the order below, give
their words. The cues were written from general knowledge of French job titles, and cut to whole words
where a fragment fired on everyday French ("recherche", "prépare", "contrat", "direction", "serveur"):
dev 0.715 -> 0.732, held-out 0.683 -> 0.697 (bench/labels/relevance/README.md).

English job words ("nurse", "truck", "welder", "accountant" …) get the French words offers use, whatever
the query's form (a glossary of words French titles do not use themselves, so a French query is left as it
is): English queries 0.659 -> 0.726 held-out, the whole set 0.697 -> 0.711.
"""

from __future__ import annotations

import re

from stream_processors.enrichment.text import fold

LIMIT = 3
_FIRST_PERSON = re.compile(r"\b(?:je|j'|moi|mon|ma|mes|i|my|me)\b", re.IGNORECASE)

# (cue on the folded text, occupation words): order matters where several cues match (the first LIMIT win).
_CUES: list[tuple[str, str]] = [
    (r"\bsoign|\bsoins?\b|patients?|malades?|hopital|clinique|pansements?|perfusions?", "infirmier aide-soignant"),
    (r"personnes? agees|domicile|dependan|ehpad|toilette", "auxiliaire de vie aide à domicile"),
    (r"\brecrut|candidats?|entretiens? d.embauche|sourcing|chasse de tetes|talents?",
     "recruteur chargé de recrutement talent acquisition"),
    (r"\bpaie\b|bulletins? de (?:salaire|paie)|salaires des|fiches? de paie", "gestionnaire de paie"),
    (r"ressources humaines|\brh\b|formation des salaries|relations sociales", "RH ressources humaines"),
    # specific IT and engineering work first: it would otherwise read as generic software or design work
    (r"backlog|user stor|besoins? (?:des )?(?:metiers?|utilisateurs)|specifications? fonctionnelles"
     r"|cahiers? des charges",
     "product owner business analyst chef de projet MOA"),
    (r"architectur\w* (?:logicielle|technique|des systemes|cloud|applicative)", "architecte logiciel architecte cloud"),
    (r"embarque|microcontroleurs?|firmware|temps reel|cartes? electroniques?|circuits? imprimes"
     r"|composants electroniques",
     "ingénieur systèmes embarqués électronicien"),
    (r"\berp\b|\bsap\b|progiciels?|parametr\w* (?:un |le |des )?logiciels?", "consultant ERP SAP fonctionnel"),
    (r"sprints?|ceremonies|agilite|equipes? agiles?|scrum", "scrum master coach agile"),
    (r"bases? de donnees|sauvegardes?|\bdba\b", "administrateur base de données DBA"),
    (r"simulations? numeriques?|elements finis|calculs? de structure|dimensionn|resistance des materiaux",
     "ingénieur calcul structure simulation"),
    (r"industrialis|gammes? de fabrication|process de fabrication|amelioration continue|\blean\b"
     r"|temps de cycle",
     "ingénieur méthodes technicien méthodes amélioration continue"),
    (r"planifi\w* (?:la )?production|ordonnancement|flux (?:de marchandises|logistiques?|physiques)"
     r"|supply chain|previsions? de ventes",
     "supply chain planificateur logistique"),
    (r"instruments? de mesure|etalonn|metrolog|tolerances?", "métrologue technicien contrôle"),
    (r"moteurs? electriques?|armoires? electriques?|electrotechni|automatismes? industriels?",
     "électrotechnicien automaticien"),
    (r"chambres? froides|froid industriel|frigorif|pompes? a chaleur|climatiseurs?", "frigoriste technicien CVC"),
    (r"tableaux? de bord|indicateurs|\bkpi|reporting|dashboards?|visualis\w* (?:des |les )?donnees"
     r"|requetes? sql|analys\w* (?:des |les )?donnees",
     "data analyst analyste BI"),
    (r"pipelines? de donnees|flux de donnees|\betl\b|entrepots? de donnees|donnees .* nuit"
     r"|millions de lignes|ingestion",
     "data engineer ingénieur données"),
    (r"modeles? predictifs?|apprentissage automatique|intelligence artificielle|\bia\b|\bpredi",
     "data scientist machine learning"),
    (r"\bcod(?:e|er|ais|ent)\b|programm|developp\w* (?:des )?(?:applications?|logiciels?"
     r"|sites?)|applications? (?:web|mobiles?)|logiciels?",
     "développeur ingénieur logiciel"),
    (r"sites? (?:web|internet)|pages? web|interfaces? web|front.end", "développeur web front-end"),
    (r"serveurs? (?:linux|windows|web|informatiques?|d.applications?|cloud|debout)|deploiements?"
     r"|infrastructures? (?:informatiques?|cloud|it)|cloud|reseaux? informatiques?|production informatique"
     r"|astreinte",
     "devops administrateur systèmes réseaux"),
    (r"postes? de travail|imprimantes?|utilisateurs? (?:en|qui)"
     r"|depann\w* (?:les )?(?:ordinateurs|pc|utilisateurs)|support (?:aux )?utilisateurs"
     r"|helpdesk",
     "technicien support informatique helpdesk"),
    (r"attaques? informatiques?|pirat|cyber|failles?|intrusions?|securite informatique"
     r"|securite des systemes",
     "cybersécurité sécurité informatique analyste SOC"),
    (r"\btests? (?:logiciels?|fonctionnels|automatises|unitaires)|bugs?\b"
     r"|recette (?:fonctionnelle|logicielle|applicative)|cahiers? de recette|qualite logicielle"
     r"|automatis\w* (?:les )?tests",
     "testeur QA test"),
    (r"ergonomi|experience utilisateur|parcours utilisateurs?|maquettes?|wireframes?|usagers", "UX designer UI"),
    (r"logos?\b|affiches?|identite visuelle|charte graphique|mise en page|illustr|graphisme",
     "graphiste designer graphique"),
    (r"videos?|montage video|motion design|animations? (?:2d|3d|video)", "motion designer vidéo"),
    (r"reseaux sociaux|communaute|publications?|posts?\b|contenus?|redig|articles",
     "community manager chargé de communication rédacteur"),
    (r"campagnes?|marques?|marketing|notoriete|referencement|\bseo\b|acquisition",
     "marketing chargé de marketing digital"),
    (r"\bvend|ventes?|prospect|devis|portefeuille clients?|negoci|chiffre d.affaires"
     r"|commerciaux",
     "commercial vendeur business developer"),
    (r"\bmagasin\b|boutique|rayons?|caisse|clients? en magasin|mise en rayon",
     "vendeur conseiller de vente employé libre-service"),
    (r"appels? (?:des )?clients|appels? entrants|au telephone|par telephone|reclamations?|relation client"
     r"|service client|hotline",
     "conseiller clientèle service client téléconseiller"),
    (r"factur|comptab|bilans?|ecritures|rapprochements?|fiscal|tva", "comptable gestionnaire comptable"),
    (r"budgets?|controle de gestion|couts?|previsions? financieres|tresorerie", "contrôleur de gestion financier"),
    (r"conseil|missions? chez|grands comptes|transformation|audit", "consultant"),
    (r"projets?|planning|coordonn|pilot|jalons?|de a a z|livraison du projet", "chef de projet"),
    (r"chiffr\w* (?:les )?(?:projets|travaux|chantiers|ouvrages)|appels? d.offres|etudes? de prix",
     "chargé d'études de prix économiste de la construction"),
    (r"chantiers?|batiments?|travaux|gros oeuvre|ouvriers", "conducteur de travaux chef de chantier BTP"),
    (r"\bmurs?\b|parpaings?|beton|macon|coffrage", "maçon"),
    (r"electricit|installations? electriques?|cables?|tableaux? electriques?|courant|raccord", "électricien"),
    (r"plomberie|tuyau|sanitaires?|chauffage|chaudieres?|climatisation|ventilation",
     "plombier chauffagiste frigoriste"),
    (r"plans? (?:techniques?|d.ensemble|de (?:batiments?|pieces?))|dessin|\bcao\b|autocad|solidworks|catia"
     r"|conception mecanique|concev",
     "dessinateur projeteur ingénieur conception bureau d'études"),
    (r"\brepar|depann|pannes?|entretien|maintenance|remet\w* en etat", "technicien de maintenance mécanicien"),
    (r"moteurs?|voitures?|vehicules?|garage|vidanges?|freins?", "mécanicien automobile"),
    (r"machines?|usine|chaine|ligne de production|production|fabrication|conditionnement"
     r"|emball",
     "opérateur de production conducteur de ligne"),
    (r"\busin|fraiseuse|commande numerique|\bcn\b|pieces? metalliques", "usineur tourneur fraiseur"),
    (r"\bsoud|\btoles?\b|metal|chaudronn|acier|inox", "soudeur chaudronnier"),
    (r"qualite|controle|conformite|normes?|\biso\b|audit qualite|non.conformites?",
     "qualité technicien qualité responsable qualité"),
    (r"laboratoire|\banalyses?\b|prelevements?|echantillons?|essais|chimi|biolog",
     "technicien de laboratoire chimiste"),
    (r"recherche (?:et developpement|scientifique|appliquee)|innovation|nouveaux produits|prototypes?|r&d",
     "ingénieur R&D recherche développement"),
    (r"automates?|automatismes|robots?|\bplc\b|supervision", "automaticien roboticien"),
    (r"entrepot|stocks?|colis|prepar\w* (?:des )?commandes|chariot|cariste|logistique"
     r"|reception des marchandises",
     "préparateur de commandes cariste logisticien magasinier"),
    (r"camions?|\blivr(?:e|es|er|ent|ons|ais|ait|aison|aisons)\b|\bcondui(?:s|t|re|sons)\b|routes?"
     r"|transport|poids lourds?|permis c|tournees?|poubelles?|collecte",
     "chauffeur livreur conducteur poids lourd"),
    (r"cuisin|\bplats?\b|recettes? de cuisine|restaurant|fourneaux", "cuisinier commis de cuisine"),
    (r"serv\w* (?:les )?clients? (?:en )?salle|en salle\b|salle de restaurant|\bbar\b|\bcafes?\b|boissons"
     r"|plateaux",
     "serveur barman"),
    (r"hotel|reception|accueil|clients? a l.arrivee|standard", "réceptionniste agent d'accueil"),
    (r"menage|nettoy|proprete|entretien des locaux", "agent d'entretien agent de propreté"),
    (r"enfants?|creche|\beleves?\b|enseign|donner des cours|cours particuliers|animer des ateliers|pedagog",
     "éducateur animateur professeur enseignant"),
    (r"surveill\w* (?:des |les )?(?:locaux|batiments|sites|magasins|parkings)|securite des biens|gardiennage"
     r"|rondes?|vigile",
     "agent de sécurité"),
    (r"jardins?|espaces verts|tonte|taille (?:des|de haies|d.arbres)|plantes?|paysag",
     "jardinier paysagiste agent espaces verts"),
    (r"tracteurs?|materiel agricole|agricol|recoltes?|vignes?|elevage|maraich|semis|cerealier",
     "ouvrier agricole mécanicien agricole"),
    (r"avions?|aeronautique|aerien|helicopteres?", "aéronautique technicien aéronautique"),
    (r"depollu|amiante|desamiant|environnemental|dechets|sols pollues|etudes? d.impact",
     "environnement ingénieur environnement HSE"),
    (r"sante et securite|prevention des risques|\bhse\b|\bqhse\b|accidents? du travail", "HSE QHSE animateur sécurité"),
    (r"achats?|fournisseurs?|approvisionn", "acheteur approvisionneur"),
    (r"juridique|redig\w* (?:des )?contrats|droit (?:des|du|social|des affaires)|litiges?|contentieux|avocat",
     "juriste"),
    (r"\bagences?\b|centre de profit|diriger|prendre la tete|manager une equipe"
     r"|encadr\w* (?:une |des |l.)?equipes?",
     "directeur d'agence responsable manager"),
    (r"assist\w* (?:la |le )?(?:direction|dirigeant)|agendas?|courriers?|secretariat"
     r"|administratif|dossiers",
     "assistant de direction assistant administratif secrétaire"),
    (r"immobili|\bbiens?\b|visites? de (?:logements|biens|appartements)|syndic|\bbaux\b",
     "agent immobilier négociateur immobilier"),
    (r"\bbanque|credits? (?:immobiliers?|a la consommation)|epargne|\bprets? (?:immobiliers?|bancaires?)"
     r"|assurances?|sinistres?",
     "conseiller bancaire chargé de clientèle assurance"),
    # health, care, crafts and services: rarely found beside the others
    (r"medicaments?|\bordonnances?\b|officine|pharmac", "pharmacien préparateur en pharmacie"),
    (r"reeducation|\bkine|massages?|mobilite des patients", "kinésithérapeute"),
    (r"lunettes|verres correcteurs|examens? de vue|montures?", "opticien"),
    (r"animaux|\bchiens?\b|\bchats?\b|veterinaire", "auxiliaire vétérinaire soigneur animalier"),
    (r"ambulances?|transport de patients|brancard|services? d.urgences", "ambulancier"),
    (r"accompagn\w* (?:des )?(?:personnes|jeunes|familles) en difficulte|insertion|travail social|handicap",
     "éducateur spécialisé travailleur social"),
    (r"\bpains?\b|viennoiseries?|patisseries?|gateaux|fournil", "boulanger pâtissier"),
    (r"viandes?|boucherie|charcuterie", "boucher"),
    (r"cheveux|coiffure|brushing", "coiffeur"),
    (r"peintures?|enduits?|papiers? peints?", "peintre en bâtiment"),
    (r"\bbois\b|menuiseries?|meubles?|charpentes?|portes et fenetres", "menuisier charpentier"),
    (r"toitures?|\btoits?\b|tuiles|zinguerie", "couvreur"),
    (r"carrelage|faience|chapes?\b", "carreleur"),
    (r"\bformer\b|formations?\b|apprenants|stagiaires", "formateur"),
    (r"traduction|tradui|interpretes?\b|langues? etrangeres", "traducteur interprète"),
    (r"articles? de presse|reportages?|journalis", "journaliste rédacteur"),
    (r"photos?\b|photographi|prises? de vues?", "photographe"),
    (r"organis\w* (?:des )?(?:voyages|sejours)|agences? de voyages|touris", "agent de voyages conseiller voyages"),
]

_THESAURUS = [(re.compile(cue), words) for cue, words in _CUES]

# English job words -> the French words offers use (BM25 cannot match "nurse" with "infirmier"; the dense
# side is multilingual already). Only words that French job titles do not use themselves, so a French query
# never fires one.
_GLOSSARY: list[tuple[str, str]] = [
    (r"\bnurs(?:e|es|ing)\b", "infirmier soins"),
    (r"\bcare (?:assistant|worker|giver)s?\b|\bcaregivers?\b", "aide-soignant auxiliaire de vie"),
    (r"\belderly\b|\bnursing home\b", "personnes âgées EHPAD"),
    (r"\bdoctors?\b|\bphysicians?\b|\bgeneral practitioner\b", "médecin"),
    (r"\bpharmacists?\b|\bpharmacy\b", "pharmacien pharmacie"),
    (r"\bnann(?:y|ies)\b|\bbabysitt\w*|\bchildcare\b|\bchildren\b|\bkids\b", "garde d'enfants enfants"),
    (r"\bteach(?:er|ers|ing)?\b|\btutor(?:s|ing)?\b|\bschool\b", "professeur enseignant cours"),
    (r"\byouth worker\b|\bsocial (?:worker|educator)\b", "éducateur spécialisé"),
    (r"\btruck(?:s)?\b|\blorr(?:y|ies)\b|\bheavy (?:vehicles?|goods)\b", "poids lourd camion"),
    (r"\b(?:truck|delivery|bus|van|lorry) drivers?\b|\bdriving\b", "chauffeur conducteur livreur"),
    (r"\bmechanics?\b", "mécanicien"),
    (r"\bweld(?:er|ers|ing)\b", "soudeur soudure"),
    (r"\bboilermakers?\b|\bsheet metal\b", "chaudronnier"),
    (r"\bmachinists?\b|\bcnc\b", "usineur commande numérique"),
    (r"\bdraftsm[ae]n\b|\bdrafter\b|\bcad\b", "dessinateur projeteur CAO"),
    (r"\bplumbers?\b|\bplumbing\b", "plombier"),
    (r"\bheating\b|\bhvac\b", "chauffagiste chauffage climatisation"),
    (r"\belectricians?\b", "électricien"),
    (r"\bcarpent(?:er|ers|ry)\b|\bjoiners?\b", "menuisier charpentier"),
    (r"\bpainters?\b", "peintre"),
    (r"\broofers?\b", "couvreur"),
    (r"\bbricklayers?\b|\bmasons?\b", "maçon"),
    (r"\bbuilding sites?\b|\bconstruction (?:site|worker)s?\b", "BTP chantier"),
    (r"\bsite managers?\b|\bforem[ae]n\b", "chef de chantier conducteur de travaux"),
    (r"\bfactory\b|\bassembly line\b|\bproduction line\b|\bline operators?\b", "opérateur de production usine"),
    (r"\bfood industry\b|\bfood processing\b", "agroalimentaire"),
    (r"\bwarehouse\b|\bforklift\b|\bpicker\b|\border picking\b", "préparateur de commandes cariste entrepôt"),
    (r"\bquality\b", "qualité"),
    (r"\binspectors?\b|\binspection\b", "contrôleur contrôle"),
    (r"\bsafety\b|\bhealth and safety\b", "sécurité HSE"),
    (r"\baerospace\b|\baircraft\b|\baviation\b", "aéronautique"),
    (r"\benvironmental\b|\bwaste\b|\bwater treatment\b", "environnement déchets eau"),
    (r"\bcooks?\b|\bcooking\b|\bkitchen\b", "cuisinier cuisine"),
    (r"\bwaiters?\b|\bwaitress(?:es)?\b|\bbartenders?\b", "serveur barman"),
    (r"\bbakers?\b|\bbakery\b", "boulanger"),
    (r"\bbutchers?\b", "boucher"),
    (r"\bhairdressers?\b|\bhair stylists?\b", "coiffeur"),
    (r"\bcleaners?\b|\bcleaning\b|\bhousekeep\w*", "agent d'entretien propreté"),
    (r"\bsecurity guards?\b", "agent de sécurité"),
    (r"\bgardeners?\b|\bgardening\b|\blandscap\w*", "jardinier paysagiste espaces verts"),
    (r"\bfarm(?:er|ers|ing)?\b|\bagricultur\w*", "agricole ouvrier agricole"),
    (r"\bsales(?:person|people|man|woman)?\b|\bselling\b", "commercial vente"),
    (r"\bshop assistants?\b|\bretail\b|\bcashiers?\b", "vendeur magasin"),
    (r"\bcustomer (?:service|support|care)\b|\bcall cent(?:er|re)\b", "service client conseiller clientèle"),
    (r"\breal estate\b|\bestate agents?\b", "immobilier"),
    (r"\binsurance\b|\bunderwrit\w*", "assurance souscripteur"),
    (r"\bbank(?:ing|er|ers)?\b|\bloans?\b", "banque conseiller bancaire"),
    (r"\baccount(?:ant|ants|ing)\b|\bbookkeep\w*", "comptable comptabilité"),
    (r"\bfinancial controller\b|\bcontrolling\b", "contrôleur de gestion"),
    (r"\bpayroll\b", "paie gestionnaire de paie"),
    (r"\brecruit(?:er|ers|ing|ment)?\b|\btalent acquisition\b", "recruteur chargé de recrutement"),
    (r"\bhuman resources\b|\bhr\b", "ressources humaines RH"),
    (r"\blawyers?\b|\blegal (?:counsel|advisor|officer)s?\b|\bcounsel\b|\bparalegal\b", "juriste avocat juridique"),
    (r"\bbuyers?\b|\bpurchasing\b|\bprocurement\b", "acheteur achats"),
    (r"\badministrative\b|\boffice assistants?\b|\bsecretar(?:y|ies)\b", "assistant administratif secrétaire"),
    (r"\bsoftware\b", "logiciel développeur"),
    (r"\bdevelopers?\b|\bprogrammers?\b|\bcoding\b|\bwrite code\b", "développeur"),
    (r"\bengineers?\b|\bengineering\b", "ingénieur"),
    (r"\btechnicians?\b", "technicien"),
    (r"\bnetwork\b|\bsystems? administrator\b|\bsysadmin\b", "réseaux administrateur systèmes"),
    (r"\bhelp ?desk\b|\bit support\b", "support informatique technicien helpdesk"),
    (r"\btest(?:ing|er|ers)\b|\bsoftware test\b", "test testeur QA"),
    (r"\bgraphic designers?\b|\bgraphic design\b", "graphiste"),
    (r"\binternships?\b|\bintern\b", "stage stagiaire"),
    (r"\bapprentice(?:ship)?s?\b|\bwork.study\b", "alternance apprentissage"),
    (r"\bfranchisees?\b", "franchise franchisé"),
    (r"\bstore managers?\b|\bbranch managers?\b|\bagency director\b", "directeur de magasin responsable d'agence"),
    (r"\bmanagement consult\w*|\bconsulting\b", "conseil consultant"),
]
_GLOSSES = [(re.compile(cue), words) for cue, words in _GLOSSARY]


def translations(text: str) -> list[str]:
    """The French words of the English job words in ``text``."""
    folded = fold(text)
    return [words for cue, words in _GLOSSES if cue.search(folded)]


def describes_work(text: str) -> bool:
    """Written in the first person: a description of the work, not a job title."""
    return bool(_FIRST_PERSON.search(text.replace("’", "'")))


def occupations(text: str, limit: int = LIMIT) -> list[str]:
    """The occupation words of the first ``limit`` activity cues found in ``text``."""
    folded = fold(text)
    return [words for cue, words in _THESAURUS if cue.search(folded)][:limit]


def expand_query(text: str) -> str:
    """``text`` plus the French words of its English job words, and the occupation words of its activities
    when it describes the work."""
    extra = translations(text) + (occupations(text) if describes_work(text) else [])
    return f"{text} {' '.join(dict.fromkeys(extra))}" if extra else text
