"""The title index: offer titles → ROME appellations and reference fiches, many at once.

:class:`TitleIndex` is built once from the ROME tables and labelled example titles; it then
scores every reference fiche for a block of cleaned titles with the lexical and learned evidence
of :mod:`matching.titles.evidence`, and, within the best reference fiches, returns the appellation
whose label is closest to the title (its own fiche may be a child of the reference fiche).
:meth:`TitleIndex.search` serves an autocomplete box over the appellation labels.

Everything is vectorised over blocks of titles: sparse products and ``argpartition``, no Python
loop over appellations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from matching.text import fold
from matching.titles.cleaning import clean_title, fold_label, label_acronyms, lower_label, singular
from matching.titles.evidence import Embedder, fit_kernel_ridge, fuse_evidence
from matching.titles.labels import label_support, remap_moved_codes
from matching.titles.vague import DEFAULT_MIN_DOMAINS, VagueRule

__all__ = ["MATCH_COLUMNS", "TitleIndex", "load_title_index"]

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int32]

_APP_COLUMNS = ("code_ogr", "libelle", "code_rome")
_FICHE_COLUMNS = ("code_rome", "libelle_rome", "code_rome_parent")
_EXAMPLE_COLUMNS = ("intitule", "code_rome")
_LEVELS = ("fiche", "reference")
# Examples whose recorded code's family reaches less than half of the title's best lexical match
# are left out (labels.label_support); chosen on the labelled titles, flat between 0.4 and 0.6.
_MIN_SUPPORT = 0.5
_MIN_KERNEL = 0.01  # squared cosine below which an example's vote is dropped
_MAX_EXAMPLES = 8000  # the gram matrix is n² float32: 256 MB at 8,000
_BLOCK = 512

MATCH_COLUMNS: tuple[str, ...] = (
    "title_index",
    "title",
    "rank",
    "code_ogr",
    "appellation",
    "code_rome",
    "code_rome_parent",
    "libelle_rome_parent",
    "score",
    "is_vague",
)


@dataclass(frozen=True, eq=False)
class TitleIndex:
    """Match offer titles to ROME appellations and fiches.

    Build it with :meth:`build`; the attributes are the learned tables (dense ids are row
    positions of the ``appellations`` and ``fiches`` frames given to :meth:`build`). The classes
    the index chooses between are the fiches (``level="fiche"``, the default) or only the
    reference fiches (``level="reference"``, the index of issue 2, kept for comparison).

    Attributes
    ----------
    classes : ndarray of str, shape (n_classes,)
        Codes of the classes (fiches, or reference fiches), sorted.
    class_labels : ndarray of str, shape (n_classes,)
        Their labels.
    class_parents, class_parent_labels : ndarray of str, shape (n_classes,)
        Code and label of each class's reference fiche (``code_rome_parent``).
    class_family : ndarray of int64, shape (n_classes,)
        Dense id of each class's reference fiche.
    app_code_ogr, app_label, app_code_rome : ndarray, shape (n_appellations,)
        Appellations (int64 OGR code, label, fiche code), ordered by class then main title first.
    app_class : ndarray of int32, shape (n_appellations,)
        Reference-fiche index of each appellation.
    app_folded, app_lower : ndarray of str, shape (n_appellations,)
        Labels folded (no accents) and lower-cased (accents kept), each with a leading space, for
        word-prefix search.
    app_rank_bonus : ndarray of float32, shape (n_appellations,)
        Autocomplete tie-breaker: main titles up, rare titles down.
    ref_matrix : csr_matrix of float32, shape (n_ref_docs, n_features)
        Embedded ROME labels, grouped by class (appellations of a class first, then fiche labels).
    ref_bonus : ndarray of float32, shape (n_ref_docs,)
        Small bonus of main titles when choosing the appellation inside a fiche.
    ref_starts : ndarray of int64, shape (n_classes,)
        First row of each class in ``ref_matrix`` (every class has at least its fiche label).
    app_rows : ndarray of int64, shape (n_appellations,)
        Row of each appellation in ``ref_matrix``.
    app_slots, app_slot_ids : ndarray of int64, shape (n_classes, max_appellations_per_class)
        Rows in ``ref_matrix`` and appellation ids of each class's appellations, padded with 0
        and -1; ``app_slot_valid`` (bool, same shape) marks the real ones.
    example_matrix : csr_matrix of float32, shape (n_examples, n_features)
        Embedded labelled example titles (deduplicated); 0 rows without examples.
    ref_matrix_t, example_matrix_t : csr_matrix of float32
        Their transposes, stored row-major so a block of queries multiplies without conversion.
    example_weights : ndarray of float32, shape (n_examples, n_seen)
        Kernel-ridge dual coefficients: the learned score of class ``example_classes[j]`` for a
        title is ``(cos(title, examples) ** 2) @ example_weights[:, j]``.
    example_classes : ndarray of int64, shape (n_seen,)
        The classes that have examples (the others get no learned score).
    prior : ndarray of float32, shape (n_classes,)
        ``sqrt`` of the share of examples filed under each class (zeros without examples).
    n_examples_dropped : int
        Labelled examples left out because the referential gives their code no support.
    vague : VagueRule
        Which titles name no trade (:mod:`matching.titles.vague`).
    """

    embedder: Embedder
    classes: npt.NDArray[np.str_]
    class_labels: npt.NDArray[np.str_]
    class_parents: npt.NDArray[np.str_]
    class_parent_labels: npt.NDArray[np.str_]
    class_family: npt.NDArray[np.int64]
    app_code_ogr: npt.NDArray[np.int64]
    app_label: npt.NDArray[np.str_]
    app_code_rome: npt.NDArray[np.str_]
    app_class: IdArray
    app_folded: npt.NDArray[np.str_]
    app_lower: npt.NDArray[np.str_]
    app_rank_bonus: FloatArray
    ref_matrix: sp.csr_matrix
    ref_starts: npt.NDArray[np.int64]
    app_rows: npt.NDArray[np.int64]
    app_slots: npt.NDArray[np.int64]
    app_slot_ids: npt.NDArray[np.int64]
    app_slot_valid: npt.NDArray[np.bool_]
    example_matrix: sp.csr_matrix
    ref_matrix_t: sp.csr_matrix
    ref_bonus: FloatArray
    example_matrix_t: sp.csr_matrix
    example_weights: FloatArray
    example_classes: npt.NDArray[np.int64]
    prior: FloatArray
    acronyms: dict[str, str]
    n_examples_dropped: int
    vague: VagueRule

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        appellations: pd.DataFrame,
        fiches: pd.DataFrame,
        examples: pd.DataFrame | None = None,
        *,
        level: str = "fiche",
        clean_labels: bool = True,
        vague_min_domains: int = DEFAULT_MIN_DOMAINS,
        random_state: int | None = 0,
    ) -> TitleIndex:
        """Build the index from the ROME tables and optional labelled titles.

        Parameters
        ----------
        appellations : DataFrame
            As returned by :func:`matching.referentials.load_appellations`: ``code_ogr``,
            ``libelle``, ``code_rome`` (``is_main``, ``is_rare``, ``libelle_court`` optional).
        fiches : DataFrame
            As returned by :func:`matching.referentials.load_fiches`: ``code_rome``,
            ``libelle_rome``, ``code_rome_parent`` (``libelle_rome_v3`` optional).
        examples : DataFrame, optional
            Labelled offer titles: ``intitule`` (str) and ``code_rome`` (a fiche code), optionally
            ``appellation`` (the appellation label recorded with the code).
        level : {"fiche", "reference"}, default "fiche"
            The classes: every fiche, or only the reference fiches (an appellation of a child
            fiche then counts for its reference fiche: the index of issue 2).
        clean_labels : bool, default True
            Correct the examples' recorded codes before learning from them
            (:mod:`matching.titles.labels`): codes moved between ROME versions follow their
            recorded appellation, and examples whose code the referential does not support are
            left out.
        vague_min_domains : int, default 4
            A title whose words occur together in labels of at least this many professional
            domains, and that is no label's exact wording, is vague
            (:class:`~matching.titles.vague.VagueRule`).
        random_state : int, optional
            Seed of the subsample drawn when there are more than 8,000 distinct examples (the
            kernel ridge solve is quadratic in memory); unused otherwise.

        Returns
        -------
        TitleIndex

        Raises
        ------
        ValueError
            A column is missing, a code refers to no fiche, or ``level`` is unknown.
        """
        _require(appellations, _APP_COLUMNS, "appellations")
        _require(fiches, _FICHE_COLUMNS, "fiches")
        if appellations.empty:
            raise ValueError("no appellations to match against")
        if level not in _LEVELS:
            raise ValueError(f"level must be one of {_LEVELS}, got {level!r}")
        codes = fiches["code_rome"].astype(str).to_numpy()
        parent_of = pd.Series(fiches["code_rome_parent"].astype(str).to_numpy(), index=codes)
        label_of = pd.Series(fiches["libelle_rome"].astype(str).to_numpy(), index=codes)
        # The class of each fiche: itself, or its reference fiche.
        class_code_of = parent_of if level == "reference" else pd.Series(codes, index=codes)
        classes = np.sort(class_code_of.unique().astype(str))
        class_of = pd.Series(np.arange(len(classes), dtype=np.int32), index=classes)
        class_labels = label_of.reindex(classes).fillna("").to_numpy(dtype=str)
        class_parents = parent_of.reindex(classes).to_numpy(dtype=str)
        family_codes, class_family = np.unique(class_parents, return_inverse=True)
        class_parent_labels = label_of.reindex(family_codes).fillna("").to_numpy(dtype=str)

        app_class_code = appellations["code_rome"].astype(str).map(class_code_of)
        if app_class_code.isna().any():
            bad = appellations.loc[app_class_code.isna(), "code_rome"].unique()[:5].tolist()
            raise ValueError(f"appellations filed under unknown fiches: {bad}")
        is_main = (
            appellations["is_main"].to_numpy(dtype=bool)
            if "is_main" in appellations.columns
            else np.zeros(len(appellations), dtype=bool)
        )
        is_rare = (
            appellations["is_rare"].to_numpy(dtype=bool)
            if "is_rare" in appellations.columns
            else np.zeros(len(appellations), dtype=bool)
        )
        is_ref_fiche = (
            appellations["code_rome"].astype(str) == appellations["code_rome"].map(parent_of)
        ).to_numpy()
        app = pd.DataFrame(
            {
                "code_ogr": appellations["code_ogr"].astype(np.int64).to_numpy(),
                "label": appellations["libelle"].astype(str).to_numpy(),
                "code_rome": appellations["code_rome"].astype(str).to_numpy(),
                "cls": app_class_code.map(class_of).to_numpy(dtype=np.int32),
                # Within a class: the reference fiche's main title first (chosen on ties).
                "order": np.where(is_main & is_ref_fiche, 0, np.where(is_main, 1, 2)),
                "is_rare": is_rare,
            }
        ).sort_values(["cls", "order", "code_ogr"], kind="stable", ignore_index=True)

        fiche_docs = pd.DataFrame(
            {
                "text": fiches["libelle_rome"].astype(str).to_numpy(),
                "code": codes,
            }
        )
        if "libelle_rome_v3" in fiches.columns:
            v3 = pd.DataFrame(
                {"text": fiches["libelle_rome_v3"].fillna("").astype(str).to_numpy(), "code": codes}
            )
            fiche_docs = pd.concat([fiche_docs, v3[v3["text"] != ""]], ignore_index=True)
        fiche_docs["cls"] = fiche_docs["code"].map(class_code_of).map(class_of).to_numpy(np.int32)

        app_clean = [clean_title(s) for s in app["label"]]
        fiche_clean = [clean_title(s) for s in fiche_docs["text"]]
        ref = pd.DataFrame(
            {
                "text": app_clean + fiche_clean,
                "cls": np.r_[app["cls"].to_numpy(), fiche_docs["cls"].to_numpy()],
                "app": np.r_[np.arange(len(app)), np.full(len(fiche_docs), -1)],
                "is_app": np.r_[np.ones(len(app), bool), np.zeros(len(fiche_docs), bool)],
            }
        )
        # Group rows by class, appellations (in their order) before the fiche labels.
        ref = ref.sort_values(["cls", "is_app", "app"], ascending=[True, False, True])
        ref = ref.reset_index(drop=True)
        n_classes = len(classes)
        cls_arr = ref["cls"].to_numpy()
        ref_starts = np.searchsorted(cls_arr, np.arange(n_classes)).astype(np.int64)
        app_counts = np.bincount(app["cls"].to_numpy(), minlength=n_classes).astype(np.int64)
        app_starts = np.searchsorted(app["cls"].to_numpy(), np.arange(n_classes)).astype(np.int64)

        ex = _example_frame(
            examples, appellations, parent_of, class_code_of, class_of, clean_labels
        )
        if len(ex) > _MAX_EXAMPLES:
            rng = np.random.default_rng(random_state)
            keep = np.sort(rng.choice(len(ex), size=_MAX_EXAMPLES, replace=False))
            ex = ex.iloc[keep].reset_index(drop=True)

        embedder = Embedder()
        matrix = embedder.fit_transform(ref["text"].tolist() + ex["text"].tolist())
        ref_matrix = matrix[: len(ref)]
        example_matrix = matrix[len(ref) :]
        ex_cls = ex["cls"].to_numpy(dtype=np.int32)
        n_dropped = 0
        if clean_labels and len(ex):
            lexical = np.maximum.reduceat(
                (example_matrix @ ref_matrix.T).toarray(), ref_starts, axis=1
            )
            supported = label_support(lexical, ex_cls.astype(np.int64), class_family) >= (
                _MIN_SUPPORT
            )
            n_dropped = int((~supported).sum())
            example_matrix = example_matrix[supported]
            ex_cls = ex_cls[supported]
        example_weights, example_classes, prior = fit_kernel_ridge(
            example_matrix, ex_cls, n_classes
        )

        folded = np.array([" " + fold_label(s) for s in app["label"]], dtype=str)
        lower = np.array([" " + lower_label(s) for s in app["label"]], dtype=str)
        # Autocomplete order among equal matches: main titles first, rare ones last.
        bonus = np.where(app["order"].to_numpy() == 0, 0.1, np.where(app["order"] == 1, 0.05, 0.0))
        bonus = bonus - np.where(app["is_rare"].to_numpy(), 0.1, 0.0)
        # Choosing the appellation inside a fiche: on near ties, prefer main titles.
        ref_bonus = np.zeros(len(ref), dtype=np.float32)
        app_order = app["order"].to_numpy()[ref["app"].to_numpy()[ref["is_app"].to_numpy()]]
        ref_bonus[ref["is_app"].to_numpy()] = np.where(
            app_order == 0, 0.06, np.where(app_order == 1, 0.04, 0.0)
        )
        app_rows = ref.index[ref["is_app"]].to_numpy()[np.argsort(ref.loc[ref["is_app"], "app"])]
        app_rows = app_rows.astype(np.int64)
        width = max(int(app_counts.max()) if n_classes else 0, 1)
        offsets = np.arange(width)
        slot_valid = offsets[None, :] < app_counts[:, None]
        slot_ids = np.where(slot_valid, app_starts[:, None] + offsets[None, :], -1)
        slots = np.where(slot_valid, app_rows[np.clip(slot_ids, 0, None)], 0)
        # Domains (first three characters of a code) of every label, for the vague-title rule.
        label_domains = np.r_[
            app["code_rome"].to_numpy(dtype=str), fiche_docs["code"].to_numpy(dtype=str)
        ]
        return cls(
            embedder=embedder,
            classes=classes,
            class_labels=class_labels,
            class_parents=class_parents,
            class_parent_labels=class_parent_labels[class_family],
            class_family=class_family.astype(np.int64),
            app_code_ogr=app["code_ogr"].to_numpy(dtype=np.int64),
            app_label=app["label"].to_numpy(dtype=str),
            app_code_rome=app["code_rome"].to_numpy(dtype=str),
            app_class=app["cls"].to_numpy(dtype=np.int32),
            app_folded=folded,
            app_lower=lower,
            app_rank_bonus=bonus.astype(np.float32),
            ref_matrix=ref_matrix,
            ref_starts=ref_starts,
            app_rows=app_rows,
            app_slots=slots,
            app_slot_ids=slot_ids,
            app_slot_valid=slot_valid,
            example_matrix=example_matrix,
            ref_matrix_t=ref_matrix.T.tocsr(),
            ref_bonus=ref_bonus,
            example_matrix_t=example_matrix.T.tocsr(),
            example_weights=example_weights,
            example_classes=example_classes,
            prior=prior,
            acronyms=label_acronyms(
                app["label"].astype(str).tolist(), app["code_rome"].astype(str).tolist()
            ),
            n_examples_dropped=n_dropped,
            vague=VagueRule.build(
                app_clean + fiche_clean,
                [c[:3] for c in label_domains],
                min_domains=vague_min_domains,
            ),
        )

    # ------------------------------------------------------------------ scoring

    def expand_acronyms(self, cleaned: str) -> str:
        """Spell out the acronyms the referential defines (see :func:`label_acronyms`)."""
        if not self.acronyms:
            return cleaned
        return " ".join(self.acronyms.get(w, w) for w in cleaned.split())

    @property
    def n_classes(self) -> int:
        """Number of reference fiches."""
        return len(self.classes)

    def class_scores(self, cleaned: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Score every reference fiche for a block of cleaned titles.

        Parameters
        ----------
        cleaned : sequence of str, length n
            Titles already passed through :func:`clean_title`.

        Returns
        -------
        scores : ndarray of float32, shape (n, n_classes)
            Fused score in [0, 1] (0 for a title with no known word).
        similarity : ndarray of float32, shape (n, n_ref_docs)
            Cosine similarity of each title to each ROME label (rows of ``ref_matrix``).
        """
        lexical, learned, has_words, similarity = self._components(cleaned)
        return fuse_evidence(lexical, learned, self.prior, has_words), similarity

    def _components(
        self, cleaned: Sequence[str]
    ) -> tuple[FloatArray, FloatArray | None, npt.NDArray[np.bool_], FloatArray]:
        queries = self.embedder.transform(list(cleaned))
        similarity = (queries @ self.ref_matrix_t).toarray()
        lexical = np.maximum.reduceat(similarity, self.ref_starts, axis=1)
        learned = None
        if self.example_matrix.shape[0]:
            # Squared-cosine kernel, kept sparse: most examples share no n-gram with a title.
            kernel = sp.csr_matrix(queries @ self.example_matrix_t)
            kernel.data *= kernel.data
            # Examples sharing only a stray n-gram (cosine under 0.1) weigh nothing worth the
            # product's time (a ninth of the entries; the learned score moves by < 0.05).
            kernel.data[kernel.data < _MIN_KERNEL] = 0.0
            kernel.eliminate_zeros()
            learned = np.zeros((queries.shape[0], self.n_classes), dtype=np.float32)
            learned[:, self.example_classes] = kernel @ self.example_weights
        has_words = np.diff(queries.indptr) > 0
        return lexical, learned, has_words, similarity

    def match(self, titles: Sequence[str], k: int = 3) -> pd.DataFrame:
        """Best appellations of many offer titles, with the next best distinct classes (fiches,
        or reference fiches for an index built with ``level="reference"``).

        Parameters
        ----------
        titles : sequence of str, length n
            Raw offer titles (``None``/NaN and empty strings are allowed).
        k : int, default 3
            Number of distinct classes returned per title.

        Returns
        -------
        DataFrame, one row per (title, rank), ``n * k`` rows in title order then rank order
        (titles with no known word get a single rank-1 row with no code and score 0). Columns:
        ``title_index`` (int64, position in ``titles``), ``title`` (str, as given), ``rank``
        (int64, 1 = best), ``code_ogr`` (Int64, the closest appellation of that class),
        ``appellation`` (str), ``code_rome`` (str, the appellation's fiche), ``code_rome_parent``
        (str, its reference fiche), ``libelle_rome_parent`` (str), ``score`` (float64 in [0, 1],
        non-increasing with rank), ``is_vague`` (bool, the same on every row of a title: the
        title names no trade, the codes are only guesses — see
        :mod:`matching.titles.vague`).
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        raw = ["" if not isinstance(t, str) else t for t in titles]
        cleaned = [self.expand_acronyms(clean_title(t)) for t in raw]
        k_eff = min(k, self.n_classes)
        frames = [
            self._match_block(
                raw[i : i + _BLOCK],
                cleaned[i : i + _BLOCK],
                i,
                k_eff,
                self.vague.is_vague(cleaned[i : i + _BLOCK]),
            )
            for i in range(0, len(raw), _BLOCK)
        ]
        if not frames:
            return _empty_match_frame()
        return pd.concat(frames, ignore_index=True)

    def _match_block(
        self,
        raw: list[str],
        cleaned: list[str],
        offset: int,
        k: int,
        is_vague: npt.NDArray[np.bool_],
    ) -> pd.DataFrame:
        n = len(raw)
        scores, similarity = self.class_scores(cleaned)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < self.n_classes else None
        if top is None:
            top = np.tile(np.arange(self.n_classes), (n, 1))
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)

        # Closest appellation inside each chosen class: gather the class's padded slots.
        flat_cls = top.ravel()
        slots = self.app_slots[flat_cls]
        title_rows = np.repeat(np.arange(n), k)[:, None]
        values = similarity[title_rows, slots] + self.ref_bonus[slots]
        values[~self.app_slot_valid[flat_cls]] = -np.inf
        best_slot = values.argmax(axis=1)
        app_idx = self.app_slot_ids[flat_cls, best_slot].reshape(n, k)

        has_match = top_scores[:, 0] > 0
        keep = np.zeros((n, k), dtype=bool)
        keep[has_match] = True
        keep[~has_match, 0] = True
        rows, ranks = np.nonzero(keep)
        cls = top[rows, ranks]
        apps = app_idx[rows, ranks]
        valid = has_match[rows] & (apps >= 0)
        safe = np.where(valid, apps, 0)
        titles_arr = np.asarray(raw, dtype=object)
        return pd.DataFrame(
            {
                "title_index": (rows + offset).astype(np.int64),
                "title": titles_arr[rows],
                "rank": (ranks + 1).astype(np.int64),
                "code_ogr": pd.Series(self.app_code_ogr[safe], dtype="Int64").mask(~valid),
                "appellation": np.where(valid, self.app_label[safe], ""),
                "code_rome": np.where(
                    valid,
                    self.app_code_rome[safe],
                    np.where(has_match[rows], self.classes[cls], ""),
                ),
                "code_rome_parent": np.where(has_match[rows], self.class_parents[cls], ""),
                "libelle_rome_parent": np.where(has_match[rows], self.class_parent_labels[cls], ""),
                "score": np.where(has_match[rows], top_scores[rows, ranks], 0.0).astype(np.float64),
                "is_vague": is_vague[rows],
            }
        )

    def search(self, query: str, k: int = 10) -> pd.DataFrame:
        """Appellations for a partial query typed in an autocomplete box ("maç", "cariste").

        Every word of the query must start a word of the label (accents and case ignored); labels
        are ranked by similarity to the query, main titles first. When fewer than ``k`` labels
        match that way (typos), the closest labels by character n-grams fill the list.

        Parameters
        ----------
        query : str
            What was typed so far.
        k : int, default 10
            Maximum number of appellations returned.

        Returns
        -------
        DataFrame, at most ``k`` rows, best first: ``code_ogr`` (int64), ``appellation`` (str),
        ``code_rome`` (str), ``code_rome_parent`` (str), ``score`` (float64 in [0, 1]).
        Empty for an empty query.
        """
        words = fold(query if isinstance(query, str) else "").split()
        if not words or k < 1:
            return _empty_search_frame()
        matched = np.ones(len(self.app_folded), dtype=bool)
        for word in words:
            matched &= np.char.find(self.app_folded, " " + word) >= 0
        folded_query = " ".join(words)
        # Similarity on the cleaned query, so abbreviations expand ("chauffeur pl").
        cleaned = self.expand_acronyms(clean_title(query)) or " ".join(singular(w) for w in words)
        q = self.embedder.transform([cleaned])
        sim = (q @ self.ref_matrix_t).toarray()[0][self.app_rows]
        starts = np.char.startswith(self.app_folded, " " + folded_query)
        # "maç" should rank "Maçon" before "Machiniste": reward the accents as typed.
        typed = " " + query.strip().lower().split()[-1]
        exact = np.char.find(self.app_lower, typed) >= 0
        score = 0.5 + 0.3 * sim + 0.1 * starts + 0.05 * exact + self.app_rank_bonus
        fallback = 0.5 * sim
        if int(matched.sum()) < k and len(folded_query) >= 4:
            # Typos ("carriste"): best partial alignment of the query inside each label.
            fuzzy = (
                process.cdist(
                    [folded_query],
                    self.app_folded,
                    scorer=fuzz.partial_ratio,
                    dtype=np.uint8,
                    workers=1,
                )[0].astype(np.float32)
                / 100.0
            )
            close = 0.5 * fuzzy**2 + 0.2 * sim + self.app_rank_bonus
            fallback = np.maximum(fallback, np.where(fuzzy >= 0.8, close, 0.0))
        score = np.clip(np.where(matched, score, fallback), 0.0, 1.0)
        score = np.where(matched | (fallback > 0.1), score, 0.0)
        n_hits = int(np.count_nonzero(score > 0))
        if n_hits == 0:
            return _empty_search_frame()
        kk = min(k, n_hits)
        idx = np.argpartition(-score, kk - 1)[:kk]
        idx = idx[np.argsort(-score[idx], kind="stable")]
        return pd.DataFrame(
            {
                "code_ogr": self.app_code_ogr[idx],
                "appellation": self.app_label[idx],
                "code_rome": self.app_code_rome[idx],
                "code_rome_parent": self.class_parents[self.app_class[idx]],
                "score": score[idx].astype(np.float64),
            }
        )


def _example_frame(
    examples: pd.DataFrame | None,
    appellations: pd.DataFrame,
    parent_of: pd.Series,
    class_code_of: pd.Series,
    class_of: pd.Series,
    clean_labels: bool,
) -> pd.DataFrame:
    """Distinct (cleaned title, class) examples; recorded codes moved between ROME versions
    follow their recorded appellation when ``clean_labels``."""
    empty = pd.DataFrame(
        {"text": pd.Series([], dtype=object), "cls": pd.Series([], dtype=np.int32)}
    )
    if examples is None or not len(examples):
        return empty
    _require(examples, _EXAMPLE_COLUMNS, "examples")
    codes = examples["code_rome"].astype(str).str.strip().str.upper()
    unknown = ~codes.isin(parent_of.index)
    if unknown.any():
        bad = examples.loc[unknown, "code_rome"].unique()[:5].tolist()
        raise ValueError(f"examples filed under unknown fiches: {bad}")
    if clean_labels and "appellation" in examples.columns:
        reference = appellations.assign(
            code_rome_parent=appellations["code_rome"].astype(str).map(parent_of)
        )
        codes = remap_moved_codes(codes, examples["appellation"].fillna(""), reference)
    ex = pd.DataFrame(
        {
            "text": [clean_title(s) for s in examples["intitule"].astype(str)],
            "cls": codes.map(class_code_of).map(class_of).to_numpy(dtype=np.int32),
        }
    )
    return ex[ex["text"] != ""].drop_duplicates(ignore_index=True)


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")


def _empty_match_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title_index": pd.Series([], dtype=np.int64),
            "title": pd.Series([], dtype=object),
            "rank": pd.Series([], dtype=np.int64),
            "code_ogr": pd.Series([], dtype="Int64"),
            "appellation": pd.Series([], dtype=object),
            "code_rome": pd.Series([], dtype=object),
            "code_rome_parent": pd.Series([], dtype=object),
            "libelle_rome_parent": pd.Series([], dtype=object),
            "score": pd.Series([], dtype=np.float64),
            "is_vague": pd.Series([], dtype=bool),
        }
    )


def _empty_search_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_ogr": pd.Series([], dtype=np.int64),
            "appellation": pd.Series([], dtype=object),
            "code_rome": pd.Series([], dtype=object),
            "code_rome_parent": pd.Series([], dtype=object),
            "score": pd.Series([], dtype=np.float64),
        }
    )


def load_title_index(directory: str | Path, *, with_examples: bool = True) -> TitleIndex:
    """Build the index from a referential folder laid out like ``fixtures/referentials``.

    Reads ``rome_fiches.csv``, ``rome_appellations.csv.gz`` and (unless ``with_examples`` is
    false) ``offer_titles_labelled.csv.gz``.
    """
    from matching.referentials import load_appellations, load_fiches

    d = Path(directory)
    fiches = load_fiches(d / "rome_fiches.csv")
    appellations = load_appellations(d / "rome_appellations.csv.gz", fiches)
    examples = None
    if with_examples:
        examples = pd.read_csv(d / "offer_titles_labelled.csv.gz", dtype=str, keep_default_na=False)
    return TitleIndex.build(appellations, fiches, examples)
