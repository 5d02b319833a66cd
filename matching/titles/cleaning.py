"""Offer titles folded to the words that name the job (:func:`clean_title`).

Job-ad titles are messy ("MACON H/F", "Agent(e) d'entretien espaces verts (F/H)", "Chauffeur PL
SPL - CDD 6 mois - secteur Flers"). Cleaning, applied alike to offer titles, ROME labels and
labelled example titles before they are compared:

1. lower case, ligatures expanded, accents dropped;
2. H/F marks ("H/F", "(F/H)", "Agent(e)", "Chargé.e", "Educateur/trice") removed, and the
   feminine repetition of slash-separated forms ("Maçon / Maçonne") dropped;
3. places removed: a place marker and the name after it ("secteur Flers"), and known place names
   of one to six words ("Alençon", "Pays d'Auge");
4. multi-word noise ("temps partiel", "poste a pourvoir") removed, then word by word:
   abbreviations expanded ("PL" → "poids lourd"), words with digits, one-letter words and noise
   words ("CDD", "URGENT") dropped, plurals made singular and feminine job words masculine
   ("vendeuse" → "vendeur");
5. grammar words left dangling at either end dropped.

The word lists come from the package's data files (:mod:`matching.titles.lexicon`).
:func:`label_acronyms` finds the acronyms the ROME labels spell out themselves ("... (TISF)").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from matching.titles.lexicon import TitleLexicon, load_title_lexicon

__all__ = ["clean_title", "fold_label", "label_acronyms", "lower_label", "singular"]

# "H/F", "(F/H)", "H-F", "h / f / d", "F/M", "M/W/D"
_GENDER_MARK = re.compile(
    r"\(?\s*\b[hfmw]\s*[/\\|\-–.]\s*[hfmw]\b(?:\s*[/\\|\-–.]\s*[dxn]\b)?\s*\)?"
)
# "Agent(e)", "Technicien(ne)", "Coach sportif (ve)", "Administrateur(trice)"
_PAREN_SUFFIX = re.compile(
    r"\s?\((?:e|ne|le|fe|ve|se|te|re|ere|iere|euse|rice|trice|ive|esse|es|s|e\)s|x)\)"
)
# "Chargé.e", "Ingénieur-e", "expert·e·s"
_DOT_SUFFIX = re.compile(
    r"(?<=[a-z])[.·•\-](?:e|ne|le|fe|ve|se|te|ere|iere|euse|rice|trice|ive|esse)(?:[.·•]?s)?\b"
)
_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "’": "'", "ʼ": "'", "·": ".", "•": ".", "⋅": ".", "∙": "."}
)
# "Educateur/trice", "Agent/e": a feminine ending after a slash
_SLASH_SUFFIX = re.compile(
    r"(?<=[a-z])\s*/\s*(?:e|ne|le|fe|ve|se|te|ere|iere|euse|rice|trice|ice|ive|esse)\b(?!\s*/)"
)
_SLASH = re.compile(r"\s*[/\\]\s*")
_DIGIT = re.compile(r"\d")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NON_LETTER = re.compile(r"[^\w]+")
_MAX_PLACE_WORDS = 6
_MIN_GENDERED = 5
_FEMININE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("trice", "teur"),
    ("euse", "eur"),
    ("iere", "ier"),
    ("llere", "ller"),
    ("chere", "cher"),
    ("gere", "ger"),
    ("ienne", "ien"),
    ("onne", "on"),
    ("ante", "ant"),
    ("gente", "gent"),
    ("valente", "valent"),
    ("idente", "ident"),
    ("elle", "el"),
    ("effe", "ef"),
    ("ee", "e"),
    ("ive", "if"),
)


def _ascii_lower(text: str) -> str:
    """Lower case, ligatures expanded, accents dropped (like :func:`matching.text.strip_accents`,
    but through the codec machinery: several times faster on 10,000 labels)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def fold_label(text: str) -> str:
    """Lower case, ligatures expanded, accents dropped, words separated by one space ("Maçon /
    Maçonne" → "macon maconne"); nothing removed (autocomplete compares queries with it)."""
    return " ".join(_NON_WORD.sub(" ", _ascii_lower(text)).split())


def lower_label(text: str) -> str:
    """Lower case, ligatures expanded, accents kept, every run of non-word characters (other than
    letters, digits and ``_``) one space; autocomplete rewards a query typed with accents ("maç").
    """
    return _NON_LETTER.sub(" ", text.lower().translate(_LIGATURES))


def _is_form_variant(a: str, b: str) -> bool:
    """True when ``b`` is the other (masculine or feminine) form of ``a`` ("macon"/"maconne")."""
    if a == b:
        return True
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    return p >= 3 and p >= n - 3


def _merge_gender_pairs(parts: list[list[str]]) -> list[str]:
    """Join slash-separated parts, dropping the feminine repetition of the masculine words."""
    out = list(parts[0])
    for part in parts[1:]:
        best = 0
        for n in range(min(len(out), len(part)), 0, -1):
            if all(_is_form_variant(out[len(out) - n + i], part[i]) for i in range(n)):
                best = n
                break
        out.extend(part[best:])
    return out


