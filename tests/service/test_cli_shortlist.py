"""``clausematch shortlist`` on the demo data set (the command module alone, via its parser)."""

from __future__ import annotations

import argparse
import json

import pytest

from service.cli import CliError, shortlist


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="clausematch")
    sub = parser.add_subparsers(dest="command", required=True)
    shortlist.register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_readable_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["shortlist", "--offer", "OE2026-00003", "-k", "3", "--as-of", "2026-11-16"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Offre OE2026-00003 : ")
    assert "  1. CAND-" in out and "  3. CAND-" in out and "  4. CAND-" not in out
    assert "score " in out and " · " in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["shortlist", "--offer", "OE2026-00003", "-k", "4", "--json", "--as-of", "2026-11-16"]
    assert _run(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["offer_id"] == "OE2026-00003"
    rows = payload["candidates"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert all(set(r["components"]) == {"skills", "mobility", "readiness"} for r in rows)
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["explanation"] for r in rows)


@pytest.mark.parametrize(
    "argv",
    [
        ["shortlist", "--offer", "NOPE"],
        ["shortlist", "--offer", "OE2026-00003", "-k", "0"],
        ["shortlist", "--offer", "OE2026-00003", "--as-of", "demain"],
    ],
)
def test_bad_input_is_a_cli_error(argv: list[str]) -> None:
    with pytest.raises(CliError):
        _run(argv)
