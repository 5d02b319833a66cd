"""Offers that make sense on the shipped demo set: a person's best offers lead with their own
and related trades, someone with no related target job appears only on jobs open to anyone (and
is told so), and an offer's shortlist puts people with a related target job first."""

from __future__ import annotations

import pytest

from fixtures import DEMO_DIR
from fixtures.demo import read_demo
from matching import columns as col
from matching.components import ENTRY_LEVEL_VALUE
from matching.engine import MatchingState
from matching.referentials import CommuneIndex, RomeReferential

AS_OF = "2026-11-16"


@pytest.fixture(scope="module")
def demo_state(rome: RomeReferential, communes: CommuneIndex) -> MatchingState:
    demo = read_demo(DEMO_DIR)
    return MatchingState.build(
        demo.candidates, demo.candidate_jobs, demo.offers, rome=rome, communes=communes
    )


def test_best_offers_of_every_demo_person_lead_with_related_trades(
    demo_state: MatchingState,
) -> None:
    offers = demo_state.offers
    people = 0
    for cid in demo_state.pool.ids[demo_state.pool.static_flags == 0][:400]:
        ranked = demo_state.offers_for(str(cid), 10, as_of=AS_OF)
        if ranked.empty:
            continue
        people += 1
        related = (ranked[col.COMPONENT_SKILLS] > ENTRY_LEVEL_VALUE).to_numpy()
        # related offers first: once an unrelated one appears, no related one follows
        assert not (related[1:] & ~related[:-1]).any(), cid
        unrelated = ranked[~related]
        idx = offers.index_of(unrelated[col.OFFER_ID].tolist())
        assert offers.is_entry_level[idx].all(), cid
        assert (
            unrelated[col.EXPLANATION].str.startswith("Métier accessible sans qualification").all()
        )
        assert not ranked[col.EXPLANATION].str.contains("Aucun métier visé proche").any()
    assert people > 200


def test_the_first_demo_person_sees_no_unrelated_skilled_job(demo_state: MatchingState) -> None:
    """CAND-000001 targets home-care jobs: ten offers all explained "Aucun métier visé proche…"
    (an electrician's, a pipe-layer's…) before; now only related or open-to-anyone jobs."""
    (c,) = demo_state.pool.index_of(["CAND-000001"])
    ranked = demo_state.offers_for("CAND-000001", 10, as_of=AS_OF)
    idx = demo_state.offers.index_of(ranked[col.OFFER_ID].tolist())
    fiches = demo_state.affinity.fiche_codes[demo_state.offers.fiche[idx]]
    assert not {"F1602", "F1705"} & set(fiches)
    related = ranked[col.COMPONENT_SKILLS].to_numpy() > ENTRY_LEVEL_VALUE
    assert related.all() or demo_state.offers.is_entry_level[idx[~related]].all()
    assert int(c) >= 0


def test_demo_shortlists_rank_unrelated_people_only_on_jobs_open_to_anyone(
    demo_state: MatchingState,
) -> None:
    ranked = demo_state.top_k_per_offer(as_of=AS_OF, k=20)
    unrelated = ranked.components[:, 0] <= ENTRY_LEVEL_VALUE
    assert demo_state.offers.is_entry_level[ranked.offer_idx[unrelated]].all()
    # "clausematch shortlist --offer OE2026-00001" put first a person with no related target
    first = demo_state.shortlist("OE2026-00001", 5, as_of=AS_OF)
    assert (first[col.COMPONENT_SKILLS] > ENTRY_LEVEL_VALUE).all()
