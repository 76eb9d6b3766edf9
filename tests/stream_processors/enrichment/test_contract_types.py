from __future__ import annotations

from schemas.events import ContractType
from stream_processors.enrichment import contracts


def ft(**payload: object) -> tuple[ContractType | None, str | None, str | None]:
    return contracts.from_france_travail(dict(payload), "Développeur")


def test_france_travail_codes() -> None:
    assert ft(typeContrat="CDI")[0] is ContractType.CDI
    assert ft(typeContrat="CDD")[0] is ContractType.CDD
    assert ft(typeContrat="MIS", typeContratLibelle="Intérim - 7 Jour(s)")[0] is ContractType.INTERIM
    assert ft(typeContrat="DIN")[0] is ContractType.INTERIM
    assert ft(typeContrat="SAI")[0] is ContractType.SAISONNIER
    assert ft(typeContrat="LIB")[0] is ContractType.FREELANCE
    assert ft(typeContrat="FRA")[0] is ContractType.FREELANCE


def test_france_travail_work_study_overrides_the_cdd() -> None:
    assert ft(typeContrat="CDD", natureContrat="Contrat apprentissage")[0] is ContractType.ALTERNANCE
    assert ft(typeContrat="CDD", natureContrat="Cont. professionnalisation")[0] is ContractType.ALTERNANCE
    assert ft(typeContrat="CDD", alternance=True)[0] is ContractType.ALTERNANCE


def test_france_travail_label_and_working_time() -> None:
    contract, label, working = ft(typeContrat="CDI", typeContratLibelle="CDI",
                                  dureeTravailLibelleConverti="Temps plein")
    assert (contract, label, working) == (ContractType.CDI, "CDI", "full_time")
    assert ft(dureeTravailLibelle="20H Horaires normaux - Temps partiel")[2] == "part_time"
    assert ft(typeContrat=None, typeContratLibelle=["CDI"])[0:2] == (None, None)


def az(payload: dict[str, object], title: str = "Technicien", description: str = "",
       company: str | None = None) -> ContractType | None:
    return contracts.from_adzuna(payload, title, description, company)[0]


def test_adzuna_permanent_and_contract() -> None:
    assert az({"contract_type": "permanent"}) is ContractType.CDI
    assert az({"contract_type": "contract"}) is ContractType.CDD
    assert az({}) is None


def test_adzuna_title_cues_win() -> None:
    assert az({"contract_type": "contract"}, "Stage - Développement Informatique - H/F") is ContractType.STAGE
    assert az({"contract_type": "contract"}, "Alternance - Technicien Qualité (H/F)") is ContractType.ALTERNANCE
    assert az({"contract_type": "contract"}, "Motion Designer, Freelance") is ContractType.FREELANCE
    assert az({}, "Directeur d'Agence - Franchisé (H/F)") is ContractType.FREELANCE
    assert az({}, "Head of engineering & maintenance (CDI)") is ContractType.CDI
    # "Internship" and "intern" but not "international" or "interne"
    assert az({}, "Graphic Designer - Intern") is ContractType.STAGE
    assert az({}, "Responsable international") is None


def test_adzuna_resume_header_and_temp_agencies() -> None:
    resume = "RésuméOpérateur de production (H/F), 10700 Arcis Sur Aube, Mission en intérim, Temps plein."
    assert az({}, description=resume) is ContractType.INTERIM
    assert az({}, description="RésuméNounou (H/F), 94320 Thiais, CDD, Temps partiel.") is ContractType.CDD
    assert az({"contract_type": "contract"}, company="Randstad") is ContractType.INTERIM
    assert az({"contract_type": "contract"}, company="SUP INTERIM SOISSONS") is ContractType.INTERIM
    assert az({"contract_type": "permanent"}, company="Randstad") is ContractType.CDI
    assert az({"contract_type": "contract"}, company="Covéa") is ContractType.CDD


def test_adzuna_working_time() -> None:
    assert contracts.from_adzuna({"contract_time": "part_time"}, "x", "")[2] == "part_time"
    assert contracts.from_adzuna({"contract_time": "full_time"}, "x", "")[2] == "full_time"
