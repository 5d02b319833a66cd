"""The progress bar of long commands: drawn on a terminal, nothing written in a pipe or a file."""

from __future__ import annotations

import io

import pytest

from service.cli._progress import Steps


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_nothing_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    steps = Steps(total=2, what="rapport fse")
    steps.done("chiffres calculés")
    steps.done("fichier écrit")
    steps.close()
    drawn = terminal.getvalue()
    assert "rapport fse" in drawn and "fichier écrit" in drawn and "0/2" in drawn
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    steps = Steps(total=2, what="rapport fse")
    steps.done("chiffres calculés")
    steps.close()
    assert pipe.getvalue() == ""
