"""API bodies of the transparency documents."""

from __future__ import annotations

from service.kit.schemas import ReadModel
from service.transparency.documents import Section

__all__ = ["DocumentRead", "SectionRead", "sections_read"]


class SectionRead(ReadModel):
    title: str
    lines: list[str]


class DocumentRead(ReadModel):
    title: str
    sections: list[SectionRead]


def sections_read(sections: list[Section]) -> list[SectionRead]:
    return [SectionRead(title=s.title, lines=list(s.lines)) for s in sections]
