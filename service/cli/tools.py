"""``clausematch tools hours|supply``: the facilitator's tools.

``tools hours --amount EUR --labour-share F --rate F --hourly-cost EUR``: insertion hours of a
lot (amount excl. tax × labour share × insertion rate ÷ loaded hourly cost), assumptions shown;
``--trade T`` instead of ``--labour-share`` takes the default of the trades table.
``tools supply --rome CODE[,CODE] --commune INSEE [--hours H]``: candidates within range of a
planned site for these trades, by readiness stage.
"""

from __future__ import annotations

import argparse
import datetime as dt

from service.cli import CliError


def number(value: str) -> float:
    """A number with a decimal point or a French decimal comma (0,05)."""
    return float(value.replace(",", ".").replace(" ", ""))


_STAGES = {"diagnostic": "diagnostic", "en_parcours": "en parcours", "pret_emploi": "prêts"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("tools", help="outils du facilitateur", description=__doc__)
    sub = parser.add_subparsers(dest="tools_command", metavar="OUTIL", required=True)
    hours = sub.add_parser("hours", help="heures d'insertion d'un lot")
    hours.add_argument("--amount", type=number, required=True, metavar="EUR", help="montant HT")
    share = hours.add_mutually_exclusive_group(required=True)
    share.add_argument("--labour-share", type=number, metavar="F", help="part de main-d'œuvre")
    share.add_argument("--trade", metavar="CODE", help="corps de métier de la table")
    hours.add_argument("--rate", type=number, required=True, metavar="F", help="taux (0,05)")
    hours.add_argument("--hourly-cost", type=number, metavar="EUR", help="coût horaire chargé")
    hours.set_defaults(func=_hours)
    supply = sub.add_parser("supply", help="candidats à portée d'un chantier")
    supply.add_argument("--rome", required=True, metavar="CODE[,CODE]", help="fiches ROME")
    supply.add_argument("--commune", required=True, metavar="INSEE", help="commune du chantier")
    supply.add_argument("--hours", type=number, metavar="H", help="heures d'insertion du lot")
    supply.add_argument("--months", type=number, default=6.0, metavar="M", help="durée (6 mois)")
    supply.add_argument("--weekly-hours", type=number, default=35.0, metavar="H", help="35 h")
    supply.add_argument("--start", metavar="AAAA-MM-JJ", help="début prévu (dans 30 jours)")
    supply.set_defaults(func=_supply)


def _hours(args: argparse.Namespace) -> int:
    # Imported here: ``tools --help`` and the other commands start without them.
    from service.config import get_settings
    from service.errors import AppError
    from service.scoring.hours import estimate_hours, labour_shares

    settings = get_settings()
    try:
        estimate = estimate_hours(
            amount_eur=args.amount,
            insertion_rate=args.rate,
            hourly_cost_eur=(
                args.hourly_cost
                if args.hourly_cost is not None
                else settings.insertion_hourly_cost_eur
            ),
            labour_share=args.labour_share,
            trade=args.trade,
            shares_path=settings.labour_shares_path,
        )
    except AppError as exc:
        if args.trade is not None:
            known = ", ".join(s.trade for s in labour_shares(settings.labour_shares_path))
            raise CliError(f"{exc.detail} ; corps de métier connus : {known}") from exc
        raise CliError(exc.detail) from exc
    print(estimate.formula)
    for line in estimate.assumptions:
        print(f"  - {line}")
    return 0


def _supply(args: argparse.Namespace) -> int:
    from service.cli._session import command_session
    from service.config import get_settings
    from service.referentials.service import load_referentials
    from service.scoring.schemas import SupplyIn
    from service.scoring.state import ScoringState, active_scorer, travel_tolerance
    from service.scoring.tools import candidate_supply

    settings = get_settings()
    try:
        start = dt.date.fromisoformat(args.start) if args.start else None
    except ValueError as exc:
        raise CliError(f"date invalide pour --start : {args.start!r} (AAAA-MM-JJ)") from exc
    try:
        data = SupplyIn(
            rome_codes=args.rome.split(","),
            commune_insee=args.commune,
            hours=args.hours,
            months=args.months,
            weekly_hours=args.weekly_hours,
            start_date=start,
        )
    except ValueError as exc:
        raise CliError(f"paramètres invalides : {exc}") from exc
    refs = load_referentials(settings.referentials_dir)
    scoring = ScoringState(
        rome=refs.rome,
        communes=refs.communes,
        scorer_provider=lambda: active_scorer(settings),
        max_age_s=0.0,
        tolerance=travel_tolerance(settings),
    )
    try:
        with command_session() as session:
            result = candidate_supply(session, scoring, refs, None, data, today=dt.date.today())
    finally:
        scoring.close()
    print(f"Chantier : {result.commune} ({result.commune_insee}), début le {result.start_date}")
    stages = " · ".join(f"{_STAGES[k]} {v}" for k, v in result.by_readiness.items())
    print(f"{result.candidates} personne(s) à portée : {stages}")
    for fiche in result.by_fiche:
        parts = " · ".join(f"{_STAGES[k]} {v}" for k, v in fiche.by_readiness.items())
        print(f"  {fiche.code_rome} {fiche.libelle} : {fiche.candidates} ({parts})")
    print(result.verdict)
    for line in result.assumptions:
        print(f"  - {line}")
    return 0
