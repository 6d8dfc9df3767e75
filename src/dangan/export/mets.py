"""The METS document of a handover package: volume → items → pages, with checksums.

* ``dmdSec`` per volume (卷宗信息) and per item (卷内目录 row), fields in the ``da`` namespace
  with their Chinese labels;
* ``amdSec/techMD`` per volume with the digitization properties DA/T 46 asks for (resolution,
  colour mode, compression, device, software) and per page (size, dpi, SHA-256 of the image);
* ``fileSec`` with every delivered file (MIME type, size, SHA-256), paths relative to the bag's
  ``data/`` folder;
* ``structMap`` (physical): volume div → item divs (``fptr`` to the item's files) → page divs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
DA = "urn:dangan:archive-digitization:1"
NSMAP = {"mets": METS, "xlink": XLINK, "da": DA}
MIME = {"pdf": "application/pdf", "jpg": "image/jpeg", "tiff": "image/tiff",
        "tiff_page": "image/tiff", "zip": "application/zip"}


def _m(tag: str) -> str:
    return f"{{{METS}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DA}}}{tag}"


@dataclass(frozen=True)
class MetsFile:
    path: str  # relative to data/
    kind: str
    size: int
    sha256: str


@dataclass(frozen=True)
class MetsPage:
    image_no: int
    page_label: str
    sha256: str
    width: int | None = None
    height: int | None = None
    dpi: int | None = None
    colour_mode: str | None = None
    file: MetsFile | None = None  # its own file in the jpg form


@dataclass
class MetsItem:
    seq: int
    fields: Mapping[str, tuple[str, Any]]  # name -> (label, value)
    files: list[MetsFile] = field(default_factory=list)
    pages: list[MetsPage] = field(default_factory=list)


@dataclass
class MetsVolume:
    archive_code: str
    record: Mapping[str, tuple[str, Any]]
    digitization: Mapping[str, tuple[str, Any]]
    items: list[MetsItem] = field(default_factory=list)


def _fields(parent: Any, tag: str, fields: Mapping[str, tuple[str, Any]]) -> None:
    holder = etree.SubElement(parent, _d(tag))
    for name, (label, value) in fields.items():
        el = etree.SubElement(holder, _d("field"), name=name, label=label)
        el.text = "" if value is None else str(value)


def _md(parent: Any, section: str, ident: str, mdtype: str, tag: str,
        fields: Mapping[str, tuple[str, Any]]) -> None:
    sec = etree.SubElement(parent, _m(section), ID=ident)
    wrap = etree.SubElement(sec, _m("mdWrap"), MDTYPE="OTHER", OTHERMDTYPE=mdtype)
    _fields(etree.SubElement(wrap, _m("xmlData")), tag, fields)


def build_mets(volumes: Sequence[MetsVolume], label: str, agent: str,
               created: datetime | None = None, creator: str = "") -> bytes:
    created = created or datetime.now(UTC)
    root = etree.Element(_m("mets"), nsmap=NSMAP, LABEL=label, TYPE="archive-handover")
    hdr = etree.SubElement(root, _m("metsHdr"), CREATEDATE=created.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # ``agent`` is the client, whose archive keeps the records: their custodian, not the
    # creator of the digital copies; ``creator`` is the digitization company (加工单位,
    # ``[project] contractor``), when the project names one
    ag = etree.SubElement(hdr, _m("agent"), ROLE="CUSTODIAN", TYPE="ORGANIZATION")
    etree.SubElement(ag, _m("name")).text = agent
    if creator.strip():
        maker = etree.SubElement(hdr, _m("agent"), ROLE="CREATOR", TYPE="ORGANIZATION")
        etree.SubElement(maker, _m("name")).text = creator.strip()
    sw = etree.SubElement(hdr, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(sw, _m("name")).text = "dangan"
    dmd_parent, amd_parent = root, None
    file_ids: dict[str, str] = {}
    files_el: list[Any] = []
    for v, vol in enumerate(volumes, 1):
        _md(dmd_parent, "dmdSec", f"dmd-v{v}", "DA/T 卷宗信息", "record", vol.record)
        for item in vol.items:
            _md(dmd_parent, "dmdSec", f"dmd-v{v}-i{item.seq}", "DA/T 卷内目录", "entry", item.fields)
    amd_parent = etree.SubElement(root, _m("amdSec"), ID="amd")
    for v, vol in enumerate(volumes, 1):
        _tech(amd_parent, f"tech-v{v}", "DA/T 46 数字化属性", "digitization", vol.digitization)
        for item in vol.items:
            for page in item.pages:
                _tech(amd_parent, f"tech-v{v}-p{page.image_no}", "DA/T 46 页面", "page", {
                    "image_no": ("图像序号", page.image_no), "page_no": ("页号", page.page_label),
                    "width": ("宽(像素)", page.width), "height": ("高(像素)", page.height),
                    "dpi": ("分辨率", page.dpi), "colour_mode": ("色彩模式", page.colour_mode),
                    "sha256": ("SHA-256", page.sha256)})
    file_sec = etree.SubElement(root, _m("fileSec"))
    grp = etree.SubElement(file_sec, _m("fileGrp"), USE="delivery")
    for vol in volumes:
        for item in vol.items:
            for f in [*item.files, *(p.file for p in item.pages if p.file)]:
                if f.path in file_ids:
                    continue
                ident = f"f{len(file_ids) + 1}"
                file_ids[f.path] = ident
                el = etree.SubElement(grp, _m("file"), ID=ident,
                                      MIMETYPE=MIME.get(f.kind, "application/octet-stream"),
                                      SIZE=str(f.size), CHECKSUM=f.sha256, CHECKSUMTYPE="SHA-256")
                loc = etree.SubElement(el, _m("FLocat"), LOCTYPE="URL")
                loc.set(f"{{{XLINK}}}href", f.path)
                files_el.append(el)
    smap = etree.SubElement(root, _m("structMap"), TYPE="physical")
    top = etree.SubElement(smap, _m("div"), TYPE="delivery", LABEL=label)
    for v, vol in enumerate(volumes, 1):
        vdiv = etree.SubElement(top, _m("div"), TYPE="volume", ORDER=str(v), LABEL=vol.archive_code,
                                DMDID=f"dmd-v{v}", ADMID=f"tech-v{v}")
        for item in vol.items:
            title = str(item.fields.get("title", ("", ""))[1])
            idiv = etree.SubElement(vdiv, _m("div"), TYPE="item", ORDER=str(item.seq),
                                    LABEL=title, DMDID=f"dmd-v{v}-i{item.seq}")
            for f in item.files:
                etree.SubElement(idiv, _m("fptr"), FILEID=file_ids[f.path])
            for k, page in enumerate(item.pages, 1):
                pdiv = etree.SubElement(idiv, _m("div"), TYPE="page", ORDER=str(k),
                                        ORDERLABEL=page.page_label, ADMID=f"tech-v{v}-p{page.image_no}")
                if page.file is not None:
                    etree.SubElement(pdiv, _m("fptr"), FILEID=file_ids[page.file.path])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _tech(parent: Any, ident: str, mdtype: str, tag: str, fields: Mapping[str, tuple[str, Any]]) -> None:
    sec = etree.SubElement(parent, _m("techMD"), ID=ident)
    wrap = etree.SubElement(sec, _m("mdWrap"), MDTYPE="OTHER", OTHERMDTYPE=mdtype)
    _fields(etree.SubElement(wrap, _m("xmlData")), tag, fields)


def mets_files(data: bytes) -> dict[str, tuple[str, int]]:
    """``href -> (sha256, size)`` of every file listed in a METS document."""
    root = etree.fromstring(data)
    out = {}
    for f in root.iter(_m("file")):
        loc = f.find(_m("FLocat"))
        if loc is not None:
            out[loc.get(f"{{{XLINK}}}href", "")] = (f.get("CHECKSUM", ""), int(f.get("SIZE", "0")))
    return out
