"""dangan.samples — realistic synthetic scans of Chinese archive volumes, with exact truth.

Used by the demo, the intake-check tests and the retouch engine's accuracy tests and
benchmark. Ground-truth conventions are documented in ``dangan.samples.truth``.
"""

from dangan.samples.codes import folder_name, make_archive_code, make_archive_codes
from dangan.samples.degrade import unwarp
from dangan.samples.layout import KINDS, a4_pixels
from dangan.samples.page import PageSpec, RenderedPage, render_page
from dangan.samples.truth import HoleTruth, PageTruth, SetTruth, VolumeTruth
from dangan.samples.volume import VolumeSpec, generate_set, generate_volume, plan_volume
from dangan.samples.volume_list import write_volume_list

__all__ = [
    "KINDS",
    "HoleTruth",
    "PageSpec",
    "PageTruth",
    "RenderedPage",
    "SetTruth",
    "VolumeSpec",
    "VolumeTruth",
    "a4_pixels",
    "folder_name",
    "generate_set",
    "generate_volume",
    "make_archive_code",
    "make_archive_codes",
    "plan_volume",
    "render_page",
    "unwarp",
    "write_volume_list",
]
