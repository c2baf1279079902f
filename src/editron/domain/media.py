"""What Editron knows about one media file and one staged (local) copy of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = ["AudioStreamInfo", "MediaProbe", "SourceKind", "StagedFile"]


class SourceKind(StrEnum):
    LOCAL_FILE = "local_file"
    LOCAL_FOLDER = "local_folder"
    HTTP = "http"
    DROPBOX_FILE = "dropbox_file"
    DROPBOX_FOLDER = "dropbox_folder"


@dataclass(frozen=True, slots=True)
class AudioStreamInfo:
    codec: str
    channels: int
    sample_rate: int


@dataclass(frozen=True, slots=True)
class MediaProbe:
    """The result of probing one file. ``width``/``height`` are display size, rotation applied."""

    container: str
    duration_seconds: float
    has_video: bool
    has_audio: bool
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    fps: float | None = None
    is_vfr: bool = False
    frame_count: int | None = None
    audio: AudioStreamInfo | None = None
    creation_time: str | None = None
    timecode: str | None = None
    bit_rate: int | None = None
    # The audio stream used (``media.streams.choose_audio``): its position among the file's
    # audio streams, how many there are, and why it was chosen. ``audio`` describes it.
    audio_stream: int = 0
    audio_streams: int = 0
    audio_choice: str = ""
    # The picture's colour tags, by ffmpeg's names (``smpte2084`` and ``arib-std-b67`` are HDR).
    color_transfer: str | None = None
    color_primaries: str | None = None
    color_matrix: str | None = None

    @property
    def resolution(self) -> str | None:
        if self.width is None or self.height is None:
            return None
        return f"{self.width}x{self.height}"


@dataclass(slots=True)
class StagedFile:
    """A source file that now sits on local disk, with the checksum computed while it arrived."""

    path: Path
    relative_name: str
    size_bytes: int
    checksum_sha256: str | None
    source_url: str | None = None
    notes: list[str] = field(default_factory=list)
