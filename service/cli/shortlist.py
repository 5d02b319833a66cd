"""``clausematch shortlist --offer ID [-k K] [--json]``: ranked candidates of an offer, explained.

Reads the demo data set (``fixtures/demo`` unless ``--demo-dir`` says otherwise) and the shipped
referentials, builds the engine state and prints the top-k candidates of the offer: readable
French by default, JSON (scores, components, contributions, explanation) with ``--json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from fixtures import DEMO_DIR, REFERENTIALS_DIR
from fixtures.demo import read_demo
from matching import columns as col
from matching.engine import MatchingState
from matching.french import date_fr
from matching.ranking import as_day
from matching.referentials import load_commune_index, load_rome
from service.cli import CliError
from service.config import get_settings
from service.scoring.state import travel_tolerance

_COMPONENT_FR = {
    col.COMPONENT_SKILLS: "métier",
    col.COMPONENT_MOBILITY: "trajet",
    col.COMPONENT_READINESS: "disponibilité",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "shortlist",
        help="candidats classés pour une offre, avec explications",
        description=__doc__,
    )
    parser.add_argument("--offer", required=True, metavar="ID", help="identifiant de l'offre")
    parser.add_argument("-k", type=int, default=10, metavar="K", help="nombre de candidats (10)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.add_argument(
        "--as-of",
        metavar="AAAA-MM-JJ",
        help="date de référence (fraîcheur des évaluations ; défaut : aujourd'hui)",
    )
    parser.add_argument(
        "--demo-dir", type=Path, default=DEMO_DIR, metavar="DOSSIER", help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run)


def _number(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def run(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise CliError(f"-k doit être au moins 1 (reçu {args.k})")
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    except ValueError as exc:
        raise CliError(f"date invalide pour --as-of : {args.as_of!r} (AAAA-MM-JJ)") from exc
    data = read_demo(args.demo_dir)
    rome = load_rome(REFERENTIALS_DIR)
    communes = load_commune_index(REFERENTIALS_DIR)
    try:
        state = MatchingState.build(
            data.candidates,
            data.candidate_jobs,
            data.offers,
            rome=rome,
            communes=communes,
            tolerance=travel_tolerance(get_settings()),
        )
    except ValueError as exc:
        raise CliError(f"données de démonstration invalides : {exc}") from exc
    try:
        result = state.shortlist(args.offer, args.k, as_of=as_of)
    except KeyError as exc:
        raise CliError(f"offre inconnue : {args.offer}") from exc
    o = int(state.offers.index_of([args.offer])[0])
    offers = state.offers
    fiche = int(offers.fiche[o])
    app = int(offers.appellation[o])
    title = (
        str(state.affinity.appellation_labels[app])
        if app >= 0
        else str(state.affinity.fiche_labels[fiche])
    )
    code = str(state.affinity.fiche_codes[fiche])
    site = state.distances.name(int(offers.commune[o]))
    if args.json:
        payload = {
            "offer_id": args.offer,
            "as_of": as_of.isoformat(),
            "scorer": {"name": state.scorer.name, "version": state.scorer.version},
            "candidates": [
                {
                    col.CANDIDATE_ID: row[col.CANDIDATE_ID],
                    col.RANK: int(row[col.RANK]),
                    col.SCORE: round(float(row[col.SCORE]), 4),
                    "components": {c: round(float(row[c]), 4) for c in col.COMPONENTS},
                    "contributions": {
                        c: round(float(row[f"contribution_{c}"]), 4) for c in col.COMPONENTS
                    },
                    "distance_km": round(float(row["distance_km"]), 1),
                    col.EXPLANATION: row[col.EXPLANATION],
                }
                for row in result.to_dict("records")
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    contract = col.CONTRACT_TYPES[int(offers.contract_type[o])]
    start = date_fr(int(offers.start_day[o]), with_year=True)
    print(f"Offre {args.offer} : {title} ({code}), {site}, {contract}, début le {start}")
    print(f"Classement au {date_fr(as_day(as_of), with_year=True)} ({state.scorer.name})")
    if result.empty:
        print("Aucun candidat ne remplit les conditions de cette offre.")
        return 0
    for row in result.to_dict("records"):
        parts = " · ".join(f"{_COMPONENT_FR[c]} {_number(float(row[c]))}" for c in col.COMPONENTS)
        print(
            f"{int(row[col.RANK]):>3}. {row[col.CANDIDATE_ID]}  "
            f"score {_number(float(row[col.SCORE]))}  ({parts})"
        )
        print(f"     {row[col.EXPLANATION]}")
    return 0
