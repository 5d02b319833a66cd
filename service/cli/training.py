"""``clausematch history generate | export | train | evaluate | models list | models activate``.

Learning from outcomes (see ``training/``): a synthetic history for development (or the
service's own, with its exposures), a monotone model trained on each offer's whole eligible
pool, its pool-level evaluation against the scorer the service uses now, and the models
directory (``models_dir`` setting, default ``./models``) with the active version in
``active.json``. Activation is refused unless the model is ahead of the current scorer on pool
recall@10 with a bootstrap interval above 0 (``--force`` overrides; every decision is recorded
in ``activations.jsonl`` and in the audit log).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from service.cli import CliError
from service.config import Settings, get_settings

if TYPE_CHECKING:
    from matching.scoring import Scorer
    from training.evaluation import Evaluation

# training.model.FAMILIES, spelled here so that the command line starts without scikit-learn
FAMILIES = ("logistic", "boosting", "pairwise")


def _models_dir(args: argparse.Namespace) -> Path:
    if args.models_dir is not None:
        return Path(args.models_dir)
    return Path(get_settings().models_dir)


def _referentials_dir() -> Path:
    return Path(get_settings().referentials_dir)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"doit être >= 1 : {text}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"doit être entre 0 et 1 : {text}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = subparsers.add_parser(
        "history", help="historique des résultats (génération synthétique)", description=__doc__
    )
    hsub = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    gen = hsub.add_parser(
        "generate", help="générer un historique synthétique documenté (CSV + hypothèses .md)"
    )
    gen.add_argument("-o", "--output", required=True, type=Path, help="fichier CSV à écrire")
    gen.add_argument("--rows", type=_positive_int, default=20_000, help="lignes visées")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--start", type=date.fromisoformat, default=None, help="premier tour (ISO)")
    gen.set_defaults(func=_history_generate)
    exp = hsub.add_parser(
        "export", help="exporter l'historique du service (propositions, listes, résultats)"
    )
    exp.add_argument("-o", "--output", required=True, type=Path, help="fichier CSV à écrire")
    exp.set_defaults(func=_history_export)

    split_help = "découpage par offre : group (aléatoire) ou time (les plus récentes en test)"
    train = subparsers.add_parser("train", help="entraîner un modèle sur un historique")
    train.add_argument("history", type=Path)
    train.add_argument(
        "-o", "--output", type=Path, default=None, help="artefact .joblib (défaut : models_dir)"
    )
    train.add_argument("--split", choices=("group", "time"), default="group", help=split_help)
    train.add_argument("--test-size", type=_share, default=0.2)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--family",
        choices=FAMILIES,
        default="pairwise",
        help="famille de modèle : pairwise (défaut), logistic ou boosting",
    )
    train.add_argument("--models-dir", default=None)
    train.add_argument(
        "--activate", action="store_true", help="activer le modèle entraîné s'il passe le seuil"
    )
    train.set_defaults(func=_train)

    ev = subparsers.add_parser(
        "evaluate", help="évaluer un modèle (métriques, références, audit d'exposition)"
    )
    ev.add_argument("history", type=Path)
    ev.add_argument(
        "--model", default=None, help="version ou fichier .joblib (défaut : le modèle actif)"
    )
    ev.add_argument("-o", "--output", type=Path, default=Path("evaluation"), help="dossier")
    ev.add_argument("--split", choices=("group", "time"), default="group", help=split_help)
    ev.add_argument("--test-size", type=_share, default=0.2)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument(
        "--family", choices=FAMILIES, default="pairwise", help="sans --model ni modèle actif"
    )
    ev.add_argument("--models-dir", default=None)
    ev.set_defaults(func=_evaluate)

    models = subparsers.add_parser("models", help="versions de modèle : lister, activer")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", help="lister les modèles du dossier models_dir")
    ls.add_argument("--models-dir", default=None)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_models_list)
    act = msub.add_parser(
        "activate",
        help="activer une version (ou un fichier .joblib) si elle devance le score actuel",
    )
    act.add_argument("version")
    act.add_argument("--models-dir", default=None)
    act.add_argument(
        "--force", action="store_true", help="activer même si le seuil n'est pas passé (tracé)"
    )
    act.add_argument("--reason", default="", help="motif d'une activation forcée")
    act.set_defaults(func=_models_activate)


def _history_generate(args: argparse.Namespace) -> int:
    from matching.referentials import load_communes
    from service.scoring.state import travel_tolerance
    from training.history import pool_path, write_history
    from training.pipeline import load_referentials
    from training.synthetic_history import DEFAULT_START, generate_history, summary_markdown

    if args.rows < 100:
        raise CliError(f"--rows doit être >= 100, reçu {args.rows}")
    ref = _referentials_dir()
    rome, communes = load_referentials(ref)
    generated = generate_history(
        n_rows=args.rows,
        rome=rome,
        communes=communes,
        communes_frame=load_communes(ref / "communes.csv.gz"),
        rng=np.random.default_rng(args.seed),
        start=args.start or DEFAULT_START,
        tolerance=travel_tolerance(get_settings()),
    )
    history = generated.history
    path = write_history(history, args.output, pool=generated.pool)
    command = f"clausematch history generate -o {args.output} --rows {args.rows} --seed {args.seed}"
    if args.start:
        command += f" --start {args.start.isoformat()}"
    notes = path.with_suffix(".md")
    notes.write_text(summary_markdown(generated, command=command, seed=args.seed) + "\n")
    print(
        f"{len(history)} lignes, {history['offer_id'].nunique()} offres, "
        f"{len(generated.pool)} personnes au vivier -> {path} ({pool_path(path).name}, "
        f"{notes.name})"
    )
    return 0


def _history_export(args: argparse.Namespace) -> int:
    from service.cli._session import command_session
    from service.kit.cells import safe_frame
    from service.models.accounts import AuditEntry
    from service.reports.history_export import export_history
    from training.history import pool_path, write_history

    if not args.output.parent.is_dir():
        raise CliError(f"dossier introuvable : {args.output.parent}")
    with command_session() as session:
        export = export_history(session)
        # Reading every considered pair is a read of people's records: audited.
        session.add(
            AuditEntry(
                user_id=None,
                role="system",
                action="history_export",
                entity_type="candidate",
                entity_id=None,
                detail={"rows": len(export.frame)},
            )
        )
    # Ids come from import files: a spreadsheet must not run them (service.kit.cells).
    path = write_history(safe_frame(export.frame), args.output, pool=safe_frame(export.pool))
    print(
        f"{len(export.frame)} lignes ({export.n_shown} paires montrées, "
        f"{export.n_proposals} propositions"
        + (f", {export.skipped} ignorées faute de code ROME" if export.skipped else "")
        + f"), {len(export.pool)} personnes au vivier -> {path} ({pool_path(path).name})\n"
        "Attention : chaque ligne porte l'état actuel de la personne et de l'offre, pas leur "
        "état au moment de la proposition."
    )
    return 0


def _current(settings: Settings) -> tuple[Scorer, str]:
    """The scorer the service uses now (the active model, else the weights) and its label."""
    from service.scoring.state import active_scorer
    from training.registry import IncompatibleModelError, scorer_label

    try:
        scorer = active_scorer(settings)
    except (IncompatibleModelError, FileNotFoundError) as exc:
        raise CliError(f"le modèle actif est inutilisable : {exc}") from exc
    return scorer, scorer_label(scorer)


def _print_figures(evaluation: Evaluation) -> None:
    for name, row in evaluation.metrics.iterrows():
        print(
            f"  {name!s:16s} rappel@10 {row['recall@10']:.3f}  rappel@20 {row['recall@20']:.3f}"
            f"  NDCG@10 {row['ndcg@10']:.3f}"
        )
    gate = evaluation.gate()
    for k in (10, 20):
        g = gate[f"recall@{k}"]
        print(
            f"  écart au score actuel ({gate['against']}), rappel@{k} du vivier : "
            f"{g['difference']:+.3f} [{g['low']:+.3f} ; {g['high']:+.3f}]"
        )
    excluded = evaluation.hires_excluded
    print(
        f"  embauches exclues par une contrainte : {excluded['with_tolerance']:.1%} avec la "
        f"tolérance de trajet, {excluded['hard_range']:.1%} sans"
    )
    flagged = evaluation.exposure[evaluation.exposure["flagged"]]
    print(f"  audit d'exposition : {len(flagged)} groupe(s) hors de [0,8 ; 1,25]")


def _train(args: argparse.Namespace) -> int:
    from service.scoring.state import travel_tolerance
    from training.pipeline import load_referentials, train_from_history
    from training.registry import save_artifact

    settings = get_settings()
    rome, communes = load_referentials(_referentials_dir())
    current, _ = _current(settings)
    try:
        result = train_from_history(
            args.history,
            rome=rome,
            communes=communes,
            current=current,
            family=args.family,
            split=args.split,
            test_size=args.test_size,
            random_state=args.seed,
            tolerance=travel_tolerance(settings),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    models_dir = _models_dir(args)
    path = save_artifact(result.artifact, args.output or models_dir)
    meta = result.artifact.metadata
    print(f"modèle {result.artifact.version} ({args.family}) -> {path}")
    print(
        f"  {meta['n_train_offers']} offres d'apprentissage ({meta['n_train_pairs']} paires du"
        f" vivier), {meta['n_test_offers']} de test ({args.split}) ;"
        f" {result.seconds['total']:.1f} s"
    )
    _print_figures(result.evaluation)
    if args.activate:
        _activate(models_dir, str(path), force=False, reason="")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from service.scoring.state import travel_tolerance
    from training.pipeline import evaluate_history, load_referentials
    from training.registry import (
        active_version,
        load_artifact,
        record_gate,
        resolve_artifact,
    )

    settings = get_settings()
    models_dir = _models_dir(args)
    wanted = args.model or active_version(models_dir)
    rome, communes = load_referentials(_referentials_dir())
    current, label = _current(settings)
    try:
        artifact = None if wanted is None else load_artifact(resolve_artifact(models_dir, wanted))
        if artifact is not None and artifact.version == label:
            # the active model judged against itself says nothing: compare with the weights
            from service.scoring.state import weighted_scorer

            current = weighted_scorer(settings)
        result = evaluate_history(
            args.history,
            args.output,
            rome=rome,
            communes=communes,
            artifact=artifact,
            current=current,
            family=args.family,
            split=args.split,
            test_size=args.test_size,
            random_state=args.seed,
            tolerance=travel_tolerance(settings),
        )
    except (ValueError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc
    if artifact is not None and (models_dir / f"{artifact.version}.joblib").is_file():
        # the model's promotion figures, now measured against the scorer in use
        record_gate(models_dir, artifact.version, result.metadata["gate"])
    print(f"évaluation de {result.metadata['version']} -> {args.output}/report.md")
    _print_figures(result.evaluation)
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from training.registry import list_models

    models = list_models(_models_dir(args))
    if args.json:
        print(json.dumps(models, indent=2, default=str))
        return 0
    if not models:
        print(f"aucun modèle dans {_models_dir(args)}")
        return 0
    for m in models:
        gate = m.get("gate") or {}
        g = gate.get("recall@10", {})
        figures = (
            f"rappel@10 du vivier {g.get('model', float('nan')):.3f} contre "
            f"{g.get('current', float('nan')):.3f} ({gate.get('against', '?')}), écart "
            f"[{g.get('low', float('nan')):+.3f} ; {g.get('high', float('nan')):+.3f}]"
            if g
            else "pas de mesure sur le vivier"
        )
        print(
            f"{'*' if m['active'] else ' '} {m['version']}  {m.get('family', '?')}"
            f"  {m.get('created_at', '?')}  {m.get('data_file', '?')}  {figures}"
        )
    return 0


def _activate(models_dir: Path, version: str, *, force: bool, reason: str) -> None:
    from service.scoring.state import current_scorer_label
    from training.registry import PromotionRefused, activate

    label = current_scorer_label(get_settings())
    try:
        activated = activate(
            models_dir, version, current_label=label, force=force, reason=reason, actor="cli"
        )
    except PromotionRefused as exc:
        raise CliError(
            f"{exc} : clausematch models activate {version} --force --reason ..."
        ) from exc
    except (ValueError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc
    print(f"modèle actif : {activated}" + (" (activation forcée, tracée)" if force else ""))


def _models_activate(args: argparse.Namespace) -> int:
    if args.force and not args.reason.strip():
        raise CliError('--force demande un motif : --reason "..."')
    _activate(_models_dir(args), args.version, force=args.force, reason=args.reason)
    return 0
