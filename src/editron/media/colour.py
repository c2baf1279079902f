"""HDR footage made SDR: the colour facts a file declares and the ffmpeg filters that tone-map
it to BT.709 (pure).

Phones and cameras record HDR as 10-bit BT.2020 with one of two transfers: PQ (SMPTE ST 2084,
"HDR10", most cameras and Android phones) or HLG (ARIB STD-B67, iPhones and broadcast).
Every Editron delivery is SDR BT.709, so such a source is tone-mapped on its way in: read as
linear light, its highlights compressed with the Hable curve (the same curve mpv and most
players use), its gamut converted from BT.2020 to BT.709 and the BT.709 transfer applied.
Without it the picture comes out flat and grey (the HDR signal read as if it were SDR).

Which filters do it depends on the ffmpeg build (``media.ffmpeg.has_filter``):

* ``zscale`` (libzimg; in the static build imageio-ffmpeg ships, and in Debian's ffmpeg):
  ``zscale`` to linear light, ``tonemap=hable``, ``zscale`` to BT.709. Exact.
* otherwise ``colorspace``, which ships with every ffmpeg: the gamut and matrix conversion
  from BT.2020 to BT.709 with the BT.2020 transfer in place of PQ/HLG. Approximate: no tone
  curve, so bright highlights clip, but colours and contrast are close to right instead of
  washed out.
"""

from __future__ import annotations

from editron.media.ffmpeg import has_filter

__all__ = ["HDR_TRANSFERS", "TONEMAP_METHODS", "matrix_name", "primaries_name",
           "tonemap_filters", "tonemap_method", "transfer_name"]

# FFmpeg's AVColorTransferCharacteristic values and names (libavutil/pixfmt.h).
_TRANSFERS = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m",
              8: "linear", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
              16: "smpte2084", 18: "arib-std-b67"}
_PRIMARIES = {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020", 11: "smpte431",
              12: "smpte432"}
_MATRICES = {0: "gbr", 1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020nc",
             10: "bt2020c"}

HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
TONEMAP_METHODS = ("zscale", "colorspace")
# The SDR reference white the linear light is scaled to (nits): the usual choice for
# tone-mapping HDR10 and HLG to SDR.
NOMINAL_PEAK = 100


def transfer_name(value: int | None) -> str | None:
    return _TRANSFERS.get(value) if value is not None else None


def primaries_name(value: int | None) -> str | None:
    return _PRIMARIES.get(value) if value is not None else None


def matrix_name(value: int | None) -> str | None:
    return _MATRICES.get(value) if value is not None else None


def tonemap_method() -> str:
    """The exact method when this ffmpeg has zscale, else the approximate one (runs ffmpeg
    once per process to list its filters)."""
    return "zscale" if has_filter("zscale") else "colorspace"


def tonemap_filters(transfer: str, *, method: str = "zscale",
                    matrix: str | None = None, primaries: str | None = None) -> list[str]:
    """Filters that turn frames of an HDR ``transfer`` (PQ or HLG) into SDR BT.709, 10-bit
    4:2:0 (later filters convert to the profile's format); [] for an SDR transfer."""
    if transfer not in HDR_TRANSFERS:
        return []
    matrix = matrix if matrix in ("bt2020nc", "bt2020c") else "bt2020nc"
    primaries = primaries if primaries in _PRIMARIES.values() else "bt2020"
    # Every value below is one of ffmpeg's own names from the tables above: nothing to escape.
    if method == "zscale":
        return [
            f"zscale=tin={transfer}:min={matrix}:pin={primaries}:rin=tv:t=linear"
            f":npl={NOMINAL_PEAK}",
            "format=gbrpf32le",
            "zscale=p=bt709",
            "tonemap=tonemap=hable:desat=0",
            "zscale=t=bt709:m=bt709:r=tv",
            "format=yuv420p10le",
        ]
    if method == "colorspace":
        return [f"colorspace=all=bt709:iall=bt2020:itrc=bt2020-10:ispace={matrix}:fast=1"
                ":format=yuv420p10"]
    raise ValueError(f"unknown tone-mapping method {method!r}; use {TONEMAP_METHODS}")
