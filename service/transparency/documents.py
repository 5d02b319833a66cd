"""The information notice for the people and the record of processing (registre des activités
de traitement), in French, built from the settings.

Both are lists of :class:`Section` (a title and its lines): the web pages render them as HTML
(printable), ``clausematch privacy register`` as text or JSON. Every period comes from
:class:`~service.retention.service.Periods`, the one the retention run applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.config import Settings
from service.retention.service import Periods

__all__ = [
    "NOTICE_TITLE",
    "REGISTER_TITLE",
    "Section",
    "as_text",
    "information_notice",
    "periods_text",
    "record_of_processing",
]


REGISTER_TITLE: Final = "Registre des activités de traitement — clausematch"
NOTICE_TITLE: Final = "Vos données personnelles dans clausematch"


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def _n(value: int, unit: str) -> str:
    plural = {"mois": "mois", "jour": "jours", "an": "ans"}[unit]
    return f"{value} {unit if value == 1 else plural}"


def periods_text(settings: Settings) -> tuple[str, ...]:
    """Each retention period, as a French sentence (the notice and the register say the same)."""
    p = Periods.from_settings(settings)
    return (
        f"Dossier d'une personne suivie : anonymisé après {_n(p.inactive_months, 'mois')} sans "
        "activité (aucune modification du dossier, aucune proposition, mise en emploi ni heure "
        f"saisie) ; son coach en est averti {_n(p.notice_days, 'jour')} avant.",
        "Après l'anonymisation, seuls restent, sous un pseudonyme, les éléments qui fondent les "
        "heures d'insertion et les indicateurs du FSE+ (mises en emploi, heures, sorties, données "
        "statistiques) : ils doivent pouvoir être contrôlés "
        f"{_n(settings.retention_fse_years, 'an')} à compter du 31 décembre de l'année du dernier "
        "paiement de l'opération (règlement (UE) 2021/1060, art. 82).",
        f"Listes des traitements par lot et paires montrées aux coachs : "
        f"{_n(p.batch_lists_months, 'mois')}.",
        f"Journal d'audit (qui a lu ou modifié quoi, sans les valeurs) : "
        f"{_n(p.audit_months, 'mois')}.",
        f"Sessions web terminées : {_n(p.web_sessions_days, 'jour')} ; échecs de connexion : "
        f"{_n(p.login_failures_days, 'jour')}.",
        f"Fichiers déposés pour import (traités ou refusés) : {_n(p.drop_files_days, 'jour')}.",
        f"E-mails envoyés aux coachs et au facilitateur : contenu effacé après "
        f"{_n(settings.mail_keep_days, 'jour')}, trace supprimée après "
        f"{_n(p.notifications_days, 'jour')}.",
    )


_PURPOSES: Final = (
    "Accompagner vers l'emploi les bénéficiaires du RSA suivis par les coachs emploi du "
    "Département : rapprocher chaque personne des offres créées par les clauses sociales "
    "d'insertion des marchés publics, expliquer ce rapprochement, proposer des candidatures.",
    "Suivre l'exécution des clauses sociales : validation des propositions par le facilitateur, "
    "mises en emploi, heures d'insertion par marché et par lot, situation des personnes à la "
    "sortie.",
    "Rendre compte au Département et au Fonds social européen (FSE+) : indicateurs communs "
    "des participants (règlement (UE) 2021/1057, annexe I), calculés sur des données à part.",
    "Assurer la sécurité et la traçabilité du service : comptes, sessions, journal d'audit.",
)

_DATA: Final = (
    "Identité et contact : nom, prénom, téléphone, e-mail, numéro de suivi.",
    "Profil professionnel : métiers visés (ROME) et expérience, permis et certificats (CACES…), "
    "compétences déclarées.",
    "Contraintes déclarées : commune de résidence, moyen et durée de trajet acceptés, heures "
    "par semaine, travail de nuit, le week-end ou tôt le matin.",
    "Étape d'accompagnement (diagnostic, en parcours, prêt à l'emploi), date d'évaluation et de "
    "disponibilité.",
    "Suivi : offres proposées, décisions et motifs, mises en emploi, heures, situation à la "
    "sortie et à six mois ; scores et explications montrés aux coachs.",
    "Données statistiques demandées par le FSE+, gardées à part et jamais lues par le "
    "classement : sexe, année de naissance, niveau d'études, situation sur le marché du "
    "travail, handicap reconnu, bénéfice du RSA. La personne peut refuser de répondre.",
)

_RANKING: Final = (
    "Pour une offre, le service classe les personnes selon trois éléments : le métier (le même "
    "métier ou un métier proche de ceux que la personne vise, son expérience), le trajet (la "
    "distance ou le temps de trajet par rapport à ce que la personne accepte) et la préparation "
    "(étape d'accompagnement, disponibilité). Chaque résultat est accompagné d'une phrase qui "
    "l'explique.",
    "Le classement ne lit jamais le sexe, l'âge, la nationalité, la santé, le handicap ni la "
    "situation familiale : une situation personnelle n'intervient que par les contraintes que "
    "la personne déclare (horaires, jours, distance).",
    "Le classement ne décide rien : un coach choisit de proposer ou non une personne, le "
    "facilitateur valide ou refuse chaque proposition, l'entreprise recrute. Aucune décision "
    "n'est prise par le seul traitement automatisé.",
)


def _rights(settings: Settings) -> tuple[str, ...]:
    return (
        "Vous pouvez obtenir une copie de toutes les données qui vous concernent (droit "
        "d'accès), les faire corriger (rectification), demander leur effacement ou leur "
        "anonymisation quand aucune obligation légale n'impose de les garder, demander qu'elles "
        "ne soient plus utilisées pour vous proposer des offres (limitation, opposition : « ne "
        "pas proposer »), sans perdre votre accompagnement.",
        "Pour exercer ces droits, adressez-vous à votre coach emploi, ou écrivez au "
        f"responsable : {settings.privacy_dpo_contact}. Une réponse vous est donnée dans un "
        "délai d'un mois.",
        "Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une "
        "réclamation à la CNIL (www.cnil.fr, 3 place de Fontenoy, TSA 80715, 75334 Paris "
        "Cedex 07).",
    )


def information_notice(settings: Settings) -> list[Section]:
    """What a person followed is told (GDPR art. 13 and 14), in plain French."""
    return [
        Section(
            "Qui traite vos données",
            (
                f"Le responsable du traitement est : {settings.privacy_controller}.",
                f"Délégué à la protection des données : {settings.privacy_dpo_contact}.",
            ),
        ),
        Section("Pourquoi", _PURPOSES[:3]),
        Section(
            "Sur quelle base",
            (
                "L'accompagnement des bénéficiaires du RSA est une mission d'intérêt public du "
                "Département (RGPD, art. 6-1-e). Le compte rendu au FSE+ est une obligation "
                "légale (RGPD, art. 6-1-c ; règlements (UE) 2021/1057 et 2021/1060).",
            ),
        ),
        Section("Quelles données", _DATA),
        Section(
            "D'où elles viennent",
            (
                "Du dossier de suivi du Département et de ce que vous dites à votre coach ; les "
                "offres viennent des entreprises et de France Travail.",
            ),
        ),
        Section(
            "Qui les voit",
            (
                "Votre coach emploi et le facilitateur de clause sociale voient votre dossier. "
                "Les autres coachs ne voient qu'un numéro, votre commune, un score et son "
                "explication, jamais votre nom ni vos coordonnées.",
                "Vos coordonnées ne sont transmises à une entreprise qu'après votre accord et la "
                "validation du facilitateur. Les rapports au Département et au FSE+ ne "
                "contiennent que des nombres.",
                "Aucune donnée n'est transférée hors de l'Union européenne.",
            ),
        ),
        Section("Combien de temps", periods_text(settings)),
        Section("Comment fonctionne le classement", _RANKING),
        Section("Vos droits", _rights(settings)),
    ]


def _security(settings: Settings) -> tuple[str, ...]:
    return (
        "Accès par rôle : un coach ne voit en entier que les personnes qu'il suit, les autres "
        "sous un numéro ; l'administrateur ne lit aucun dossier de personne.",
        "Jetons d'accès à l'API conservés hachés (SHA-256) ; mots de passe hachés (argon2id) ; "
        "sessions web côté serveur, jeton anti-CSRF sur chaque formulaire ; verrouillage après "
        f"{settings.web_login_max_failures} échecs de connexion.",
        "Chaque lecture d'un dossier et chaque modification sont inscrites au journal d'audit "
        "(qui, quand, quoi, sans les valeurs) ; chaque entrée est chaînée à la précédente par "
        "une empreinte SHA-256, et `clausematch audit verify` vérifie la chaîne.",
        "Les journaux applicatifs ne contiennent ni nom, ni coordonnée, ni texte libre.",
        "Les données statistiques (sexe, âge, handicap…) sont dans une table à part que le "
        "classement ne lit pas.",
        "Durées de conservation appliquées par `clausematch retention run` ; chaque exécution "
        "est enregistrée.",
    )


def record_of_processing(settings: Settings) -> list[Section]:
    """The record of processing activities (registre, GDPR art. 30-1), French."""
    return [
        Section(
            "Responsable du traitement et délégué à la protection des données",
            (
                f"Responsable : {settings.privacy_controller}.",
                f"Délégué à la protection des données : {settings.privacy_dpo_contact}.",
                "Nom du traitement : clausematch — rapprochement des bénéficiaires du RSA et "
                "des offres des clauses sociales d'insertion.",
            ),
        ),
        Section("Finalités", _PURPOSES),
        Section(
            "Bases légales",
            (
                "Mission d'intérêt public (art. 6-1-e) : accompagnement des bénéficiaires du RSA "
                "par le Département.",
                "Obligation légale (art. 6-1-c) : indicateurs et contrôle du FSE+ "
                "(règlements (UE) 2021/1057 et 2021/1060).",
                "Handicap reconnu (donnée de santé, art. 9) : recueilli seulement pour "
                "l'indicateur FSE+ correspondant, facultatif, jamais lu par le classement.",
            ),
        ),
        Section(
            "Catégories de personnes concernées",
            (
                "Bénéficiaires du RSA suivis par les coachs emploi du Département.",
                "Utilisateurs du service : coachs emploi, facilitateur de clause sociale, "
                "administrateurs.",
            ),
        ),
        Section(
            "Catégories de données",
            (
                *_DATA,
                "Utilisateurs : identifiant, rôle, adresse e-mail de notification, sessions, "
                "échecs de connexion, actions inscrites au journal d'audit.",
            ),
        ),
        Section(
            "Destinataires",
            (
                "Le coach de la personne et le facilitateur : le dossier entier.",
                "Les autres coachs : numéro interne, commune, score et explication.",
                "Les administrateurs : comptes, réglages, journal d'audit ; aucun dossier.",
                "Le Département et l'autorité de gestion du FSE+ : rapports agrégés ; les "
                "autorités de contrôle du FSE+ : les pièces des indicateurs, sur demande.",
                "Les entreprises attributaires : les coordonnées d'un candidat validé, "
                "transmises par le facilitateur, hors du service.",
            ),
        ),
        Section("Transferts hors de l'Union européenne", ("Aucun.",)),
        Section("Durées de conservation", periods_text(settings)),
        Section(
            "Décision automatisée",
            (
                "Aucune : le classement aide le coach, qui propose ; le facilitateur valide "
                "chaque proposition ; l'entreprise recrute (RGPD, art. 22). Un système d'aide au "
                "recrutement relève des systèmes à haut risque du règlement (UE) 2024/1689 "
                "(annexe III, 4 a) : contrôle humain de chaque proposition, explication de "
                "chaque score, audit des expositions par sexe et âge.",
            ),
        ),
        Section("Mesures de sécurité", _security(settings)),
    ]


def as_text(title: str, sections: list[Section]) -> str:
    """Plain text (the command line), one numbered heading per section."""
    out = [title, "=" * len(title), ""]
    for i, section in enumerate(sections, start=1):
        out.append(f"{i}. {section.title}")
        out.extend(f"   - {line}" for line in section.lines)
        out.append("")
    return "\n".join(out)
