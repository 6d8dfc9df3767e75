"""Ground truth of generated scans, written outside the volume folders.

Conventions (the retouch accuracy tests rely on them; do not change silently):

* Coordinates are continuous pixels, origin at the image's top-left corner, x right, y down;
  pixel (col i, row j) covers [i, i+1) × [j, j+1). "clean" coordinates refer to the
  undegraded upright A4 page, "scan" coordinates to the image file as written.
* ``skew_deg``: the angle the paper was turned about its centre, positive = counter-clockwise
  as viewed on screen. It is measured in the upright frame; because quarter turns commute
  with it, the paper in the file is turned by ``rotation`` + ``skew_deg`` counter-clockwise
  in total. To deskew an upright image, rotate it clockwise by ``skew_deg``
  (``cv2.getRotationMatrix2D(c, -skew_deg, 1)``, ``PIL.Image.rotate(-skew_deg)``).
* ``rotation`` (0/90/180/270): the scan shows the page turned counter-clockwise by this
  many degrees; turn the file clockwise by ``rotation`` to make it upright
  (``np.rot90(img, -rotation // 90)``, ``PIL.Image.rotate(-rotation, expand=True)``).
  180 = upside down.
* ``paper_quad``: scan coordinates of the paper's own corners in the order top-left,
  top-right, bottom-right, bottom-left of the upright page (so after a 180° turn the first
  point is near the file's bottom-right).
* ``borders``: dark bed visible between each file edge and the paper's bounding box, px, in
  the file's frame (left/top/right/bottom of the image as written). 0 = paper touches it.
* ``holes``: binding holes, centre and radius in scan and in clean coordinates.
* ``page_no`` is the file's serial (1 = 0001.jpg); ``sheet_no`` is the physical sheet's number
  (the one stamped top-right; a duplicate scan shares the original's ``sheet_no``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dangan.storage.atomic import atomic_write_text


@dataclass
class HoleTruth:
    x: float
    y: float
    r: float
    clean_x: float
    clean_y: float
    clean_r: float


@dataclass
class PageTruth:
    file: str
    page_no: int
    sheet_no: int | None
    kind: str
    dpi: int
    mode: str
    format: str
    page_size: tuple[int, int]  # clean A4 (w, h)
    scan_size: tuple[int, int]  # file (w, h)
    skew_deg: float
    rotation: int
    borders: dict[str, float]
    paper_quad: list[tuple[float, float]]
    holes: list[HoleTruth] = field(default_factory=list)
    duplicate_of: str | None = None
    blank: bool = False
    jpeg_quality: int | None = None
    noise_sigma: float = 0.0
    blur_sigma: float = 0.0
    seed: int = 0
    scan_seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["page_size"] = list(self.page_size)
        d["scan_size"] = list(self.scan_size)
        d["paper_quad"] = [list(p) for p in self.paper_quad]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageTruth:
        d = dict(d)
        d["holes"] = [HoleTruth(**h) for h in d.get("holes", [])]
        d["page_size"] = tuple(d["page_size"])
        d["scan_size"] = tuple(d["scan_size"])
        d["paper_quad"] = [tuple(p) for p in d["paper_quad"]]
        return cls(**d)


@dataclass
class VolumeTruth:
    archive_code: str
    folder: str
    title: str
    year: int
    location: str
    page_count: int  # physical sheets (what the client's register says)
    pages: list[PageTruth] = field(default_factory=list)

    @property
    def image_count(self) -> int:
        return len(self.pages)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "pages"}
        d["image_count"] = self.image_count
        d["pages"] = [p.to_dict() for p in self.pages]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VolumeTruth:
        d = {k: v for k, v in d.items() if k != "image_count"}
        d["pages"] = [PageTruth.from_dict(p) for p in d.get("pages", [])]
        return cls(**d)

    def to_json(self, path: Path) -> None:
        _write_json(path, self.to_dict())


@dataclass
class SetTruth:
    root: str
    seed: int
    volumes: list[VolumeTruth] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "seed": self.seed,
            "volumes": [v.to_dict() for v in self.volumes],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SetTruth:
        return cls(d["root"], d["seed"], [VolumeTruth.from_dict(v) for v in d["volumes"]])

    def to_json(self, path: Path) -> None:
        _write_json(path, self.to_dict())

    @classmethod
    def from_json(cls, path: Path) -> SetTruth:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1))
