"""``clausematch batch | digest | watch``: batch matching, coaches' digests, the drop folder.

``batch`` scores the new or changed open offers against the active pool and records the run
(nothing to do when the inputs did not change). ``digest [--coach NAME]`` prints each coach's new
matches since their last digest and marks them read (``--peek`` to look only). ``watch DIR``
imports the files dropped into DIR (``--once``: what is there now, then exit; cron-friendly).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.config import Settings, get_settings
from service.db import make_engine, make_sessionmaker
from service.imports.service import limits_from
from service.imports.watch import Runner, watch, watch_once
from service.referentials.service import load_referentials
from service.referentials.titles import TitleGuess, TitleNormaliser, title_normaliser
from service.scoring.digest import coach_digest, format_digest
from service.scoring.repository import DigestRepository
from service.scoring.state import ScoringState, active_scorer, travel_tolerance
from training.registry import active_version

__all__ = ["db_error", "make_runner", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = subparsers.add_parser(
        "batch",
        help="rapprocher les offres nouvelles ou modifiées de toutes les personnes suivies",
        description=__doc__,
    )
    batch.set_defaults(func=_batch)
    digest = subparsers.add_parser(
        "digest", help="nouvelles propositions par coach depuis son dernier résumé"
    )
    digest.add_argument("--coach", metavar="NOM", help="un seul coach (nom d'utilisateur)")
    digest.add_argument("--peek", action="store_true", help="regarder sans marquer comme lu")
    digest.set_defaults(func=_digest)
    w = subparsers.add_parser(
        "watch", help="importer les fichiers déposés dans un dossier, puis rapprocher"
    )
    w.add_argument("directory", metavar="DOSSIER", type=Path)
    w.add_argument("--once", action="store_true", help="traiter ce qui est là puis s'arrêter")
    w.add_argument(
        "--interval", type=float, default=10.0, metavar="S", help="secondes entre deux passages"
    )
    w.add_argument("--settle", type=float, default=1.0, metavar="S", help=argparse.SUPPRESS)
    w.set_defaults(func=_watch)


def _lazy_normaliser(settings: Settings) -> TitleNormaliser:
    # The title index takes seconds to build: only when a file has titles to read.
    def normalise(titles: Sequence[str]) -> Sequence[TitleGuess]:
        return title_normaliser(settings.referentials_dir)(titles)

    return normalise


def make_runner(settings: Settings | None = None) -> Runner:
    settings = settings or get_settings()
    refs = load_referentials(settings.referentials_dir)
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    return Runner(
        sessions=make_sessionmaker(engine),
        refs=refs,
        normaliser=lambda: _lazy_normaliser(settings),
        limits=limits_from(settings.import_max_bytes, settings.import_max_rows),
        scoring=ScoringState(
            rome=refs.rome,
            communes=refs.communes,
            scorer_provider=lambda: active_scorer(settings),
            scorer_key=lambda: active_version(settings.models_dir),
            tolerance=travel_tolerance(settings),
        ),
        slots_per_position=settings.slots_per_position,
        max_lists=settings.batch_max_lists,
        pause_before_commit_s=settings.batch_pause_before_write_s,
        engine=engine,
    )


def db_error(exc: SQLAlchemyError) -> CliError:
    """The refusal of a command whose database is unreachable or not migrated."""
    return CliError(
        f"base de données inaccessible ou pas à jour ({type(exc).__name__}) : lancez "
        "« clausematch db upgrade »."
    )


def _pause_notice() -> None:
    print("pause avant validation", file=sys.stderr, flush=True)


def _batch(_: argparse.Namespace) -> int:
    runner = make_runner()
    try:
        result = runner.batch(on_pause=_pause_notice)
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        runner.close()
    print(result.message)
    if result.status == "completed":
        print(
            f"  {result.n_people} personne(s) sur au moins une liste, au plus "
            f"{result.max_lists_per_person} liste(s) par personne ; modèle "
            f"{result.model_version} ; {result.duration_s:.1f} s"
        )
    return 0


def _digest(args: argparse.Namespace) -> int:
    runner = make_runner()
    try:
        with runner.sessions() as session:
            coaches = DigestRepository(session).active_coaches(args.coach)
            if args.coach and not coaches:
                raise CliError(f"coach inconnu ou inactif : {args.coach}")
            for i, coach in enumerate(coaches):
                if i:
                    print()
                print(format_digest(coach_digest(session, coach, refs=runner.refs, peek=args.peek)))
            session.commit()
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        runner.close()
    return 0


def _watch(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        raise CliError(f"dossier introuvable : {directory}")
    if args.interval <= 0:
        raise CliError("--interval doit être positif")
    runner = make_runner()
    try:
        if args.once:
            outcomes, _ = watch_once(runner, directory, settle_s=args.settle)
            return 1 if any(not o.ok for o in outcomes) else 0
        print(f"Surveillance de {directory} (Ctrl-C pour arrêter)", file=sys.stderr)
        watch(runner, directory, interval_s=args.interval)
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        runner.close()
    return 0
