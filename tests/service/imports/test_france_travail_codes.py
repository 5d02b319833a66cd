"""France Travail codes → the engine's fields: every code of the API's referentials is known, an
unknown one is kept with a warning, never a refusal, when the engine can do without it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fixtures import REFERENTIALS_DIR
from matching.columns import CONTRACT_TYPES as ENGINE_CONTRACTS
from matching.licences import LICENCE_CODES, closure
from matching.referentials import CommuneIndex, RomeReferential
from service.imports.common import parse_contract_type
from service.imports.france_travail_codes import (
    CONTRACT_TYPES,
    NATURES,
    PERMIS,
    licence_of,
    nature_of,
    schedule_flags,
)
from service.imports.offer_records import OfferParseResult
from service.imports.offers import parse_offers
from service.imports.reading import ImportLimits

SAMPLE = json.loads(
    (REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json").read_text("utf-8")
)
# The API's "permis" referential, label for label.
API_PERMIS_LABELS = (
    "AM - Cyclomoteur <= 50 cm3",
    "A1 - Motocyclette <=125 cm3",
    "A2 - Moto <= 600 cm3",
    "A - Moto",
    "B1 - Quadricycle",
    "B - Véhicule léger",
    "B mention 96 - VL + remorque (PTAC < 4,25 T)",
    "EB - Véhicule léger + remorque",
    "B mention 79.06 (= EB)",
    "BE - Véhicule léger + remorque  (PTAC > 4,25 T)",
    "C1 - Poids lourd < 7,5 T",
    "C1E - Poids lourd < 7,5 T + remorque",
    "C - Poids lourd",
    "CE - Poids lourd + remorque  (= EC)",
    "EC - Poids lourd + remorque",
    "D1 - Transport de personnes <= 16 places",
    "D1E - Transport de personnes <= 16 P + remorque",
    "D - Transport de personnes",
    "DE - Transport de personnes + remorque (= ED)",
    "ED - Transport de personnes + remorque",
)


def _variant(**changes: Any) -> dict[str, Any]:
    offer = copy.deepcopy(SAMPLE[1])  # 200GVRV, an interim mission in Calvados
    offer.update(changes)
    return offer


def _parse(
    items: list[dict[str, Any]], rome: RomeReferential, communes: CommuneIndex
) -> OfferParseResult:
    return parse_offers(
        json.dumps(items).encode(),
        filename="ft.json",
        communes=communes,
        rome=rome,
        normalise_titles=lambda titles: [],
        limits=ImportLimits(),
    )


def test_every_contract_type_maps_to_an_engine_type() -> None:
    assert set(CONTRACT_TYPES) >= {"CDI", "CDD", "MIS", "SAI", "DIN", "DDI", "TTI", "CCE"}
    assert set(CONTRACT_TYPES) >= {"FRA", "LIB", "REP"}
    for code, ft in CONTRACT_TYPES.items():
        assert ft.contract_type in ENGINE_CONTRACTS and ft.label
        # The same code typed in a CSV file is read the same.
        assert parse_contract_type(code) == ft.contract_type


@pytest.mark.parametrize("label", API_PERMIS_LABELS)
def test_every_api_licence_is_known(label: str) -> None:
    ft = licence_of(label)
    assert ft is not None, label
    assert ft.code is None or ft.code in LICENCE_CODES
    if ft.code is None or ft.unchecked:
        assert ft.unchecked  # what the engine does not check is said


def test_licences_never_exclude_a_holder() -> None:
    # The engine code an API licence maps to is implied by that licence: EC → CE, C1E → C1,
    # DE → D; a licence the engine cannot represent requires nothing of the engine.
    assert licence_of("EC - Poids lourd + remorque").code == "PERMIS_CE"  # type: ignore[union-attr]
    assert licence_of("C1E - Poids lourd < 7,5 T + remorque").code == "PERMIS_C1"  # type: ignore[union-attr]
    assert licence_of("B mention 79.06 (= EB)").code == "PERMIS_BE"  # type: ignore[union-attr]
    assert "PERMIS_C1" in closure(["PERMIS_CE"])
    assert licence_of("A - Moto").code is None  # type: ignore[union-attr]
    assert licence_of("Permis bateau") is None
    # One entry per licence of the referential, each label reaching its own.
    assert {id(licence_of(lab)) for lab in API_PERMIS_LABELS} == {id(v) for v in PERMIS.values()}


def test_natures_by_label_or_code() -> None:
    assert nature_of("Contrat apprentissage").contract_type == "APPRENTISSAGE"  # type: ignore[union-attr]
    assert nature_of("cont. professionnalisation").contract_type == "PRO"  # type: ignore[union-attr]
    assert nature_of("I1").code == "I1"  # type: ignore[union-attr]
    assert nature_of("Contrat de rêve") is None
    assert len({n.code for n in NATURES}) == len(NATURES)


def test_schedule_words() -> None:
    assert schedule_flags("Travail de nuit") == (True, False, False)
    assert schedule_flags("Travail le samedi\nTravail en journée") == (False, True, False)
    assert schedule_flags("Travail en 3x8") == (True, False, True)
    assert schedule_flags("Horaires décalés") == (False, False, True)
    # Words that only contain "tot" or "nuit" do not count.
    assert schedule_flags("Totalement en journée, ennuis exclus") == (False, False, False)


def test_the_codes_of_the_issue_import_with_warnings(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    items = [
        _variant(id="DIN1", typeContrat="DIN", typeContratLibelle="CDI intérimaire"),
        _variant(id="EC1", permis=[{"libelle": "EC - Poids lourd + remorque", "exigence": "E"}]),
        _variant(id="TTI1", typeContrat="TTI", natureContrat="Insertion par l'activ.éco."),
        _variant(
            id="DDI1",
            typeContrat="DDI",
            typeContratLibelle="CDD insertion - 4 Mois",
            natureContrat="Insertion par l'activ.éco.",
        ),
        _variant(id="APP1", typeContrat="CDD", natureContrat="Contrat apprentissage"),
        _variant(id="ZZZ1", typeContrat="ZZZ", natureContrat="Contrat inédit"),
        _variant(id="MOTO1", permis=[{"libelle": "A - Moto", "exigence": "E"}]),
        _variant(id="PT1", dureeTravailLibelle="", dureeTravailLibelleConverti="Temps partiel"),
        _variant(id="Q1", qualificationCode="Z", experienceExige="E", experienceLibelle="?"),
        _variant(id="WISH1", permis=[{"libelle": "C - Poids lourd", "exigence": "S"}]),
    ]
    res = _parse(items, rome, communes)
    assert res.ok, res.errors
    got = {r.external_id: r for r in res.records}
    assert got["DIN1"].contract_type == "CDI" and got["DIN1"].end_date is None
    assert got["EC1"].required_licences == ("PERMIS_CE",)
    assert got["TTI1"].contract_type == "INTERIM"
    assert got["DDI1"].contract_type == "CDDI" and got["DDI1"].end_date is not None
    assert got["APP1"].contract_type == "APPRENTISSAGE"
    assert got["ZZZ1"].contract_type == "AUTRE"
    assert got["MOTO1"].required_licences == ()
    assert got["PT1"].weekly_hours == 24.0
    assert got["Q1"].experience_years_required == 1.0
    assert got["WISH1"].required_licences == ()
    said = "\n".join(res.warnings)
    for expected in (
        "Offre ZZZ1 : type de contrat « ZZZ » inconnu",
        "Offre ZZZ1 : nature de contrat « Contrat inédit » inconnue",
        "Offre MOTO1 : permis A (moto) demandé",
        "Offre PT1 : temps partiel sans durée hebdomadaire : 24 h retenues",
        "Offre Q1 : expérience exigée « ? » illisible : 1 an retenu",
        "Offre Q1 : code de qualification « Z » inconnu",
    ):
        assert expected in said
    assert "DIN1" not in said and "EC1" not in said  # known codes: nothing to say


def test_what_the_engine_cannot_do_without_is_still_refused(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    items = [
        _variant(id="OK"),
        _variant(id="NOWHERE", lieuTravail={"libelle": "Normandie"}),
        _variant(id="LONG", dureeTravailLibelle="60H/semaine"),
        _variant(id="NOROME", romeCode="Z9999"),
        _variant(id="MONTH", dureeTravailLibelle="151H67/mois"),
    ]
    res = _parse(items, rome, communes)
    assert [r.external_id for r in res.records] == ["OK", "MONTH"]
    assert res.records[1].weekly_hours == pytest.approx(35.0, abs=0.01)
    assert {(e.line, e.code) for e in res.errors} == {
        (2, "unknown_commune"),
        (3, "bad_weekly_hours"),
        (4, "unknown_rome"),
    }
    assert res.identities[2] == ("NOWHERE", SAMPLE[1]["intitule"])
