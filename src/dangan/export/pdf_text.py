"""Text into a ReportLab ``Paragraph``, as text.

A ``Paragraph`` reads its string as markup (``<b>``, ``<img src=…>``, ``<font>``, entities):
a problem note, a worker's or project's name typed by a user would be obeyed — an ``<img>``
embeds any image the server can read, an unclosed ``<b>`` makes the whole document fail, and
``A&B公司`` loses text. Every string dangan puts into a PDF paragraph goes through ``para``,
which escapes it; dangan's own templates carry no markup.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph showing ``text`` literally (``&``, ``<``, ``>`` escaped), its line breaks
    kept."""
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)
