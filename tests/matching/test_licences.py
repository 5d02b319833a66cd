from __future__ import annotations

import pytest

from matching.licences import LICENCE_CODES, closure, label, parse_licence, parse_licences


def test_closure_follows_implications() -> None:
    assert closure(["PERMIS_CE"]) == {"PERMIS_CE", "PERMIS_C", "PERMIS_C1", "PERMIS_B"}
    assert closure(["HAB_ELEC_B2V"]) == {"HAB_ELEC_B2V", "HAB_ELEC_B1V", "HAB_ELEC_B0"}
    assert closure([]) == frozenset()


def test_closure_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError, match="unknown licence"):
        closure(["PERMIS_Z"])


def test_every_code_has_a_french_label() -> None:
    assert all(label(code) for code in LICENCE_CODES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("B - Véhicule léger", "PERMIS_B"),
        ("C - Poids lourd", "PERMIS_C"),
        ("D - Transport de personnes", "PERMIS_D"),
        ("BE - Véhicule léger + remorque", "PERMIS_BE"),
        ("permis B", "PERMIS_B"),
        ("Permis C1", "PERMIS_C1"),
        ("CE", "PERMIS_CE"),
        ("SPL", "PERMIS_CE"),
        ("PERMIS_BE", "PERMIS_BE"),
        ("CACES R489 cat 3", "CACES_R489_3"),
        ("caces 1B", "CACES_R489_1B"),
        ("CACES R482 cat. A", "CACES_R482_A"),
        ("CACES R486 B", "CACES_R486_B"),
        ("Habilitation électrique BR", "HAB_ELEC_BR"),
        ("B0", "HAB_ELEC_B0"),
        ("sst", "SST"),
        ("licorne", None),
        ("", None),
        ("CACES R999", None),
    ],
)
def test_parse_licence(text: str, code: str | None) -> None:
    assert parse_licence(text) == code


def test_parse_licences_lists_unknown_parts() -> None:
    codes, unknown = parse_licences("B, CACES 3 et SST; licorne / B")
    assert codes == ("PERMIS_B", "CACES_R489_3", "SST")
    assert unknown == ("licorne",)
