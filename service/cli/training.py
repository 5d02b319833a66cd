"""``clausematch history generate | train | evaluate | models list | models activate``.

Learning from outcomes (see ``training/``): a synthetic history for development, a monotone
calibrated model trained on a history file, its evaluation report, and the models directory
(``models_dir`` setting, default ``./models``) with the active version in ``active.json``.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

from service.cli import CliError
from service.config import get_settings

_DEFAULT_MODELS_DIR = Path("models")


def _models_dir(args: argparse.Namespace) -> Path:
    if args.models_dir is not None:
        return Path(args.models_dir)
    # the setting belongs to service.config; until it exists, ./models
    return Path(getattr(get_settings(), "models_dir", _DEFAULT_MODELS_DIR))


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
    train.add_argument("--models-dir", default=None)
    train.add_argument("--activate", action="store_true", help="activer le modèle entraîné")
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
    ev.add_argument("--models-dir", default=None)
    ev.set_defaults(func=_evaluate)

    models = subparsers.add_parser("models", help="versions de modèle : lister, activer")
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", help="lister les modèles du dossier models_dir")
    ls.add_argument("--models-dir", default=None)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_models_list)
    act = msub.add_parser("activate", help="activer une version (ou un fichier .joblib)")
    act.add_argument("version")
    act.add_argument("--models-dir", default=None)
    act.set_defaults(func=_models_activate)


def _history_generate(args: argparse.Namespace) -> int:
    from matching.referentials import load_communes
    from training.history import write_history
    from training.pipeline import load_referentials
    from training.synthetic_history import DEFAULT_START, generate_history, summary_markdown

    if args.rows < 100:
        raise CliError(f"--rows doit être >= 100, reçu {args.rows}")
    ref = _referentials_dir()
    rome, communes = load_referentials(ref)
    history = generate_history(
        n_rows=args.rows,
        rome=rome,
        communes=communes,
        communes_frame=load_communes(ref / "communes.csv.gz"),
        rng=np.random.default_rng(args.seed),
        start=args.start or DEFAULT_START,
    )
    path = write_history(history, args.output)
    command = f"clausematch history generate -o {args.output} --rows {args.rows} --seed {args.seed}"
    if args.start:
        command += f" --start {args.start.isoformat()}"
    notes = path.with_suffix(".md")
    notes.write_text(summary_markdown(history, command=command, seed=args.seed) + "\n")
    print(f"{len(history)} lignes, {history['offer_id'].nunique()} offres -> {path} ({notes.name})")
    return 0


def _history_export(args: argparse.Namespace) -> int:
    from service.cli._session import command_session
    from service.models.accounts import AuditEntry
    from service.reports.history_export import export_history
    from training.history import write_history

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
    path = write_history(export.frame, args.output)
    print(
        f"{len(export.frame)} lignes ({export.n_proposals} propositions, "
        f"{export.n_list_entries} inscriptions sur des listes sans proposition"
        + (f", {export.skipped} ignorées faute de code ROME" if export.skipped else "")
        + f") -> {path}\n"
        "Attention : chaque ligne porte l'état actuel de la personne et de l'offre, pas leur "
        "état au moment de la proposition."
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from training.pipeline import load_referentials, train_from_history
    from training.registry import activate, save_artifact

    rome, communes = load_referentials(_referentials_dir())
    try:
        result = train_from_history(
            args.history,
            rome=rome,
            communes=communes,
            split=args.split,
            test_size=args.test_size,
            random_state=args.seed,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    models_dir = _models_dir(args)
    path = save_artifact(result.artifact, args.output or models_dir)
    meta = result.artifact.metadata
    m = meta["metrics"]
    print(f"modèle {result.artifact.version} -> {path}")
    print(
        f"  {meta['n_train_rows']} lignes d'entraînement, {meta['n_test_rows']} de test"
        f" ({args.split}) ; {result.seconds['total']:.1f} s"
        f" (lecture {result.seconds['read']:.1f}, composantes {result.seconds['features']:.1f},"
        f" ajustement {result.seconds['fit']:.1f})"
    )
    for name in ("model", "default weights"):
        r = m[name]
        print(
            f"  {name:16s} NDCG@10 {r['ndcg@10']:.3f}  rappel@10 {r['recall@10']:.3f}"
            + (f"  ECE {r['ece']:.3f}" if r["ece"] == r["ece"] else "")
        )
    if args.activate:
        try:
            version = activate(models_dir, str(path))
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        print(f"modèle actif : {version}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from training.pipeline import evaluate_history, load_referentials
    from training.registry import active_version, load_artifact, resolve_artifact

    models_dir = _models_dir(args)
    wanted = args.model or active_version(models_dir)
    rome, communes = load_referentials(_referentials_dir())
    try:
        artifact = None if wanted is None else load_artifact(resolve_artifact(models_dir, wanted))
        result = evaluate_history(
            args.history,
            args.output,
            rome=rome,
            communes=communes,
            artifact=artifact,
            split=args.split,
            test_size=args.test_size,
            random_state=args.seed,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    metrics = result.evaluation.metrics
    print(f"évaluation de {result.metadata['version']} -> {args.output}/report.md")
    for name, row in metrics.iterrows():
        print(
            f"  {name!s:16s} NDCG@10 {row['ndcg@10']:.3f}  rappel@5 {row['recall@5']:.3f}"
            f"  rappel@10 {row['recall@10']:.3f}"
            + (f"  ECE {row['ece']:.3f}" if row["ece"] == row["ece"] else "")
        )
    flagged = result.evaluation.exposure[result.evaluation.exposure["flagged"]]
    print(f"  audit d'exposition : {len(flagged)} groupe(s) hors de [0,8 ; 1,25]")
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
        metrics = m.get("metrics", {}).get("model", {})
        print(
            f"{'*' if m['active'] else ' '} {m['version']}  {m.get('created_at', '?')}"
            f"  {m.get('data_file', '?')} ({m.get('n_rows', '?')} lignes)"
            f"  NDCG@10 {metrics.get('ndcg@10', float('nan')):.3f}"
            f"  ECE {metrics.get('ece', float('nan')):.3f}"
        )
    return 0


def _models_activate(args: argparse.Namespace) -> int:
    from training.registry import activate

    try:
        version = activate(_models_dir(args), args.version)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"modèle actif : {version}")
    return 0
