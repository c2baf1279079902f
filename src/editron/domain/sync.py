"""Where each file of a multi-camera batch sits on the event clock.

``analysis.sync`` produces these from the files' sound; ``story``, ``edit`` and the exporters
read them to put every angle on one clock, without importing the analysis.

The event clock of a synced group is the clock of its reference file (the longest one), shifted
so that the earliest file of the group starts at 0. A file's own clock may run a little fast or
slow against it (a camera's crystal is good to tens of parts per million: 80 ppm is 0.58 s over
two hours, many frames), so each file carries ``drift_ppm`` and the mapping::

    file seconds = (event seconds - event_offset) * (1 + drift_ppm * 1e-6)

``FileSync.to_file`` and ``FileSync.to_event`` apply it; nothing else should do the sum by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = ["SYNC_SCHEMA_VERSION", "FileSync", "SyncMethod", "SyncPair", "SyncResult",
           "UnsyncedReason", "manual_offsets", "with_manual_offsets"]

SYNC_SCHEMA_VERSION = 1


class UnsyncedReason(StrEnum):
    """Why a file was left off the event clock."""

    NO_SHARED_SOUND = "no_shared_sound"  # no other file's sound matches it well enough
    TOO_SHORT = "too_short"  # too little audio to match reliably
    SILENT = "silent"  # no audio, or nothing above the noise floor


class SyncMethod(StrEnum):
    """How a synced file's place was found."""

    SOUND = "sound"  # the sound alone
    TIMECODE = "timecode"  # SMPTE timecode gave the guess, the sound confirmed and refined it
    ONLY_FILE = "only_file"  # the batch has one file with sound: it is its own clock
    MANUAL = "manual"  # set by hand (``editron sync --offset``)


@dataclass(frozen=True, slots=True)
class FileSync:
    """One file's place on the event clock. ``event_offset`` is ``None`` when unsynced, and
    ``reason`` then says why (``detail`` in words a person can act on)."""

    file_id: str
    event_offset: float | None  # event seconds at which the file's first sample sits
    confidence: float  # 0..1; the weakest measurement on its path to the reference
    drift_ppm: float = 0.0  # how much faster this file's clock ran than the event clock
    group: int | None = None  # synced group (0, 1, ...): files of one group share a clock
    reference: str | None = None  # the file whose clock is the group's event clock
    method: SyncMethod | None = None
    reason: UnsyncedReason | None = None
    detail: str = ""

    @property
    def synced(self) -> bool:
        return self.event_offset is not None

    def to_file(self, event_t: float) -> float:
        """File seconds at event time ``event_t`` (drift applied)."""
        if self.event_offset is None:
            raise ValueError(f"{self.file_id} is not on the event clock ({self.reason})")
        return (event_t - self.event_offset) * (1.0 + self.drift_ppm * 1e-6)

    def to_event(self, file_t: float) -> float:
        """Event seconds of file time ``file_t`` (drift applied)."""
        if self.event_offset is None:
            raise ValueError(f"{self.file_id} is not on the event clock ({self.reason})")
        return self.event_offset + file_t / (1.0 + self.drift_ppm * 1e-6)


@dataclass(frozen=True, slots=True)
class SyncPair:
    """One measurement between two files: ``b``'s first sample sits at ``offset`` seconds of
    ``a``'s clock, and ``b``'s clock runs ``drift_ppm`` faster than ``a``'s. Kept for the
    report and for checking a group's consistency."""

    a: str
    b: str
    offset: float
    drift_ppm: float
    confidence: float  # 0..1
    peak_score: float  # the coarse peak in robust standard deviations of the other lags
    windows: int  # refinement windows measured
    agreeing: int  # of those, the ones within tolerance of the fitted line
    residual_ms: float  # RMS of the agreeing windows around the fitted line
    accepted: bool
    used: bool = False  # accepted and consistent with the group's placement
    via_timecode: bool = False
    drift_measured: bool = False  # the overlap was long enough to measure the drift
    anchor: float = 0.0  # a's time at the middle of the overlap, where the offset is surest
    note: str = ""


@dataclass(slots=True)
class SyncResult:
    """Every file of the batch, synced or not, and the pair measurements behind them."""

    files: list[FileSync] = field(default_factory=list)
    pairs: list[SyncPair] = field(default_factory=list)
    schema_version: int = SYNC_SCHEMA_VERSION

    def for_file(self, file_id: str) -> FileSync | None:
        return next((f for f in self.files if f.file_id == file_id), None)

    def groups(self) -> dict[int, list[FileSync]]:
        """Synced files by group, each group in event-clock order."""
        out: dict[int, list[FileSync]] = {}
        for f in self.files:
            if f.group is not None and f.event_offset is not None:
                out.setdefault(f.group, []).append(f)
        for members in out.values():
            members.sort(key=lambda f: (f.event_offset or 0.0, f.file_id))
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncResult:
        version = int(data.get("schema_version", 1))
        if version > SYNC_SCHEMA_VERSION:
            raise ValueError(f"sync schema {version} is newer than this Editron understands")
        files = []
        for f in data.get("files", []):
            method = SyncMethod(f["method"]) if f.get("method") else None
            reason = UnsyncedReason(f["reason"]) if f.get("reason") else None
            files.append(FileSync(**{**f, "method": method, "reason": reason}))
        pairs = [SyncPair(**p) for p in data.get("pairs", [])]
        return cls(files=files, pairs=pairs)


def manual_offsets(result: SyncResult | None) -> dict[str, float]:
    """The placements made by hand in ``result`` (file id to event offset), to carry over."""
    if result is None:
        return {}
    return {f.file_id: f.event_offset for f in result.files
            if f.method is SyncMethod.MANUAL and f.event_offset is not None}


def with_manual_offsets(result: SyncResult, offsets: Mapping[str, float]) -> SyncResult:
    """``result`` with each file of ``offsets`` placed by hand at that event offset (pure).

    A file already in a group keeps its group, reference and drift; an unsynced one joins the
    largest group (group 0), or starts one of its own when nothing is synced. ValueError for a
    file id the result does not have, or an offset that is not a finite number."""
    known = {f.file_id for f in result.files}
    unknown = sorted(set(offsets) - known)
    if unknown:
        raise ValueError(f"no file {', '.join(unknown)} in this batch's sync; files: "
                         f"{', '.join(sorted(known)) or 'none'}")
    groups = result.groups()
    files = []
    for f in result.files:
        if f.file_id not in offsets:
            files.append(f)
            continue
        value = float(offsets[f.file_id])
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"the offset of {f.file_id} must be a number of seconds")
        if f.group is not None:
            group, reference = f.group, f.reference
        elif groups:
            group, reference = 0, groups[0][0].reference
        else:
            group, reference = 0, f.file_id
        files.append(replace(f, event_offset=round(value, 7), confidence=1.0, group=group,
                             reference=reference, method=SyncMethod.MANUAL, reason=None,
                             detail="placed by hand (editron sync --offset)"))
    return SyncResult(files=files, pairs=list(result.pairs))
