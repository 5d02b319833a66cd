"""Offer titles → ROME appellations and fiches.

Job-ad titles are messy ("MACON H/F", "Agent(e) d'entretien espaces verts (F/H)", "Chauffeur PL
SPL - CDD 6 mois - secteur Flers"). :func:`clean_title` folds them to the words that name the job;
:class:`TitleIndex` then matches many cleaned titles at once against the ROME appellation labels
and against labelled example titles (measurements: ``tests/benchmarks/bench_titles.py``).

=================================  ===============================================================
:mod:`matching.titles.cleaning`    :func:`clean_title`, :func:`label_acronyms` (acronyms the ROME
                                   labels spell out)
:mod:`matching.titles.lexicon`     the word lists (abbreviations, noise, places...), read once from
                                   the package's data files ``matching/titles/data/*.txt``
:mod:`matching.titles.evidence`    the method: TF-IDF embedding, lexical and learned (kernel
                                   ridge) evidence, their fusion
:mod:`matching.titles.labels`      recorded codes corrected before learning: moved between ROME
                                   versions, or without support from the referential
:mod:`matching.titles.vague`       :class:`VagueRule`: titles that name no trade (*à préciser*)
:mod:`matching.titles.index`       :class:`TitleIndex` (build, ``match``, autocomplete
                                   ``search``), :func:`load_title_index`
=================================  ===============================================================

The word lists are part of the package, like its code, not referentials: the ROME tables and the
labelled titles come in from the caller (:meth:`TitleIndex.build`, or a folder given to
:func:`load_title_index`).
"""

from __future__ import annotations

from matching.titles.cleaning import clean_title, label_acronyms
from matching.titles.index import MATCH_COLUMNS, TitleIndex, load_title_index
from matching.titles.vague import VagueRule

__all__ = [
    "MATCH_COLUMNS",
    "TitleIndex",
    "VagueRule",
    "clean_title",
    "label_acronyms",
    "load_title_index",
]
