"""Which file names Editron treats as media or archives (one list for folders and archives)."""

from __future__ import annotations

from pathlib import PurePath

__all__ = ["ARCHIVE_SUFFIXES", "AUDIO_EXTENSIONS", "VIDEO_EXTENSIONS", "is_archive_name",
           "is_media_name"]

VIDEO_EXTENSIONS = frozenset({
    "mp4", "mov", "m4v", "mkv", "webm", "avi", "mts", "m2ts", "mxf", "mpg", "mpeg", "wmv",
    "flv", "3gp", "ts",
})
AUDIO_EXTENSIONS = frozenset({
    "wav", "mp3", "m4a", "aac", "flac", "ogg", "opus", "aif", "aiff",
})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def is_media_name(name: str) -> bool:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    return suffix in VIDEO_EXTENSIONS or suffix in AUDIO_EXTENSIONS


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)