def _singular(word: str, invariable: frozenset[str]) -> str:
    """Drop a plural ``s`` ("lourds", "verts"), keeping short words and "-us"/"-ss" endings."""
    if len(word) > 3 and word[-1] == "s" and word[-2] not in "us" and word not in invariable:
        return word[:-1]
    return word


def singular(word: str) -> str:
    """A folded word without its plural ``s`` ("verts" → "vert"; "poids", "bus" unchanged)."""
    return _singular(word, load_title_lexicon().invariable)


def _masculine(word: str, invariable: frozenset[str]) -> str:
    """Masculine form of a feminine job word ("vendeuse" → "vendeur", "infirmiere" → "infirmier").

    Applied to titles and ROME labels alike, so a rare wrong guess ("perceuse" → "perceur") only
    changes a word on both sides.
    """
    if len(word) < _MIN_GENDERED or word in invariable:
        return word
    for ending, replacement in _FEMININE_ENDINGS:
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    return word


def _normal_form(word: str, invariable: frozenset[str]) -> str:
    return _masculine(_singular(word, invariable), invariable)


def _drop_places(tokens: list[str], lexicon: TitleLexicon) -> list[str]:
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok in lexicon.place_markers and (not out or out[-1] not in {"de", "du", "d"}):
            # "secteur Flers", "région Normandie": drop the marker and the name that follows.
            j = i + 1
            while j < n and tokens[j] in lexicon.stopwords:
                j += 1
            i = j + 1
            continue
        for width in range(min(_MAX_PLACE_WORDS, n - i), 0, -1):
            if " ".join(tokens[i : i + width]) in lexicon.places:
                i += width
                break
        else:
            out.append(tok)
            i += 1
    return out


@lru_cache(maxsize=65536)
def clean_title(title: str) -> str:
    """Fold an offer title to the words that name the job.

    Lower case, no accents, no punctuation; H/F marks ("H/F", "(F/H)", "Agent(e)", "Chargé.e")
    and feminine repetitions ("Maçon / Maçonne") removed; abbreviations expanded ("PL" → "poids
    lourd", "ASH" → "agent de service hospitalier"); contract, schedule and pay noise ("CDD 6 mois",
    "35h", "temps partiel", "URGENT") and places ("Alençon", "secteur Flers", "PARIS (75)")
    removed. Returns ``""`` when nothing is left.

    Examples
    --------
    >>> clean_title("Maçon / Maçonne - CDD 6 mois - Alençon")
    'macon'
    >>> clean_title("Chauffeur PL SPL")
    'chauffeur poids lourd super poids lourd'
    """
    if not isinstance(title, str):
        return ""
    lexicon = load_title_lexicon()
    invariable = lexicon.invariable
    text = _ascii_lower(title)
    text = _GENDER_MARK.sub(" ", text)
    text = _PAREN_SUFFIX.sub("", text)
    text = _DOT_SUFFIX.sub("", text)
    text = _SLASH_SUFFIX.sub("", text)
    parts = [_NON_WORD.sub(" ", p).split() for p in _SLASH.split(text)]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    tokens = _merge_gender_pairs(parts)
    tokens = _drop_places(tokens, lexicon)
    text = " " + " ".join(tokens) + " "
    for phrase in lexicon.noise_phrases:
        text = text.replace(f" {phrase} ", " ")
    words: list[str] = []
    for tok in text.split():
        expansion = lexicon.abbreviations.get(tok)
        if expansion is not None:
            # "Agent de service hospitalier (ASH)": skip an expansion the title already spells.
            if expansion not in " ".join(words):
                words.extend(_normal_form(w, invariable) for w in expansion.split())
            continue
        if len(tok) < 2 or _DIGIT.search(tok):
            continue
        word = _normal_form(tok, invariable)
        if tok not in lexicon.noise_tokens and word not in lexicon.noise_tokens:
            words.append(word)
    while words and words[0] in lexicon.stopwords:
        words.pop(0)
    while words and words[-1] in lexicon.stopwords:
        words.pop()
    return " ".join(words)


_ACRONYM = re.compile(r"\(([A-Z]{3,6})\)|\s-\s([A-Z]{3,6})\s*$")


def label_acronyms(labels: Sequence[str], codes: Sequence[str]) -> dict[str, str]:
    """Acronyms the referential spells out itself, e.g. "Technicien / Technicienne
    d'intervention sociale et familiale (TISF)": ``{"tisf": <the cleaned label without it>}``.

    An acronym counts only when its letters are the initials of the label's other words
    (stop words aside) and every label that carries it belongs to one fiche (``codes``); its
    shortest spelling is kept. An offer titled with the acronym alone then matches like the
    full label."""
    stopwords = load_title_lexicon().stopwords
    spellings: dict[str, set[str]] = {}
    fiches: dict[str, set[str]] = {}
    for label, code in zip(labels, codes, strict=True):
        for groups in _ACRONYM.findall(label):
            acronym = (groups[0] or groups[1]).lower()
            words = [w for w in clean_title(label).split() if w != acronym]
            if "".join(w[0] for w in words if w not in stopwords) == acronym:
                spellings.setdefault(acronym, set()).add(" ".join(words))
                fiches.setdefault(acronym, set()).add(code)
    return {
        a: min(spelled, key=lambda t: (len(t), t))
        for a, spelled in spellings.items()
        if len(fiches[a]) == 1
    }
