"""``clausematch titles``: messy CSV files in, ROME columns out."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from service.cli import main

ROWS = [
    ("1", "MAÇON H/F", "Alençon"),
    ("2", "Agent(e) d'entretien espaces verts (F/H)", "Flers"),
    ("3", "", "Sées"),
    ("4", "Cariste CACES R489 cat 3 URGENT", "Argentan"),
    ("5", "Chef d'équipe (H/F)", "Alençon"),
]


def _write(path: Path, sep: str, encoding: str, header: str = "intitule") -> Path:
    lines = [sep.join(["id", header, "ville"])] + [sep.join(r) for r in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


ADDED = ("code_rome", "code_ogr", "appellation", "score", "alternatives", "a_preciser")


def _check(out: pd.DataFrame) -> None:
    assert list(out.columns) == ["id", "intitule", "ville", *ADDED]
    assert out["intitule"].iloc[0] == "MAÇON H/F"  # rows written back as read
    assert out["ville"].iloc[2] == "Sées"
    assert out["code_rome"].iloc[0] == "F1703"
    assert str(out["code_ogr"].iloc[0]) == "16250"
    assert out["appellation"].iloc[0] == "Maçon / Maçonne"
    assert out["code_rome"].iloc[3] == "N1101"
    assert out["code_rome"].iloc[1] == "A1203"
    scores = out["score"].astype(float)
    assert scores.between(0, 1).all()
    assert scores.iloc[2] == 0.0
    alternatives = out["alternatives"].iloc[0].split("|")
    assert len(alternatives) == 2
    code, score = alternatives[0].split(":")
    assert len(code) == 5 and code != "F1703"
    assert 0.0 <= float(score) <= 1.0
    # "Chef d'équipe" names no trade; an empty title neither; the others do.
    assert out["a_preciser"].tolist() == ["non", "non", "oui", "non", "oui"]
    assert out["code_rome"].iloc[4] != "" and out["alternatives"].iloc[4] != ""


def test_semicolon_cp1252_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "offres.csv", ";", "cp1252")
    assert main(["titles", str(src)]) == 0
    text = capsys.readouterr().out
    out = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    _check(out)


def test_comma_utf8_bom_to_csv_file(tmp_path: Path) -> None:
    src = _write(tmp_path / "offres.csv", ",", "utf-8-sig")
    dest = tmp_path / "out.csv"
    assert main(["titles", str(src), "-o", str(dest)]) == 0
    raw = dest.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    out = pd.read_csv(dest, sep=",", dtype=str, keep_default_na=False, encoding="utf-8")
    _check(out)


def test_xlsx_output(tmp_path: Path) -> None:
    src = _write(tmp_path / "offres.csv", ";", "utf-8")
    dest = tmp_path / "out.xlsx"
    assert main(["titles", str(src), "-o", str(dest)]) == 0
    book = load_workbook(dest, read_only=True)
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    book.close()  # a read-only workbook keeps its file open until closed
    assert rows[0][3:] == ADDED
    assert rows[1][3] == "F1703"
    out = pd.read_excel(dest, dtype=str, keep_default_na=False)
    _check(out)


def test_other_column_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "offres.csv", ";", "utf-8", header="Titre du poste")
    assert main(["titles", str(src), "--column", "titre du poste"]) == 0
    assert "F1703" in capsys.readouterr().out


def test_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "offres.csv", ";", "cp1252", header="poste")
    assert main(["titles", str(src)]) == 1
    err = capsys.readouterr().err
    assert "colonne « intitule » absente" in err
    assert "« id », « poste », « ville »" in err


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n  \n"])
def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    src = tmp_path / "vide.csv"
    src.write_bytes(content)
    assert main(["titles", str(src)]) == 1
    assert "fichier vide" in capsys.readouterr().err


def test_header_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "entete.csv"
    src.write_text("id;intitule\n", encoding="utf-8")
    assert main(["titles", str(src)]) == 1
    assert "aucune ligne" in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["titles", str(tmp_path / "absent.csv")]) == 1
    assert "fichier introuvable" in capsys.readouterr().err


def test_undecodable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "binaire.csv"
    src.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4)
    assert main(["titles", str(src)]) == 1
    err = capsys.readouterr().err
    assert "illisible" in err and "n'est pas un fichier texte" in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_files_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    src = _write(tmp_path / "offres.csv", ";", encoding)
    assert main(["titles", str(src)]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), sep=";", dtype=str)
    assert out["code_rome"].iloc[0] == "F1703"


def test_output_folder_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path / "offres.csv", ";", "utf-8")
    assert main(["titles", str(src), "-o", str(tmp_path / "absent" / "out.xlsx")]) == 1
    assert "dossier de sortie introuvable" in capsys.readouterr().err


def test_titles_that_look_like_formulas_come_out_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "offres.csv"
    src.write_text("id;intitule\n1;=1+2\n2;@SUM(1+1)\n3;Maçon\n")
    dest = tmp_path / "out.xlsx"
    assert main(["titles", str(src), "-o", str(dest)]) == 0
    book = load_workbook(dest)
    cells = [c for row in book.worksheets[0].iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert "=1+2" in [c.value for c in cells]
    assert main(["titles", str(src)]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), sep=";", dtype=str)
    assert out["intitule"].tolist() == ["'=1+2", "'@SUM(1+1)", "Maçon"]
