"""``clausematch demo load | run``: the demo data set, and the newcomer's one-command tour.

``demo load`` loads ``fixtures/demo`` into the configured database (idempotent) and prints the
demo users' API tokens. ``demo run`` (what ``make run`` calls) migrates the database, loads the
demo, shows one shortlist in French, then serves the API and web pages.
"""

from __future__ import annotations

import argparse
from datetime import date

from alembic import command
from sqlalchemy.exc import SQLAlchemyError

from fixtures import DEMO_DIR
from service.cli import CliError
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import DEMO_USERS, DemoLoadReport, demo_password, load_demo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="données de démonstration", description=__doc__)
    sub = parser.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    load = sub.add_parser("load", help="charger le jeu de démonstration (idempotent)")
    load.set_defaults(func=_load)
    run = sub.add_parser(
        "run", help="préparer la base, charger la démonstration et démarrer le service"
    )
    run.add_argument("--no-serve", action="store_true", help="ne pas démarrer le service")
    run.set_defaults(func=_run)


def _load_into_db() -> DemoLoadReport:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            report = load_demo(session, DEMO_DIR)
            session.commit()
    except SQLAlchemyError as exc:
        raise CliError(
            f"chargement impossible ({type(exc).__name__}) : la base est-elle à jour ? "
            "Lancez « clausematch db upgrade »."
        ) from exc
    finally:
        engine.dispose()
    return report


def _print_tokens(report: DemoLoadReport) -> None:
    created = ", ".join(f"{n} {what}" for what, n in sorted(report.created.items())) or "rien"
    print(f"Données de démonstration chargées (créés : {created}).")
    print("\nComptes de démonstration et leurs jetons d'API (Authorization: Bearer <jeton>) :")
    roles = dict(DEMO_USERS)
    for name, token in report.tokens.items():
        print(f"  {name:<16} {roles[name]:<12} {token}")
    print("\nPages web : identifiant et mot de passe de démonstration (s'il n'a pas été changé) :")
    for name in report.tokens:
        print(f"  {name:<16} {demo_password(name)}")


def _load(_: argparse.Namespace) -> int:
    _print_tokens(_load_into_db())
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        command.upgrade(alembic_config(settings.database_url), "head")
    except SQLAlchemyError as exc:
        raise CliError(f"migration impossible : {type(exc).__name__}") from exc
    report = _load_into_db()
    _print_tokens(report)
    _run_batch()
    _show_a_shortlist()
    if args.no_serve:
        return 0
    print(
        f"\nService : http://{settings.host}:{settings.port}/  — documentation de l'API : "
        f"http://{settings.host}:{settings.port}/docs  (Ctrl-C pour arrêter)\n"
    )
    import uvicorn

    from service.main import create_app

    # uvicorn's access log prints query strings; the app's own log prints route templates only.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level=settings.log_level.lower(),
    )
    return 0


def _run_batch() -> None:
    """Match the demo offers once, so that each coach's digest has something to show."""
    from service.cli.batch import make_runner

    runner = make_runner()
    try:
        print(f"\n{runner.batch().message}")
    finally:
        runner.close()


def _show_a_shortlist() -> None:
    """Print the best candidates of the demo offer with the most open positions."""
    from service.offers.repository import OfferRepository
    from service.referentials.service import load_referentials
    from service.scoring.state import ScoringState, travel_tolerance

    settings = get_settings()
    refs = load_referentials(settings.referentials_dir)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            state = ScoringState(
                rome=refs.rome, communes=refs.communes, tolerance=travel_tolerance(settings)
            ).build(session)
            titles = OfferRepository(session).titles()
    finally:
        engine.dispose()
    if not len(state.offers):
        return
    # Show the offer whose five best candidates fit best: a telling first example.
    ranked = state.ranked_frame(state.top_k_per_offer(as_of=date.today(), k=5))
    if ranked.empty:
        return
    offer_id = str(ranked.groupby("offer_id")["score"].mean().idxmax())
    shortlist = state.shortlist(offer_id, 5, as_of=date.today())
    title = titles.get(int(offer_id), "")
    print(f"\nExemple : les 5 meilleures candidatures pour l'offre n° {offer_id} ({title}) :")
    for row in shortlist.itertuples(index=False):
        print(f"  {row.rank}. personne n° {row.candidate_id} — score {row.score:.2f}")
        print(f"     {row.explanation}")
