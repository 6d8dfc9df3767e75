"""One multi-page PDF per item, the JPEGs embedded byte for byte (img2pdf), read back by pikepdf.

No pixel is decoded or re-encoded: img2pdf copies each JPEG into a DCTDecode image stream.
The page size comes from the pixel size at the project's scan dpi (a retouched A4 page at
200 dpi gives an A4 PDF page), whatever dpi the JPEG header claims.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import img2pdf
import pikepdf

from dangan.errors import ExternalToolError, InputError


@dataclass(frozen=True)
class PdfInfo:
    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = "dangan"
    date: datetime | None = None


def item_pdf(jpegs: Sequence[bytes], dpi: int, info: PdfInfo = PdfInfo()) -> bytes:
    """A PDF with one page per JPEG, in order; raises InputError naming a bad page."""
    buf = io.BytesIO()
    write_item_pdf(buf, jpegs, dpi, info)
    return buf.getvalue()


def write_item_pdf(out: BinaryIO, jpegs: Sequence[bytes], dpi: int, info: PdfInfo = PdfInfo()) -> None:
    """Stream the PDF into ``out`` (no extra in-memory copy of a many-megabyte document)."""
    if not jpegs:
        raise InputError("package.no_pages")
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    try:
        img2pdf.convert(
            list(jpegs), layout_fun=layout, engine=img2pdf.Engine.internal,
            title=info.title or None, author=info.author or None, subject=info.subject or None,
            keywords=[info.keywords] if info.keywords else None, creator=info.creator,
            producer="dangan (img2pdf)", creationdate=info.date, moddate=info.date,
            nodate=info.date is None, outputstream=out,
        )
    except (img2pdf.ImageOpenError, img2pdf.PdfTooLargeError, ValueError) as exc:
        raise InputError("package.bad_image", detail=str(exc)) from exc


def page_count(data: bytes) -> int:
    """Pages of a PDF; ExternalToolError if pikepdf cannot open it."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except pikepdf.PdfError as exc:
        raise ExternalToolError("error.external_tool", tool="pikepdf", detail=str(exc)) from exc


def image_streams(data: bytes) -> list[bytes]:
    """The raw (still encoded) bytes of the first image of each page, in page order."""
    out: list[bytes] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            images = list(page.get_images().values()) if hasattr(page, "get_images") else list(page.images.values())
            out.append(images[0].read_raw_bytes() if images else b"")
    return out


def metadata(data: bytes) -> dict[str, str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {str(k): str(v) for k, v in pdf.docinfo.items()}
