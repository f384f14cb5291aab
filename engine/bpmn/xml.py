"""Parsing untrusted XML (uploaded BPMN/DMN) without entity expansion, DTDs or network access."""

from __future__ import annotations

import re

from lxml import etree

from ..errors import ModelIssue

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


class UnsafeXml(Exception):
    def __init__(self, issue: ModelIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


def parse_untrusted(content: bytes, filename: str, max_bytes: int) -> etree._ElementTree:
    """Parse `content` or raise `UnsafeXml` naming the file and what is wrong.

    Any DOCTYPE is refused outright: BPMN and DMN never need one, and refusing it closes entity
    expansion (billion laughs), external entities and DTD fetching in one rule.
    """
    if len(content) > max_bytes:
        raise UnsafeXml(
            ModelIssue(
                file=filename,
                message=f"file is {len(content):,} bytes; the limit is {max_bytes:,}",
                hint="split the model or raise WAMS_MAX_XML_BYTES",
            )
        )
    if _DOCTYPE.search(content) or _ENTITY.search(content):
        line = content[: (_DOCTYPE.search(content) or _ENTITY.search(content)).start()].count(b"\n") + 1  # type: ignore[union-attr]
        raise UnsafeXml(
            ModelIssue(
                file=filename,
                line=line,
                message="the file contains a DOCTYPE or ENTITY declaration, which is refused",
                hint="remove the <!DOCTYPE …> declaration; BPMN and DMN files do not need one",
            )
        )
    try:
        tree = etree.fromstring(content, parser=_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(
            ModelIssue(
                file=filename,
                line=exc.lineno,
                message=f"not well-formed XML: {exc.msg}",
                hint="save the file again from the modeler",
            )
        ) from exc
    return tree
