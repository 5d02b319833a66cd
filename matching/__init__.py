"""The matching engine: pure, vectorised functions over numpy arrays and pandas frames.

No database, HTTP, environment, clock or files of its own: referentials, ``as_of``, weights,
``k`` and block sizes come in as arguments (the one thing it reads itself is package data, the
word lists of :mod:`matching.titles`, shipped and versioned like code). It imports nothing of
``training``, ``service`` or ``fixtures``; the demo and synthetic data generator lives in
:mod:`fixtures.demo`. Details and measurements: ``matching/README_ENGINE.md``.

Inputs and referentials
    :mod:`~matching.columns` (column names, the one schema), :mod:`~matching.referentials` (ROME
    4.0 and commune loaders and lookups), :mod:`~matching.licences`, :mod:`~matching.text`
    (folding), :mod:`~matching.titles` (offer titles → ROME appellations and fiches),
    :mod:`~matching.schema` (validation, :class:`~matching.schema.CandidatePool`,
    :class:`~matching.schema.OfferSet`)
Pairs
    :mod:`~matching.distances` (commune × commune road distances), :mod:`~matching.exclusions`
    (the :class:`~matching.exclusions.Exclusion` bits), :mod:`~matching.constraints` (hard
    constraints and "Pourquoi pas ?"), :mod:`~matching.components` (skills, mobility, readiness),
    :mod:`~matching.features` (the per-pair features a scorer may read: the components and the
    facts behind them)
Scores and results
    :mod:`~matching.scoring` (the ``Scorer`` protocol, default weights), :mod:`~matching.explain`
    and :mod:`~matching.french` (the coach's French sentence), :mod:`~matching.ranking` (reach
    pre-filter, top-k, shortlists), :mod:`~matching.capacity` (capacity-aware batch lists),
    :mod:`~matching.engine` (:class:`~matching.engine.MatchingState`, kept in memory by the
    service; the features of given pairs and the whole eligible pool of offers, for training)
"""
