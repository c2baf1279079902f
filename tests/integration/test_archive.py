from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from editron.config import Settings
from editron.errors import ArchiveError
from editron.ingest.archive import extract


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_media_extracted_with_hashes_and_non_media_listed(tmp_path: Path,
                                                          media_dir: Path) -> None:
    clip = (media_dir / "clip.mp4").read_bytes()
    archive = _zip(tmp_path / "day.zip", {"day1/keynote.mp4": clip, "readme.txt": b"hi",
                                          "__MACOSX/._x.mp4": b"junk", "day1/": b""})
    result = extract(archive, tmp_path / "out", settings=Settings())
    assert [f.relative_name for f in result.files] == ["day1/keynote.mp4"]
    import hashlib

    assert result.files[0].checksum_sha256 == hashlib.sha256(clip).hexdigest()
    assert (tmp_path / "out" / "day1" / "keynote.mp4").read_bytes() == clip
    assert result.skipped == ["readme.txt"]


@pytest.mark.parametrize(
    ("member", "reason"),
    [("../../escape.mp4", "climbs out"), ("/abs/evil.mp4", "absolute path"),
     ("ok/../../x.mp4", "climbs out"), ("C:/win.mp4", "absolute path")],
)
def test_zip_traversal_rejected(tmp_path: Path, member: str, reason: str) -> None:
    archive = _zip(tmp_path / "evil.zip", {"good.mp4": b"x" * 10, member: b"y"})
    with pytest.raises(ArchiveError, match=reason):
        extract(archive, tmp_path / "out", settings=Settings())
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "escape.mp4").exists()


def test_zip_symlink_rejected(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "link.zip", {"a.mp4": b"x"}, symlink="passwd.mp4")
    with pytest.raises(ArchiveError, match="symbolic link"):
        extract(archive, tmp_path / "out", settings=Settings())


def _tar(path: Path, infos: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in infos:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_tar_symlink_and_device_rejected(tmp_path: Path) -> None:
    link = tarfile.TarInfo("clip.mp4")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
    with pytest.raises(ArchiveError, match="is a link"):
        extract(_tar(tmp_path / "l.tar.gz", [(link, None)]), tmp_path / "o", settings=Settings())
    device = tarfile.TarInfo("dev.mp4")
    device.type = tarfile.CHRTYPE
    with pytest.raises(ArchiveError, match="device"):
        extract(_tar(tmp_path / "d.tgz", [(device, None)]), tmp_path / "o", settings=Settings())
    traversal = tarfile.TarInfo("../up.mp4")
    traversal.size = 1
    with pytest.raises(ArchiveError, match="climbs out"):
        extract(_tar(tmp_path / "t.tgz", [(traversal, b"x")]), tmp_path / "o",
                settings=Settings())


def test_tar_extracts_media(tmp_path: Path) -> None:
    info = tarfile.TarInfo("cam/a.wav")
    info.size = 4
    result = extract(_tar(tmp_path / "ok.tar.gz", [(info, b"RIFF")]), tmp_path / "o",
                     settings=Settings())
    assert [f.relative_name for f in result.files] == ["cam/a.wav"]


def test_zip_bomb_stops_and_leaves_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("first.mp4", b"\0" * 1024)
        with zf.open("huge.mp4", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros: a few KB compressed
                member.write(chunk)
    assert archive.stat().st_size < 200_000
    settings = Settings(max_archive_expansion_bytes=8 * 1024 * 1024, max_archive_ratio=1e9)
    with pytest.raises(ArchiveError, match="zip bomb"):
        extract(archive, tmp_path / "out", settings=settings)
    assert not (tmp_path / "out").exists()
    ratio_limited = Settings(max_archive_ratio=100.0)
    with pytest.raises(ArchiveError, match="zip bomb"):
        extract(archive, tmp_path / "out2", settings=ratio_limited)


def test_damaged_archive_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ArchiveError, match=r"bad\.zip"):
        extract(bad, tmp_path / "o", settings=Settings())


def test_tar_hardlink_and_fifo_rejected_naming_the_member(tmp_path: Path) -> None:
    hard = tarfile.TarInfo("copy.mp4")
    hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
    with pytest.raises(ArchiveError, match=r"h\.tar.*'copy\.mp4' is a link"):
        extract(_tar(tmp_path / "h.tar", [(hard, None)]), tmp_path / "o", settings=Settings())
    fifo = tarfile.TarInfo("pipe.wav")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(ArchiveError, match=r"'pipe\.wav' is a device"):
        extract(_tar(tmp_path / "f.tgz", [(fifo, None)]), tmp_path / "o", settings=Settings())
    assert not (tmp_path / "o").exists()


def test_zip_device_member_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "dev.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("tty.mp4")
        info.external_attr = (stat.S_IFCHR | 0o600) << 16
        zf.writestr(info, b"")
    with pytest.raises(ArchiveError, match=r"'tty\.mp4' is a device"):
        extract(archive, tmp_path / "o", settings=Settings())


def test_member_count_is_bounded(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"c{i}.mp4": b"x" for i in range(30)})
    with pytest.raises(ArchiveError, match="30 members is more than the limit of 20"):
        extract(archive, tmp_path / "o", settings=Settings(max_archive_members=20))
    assert len(extract(archive, tmp_path / "o", settings=Settings()).files) == 30


def test_bomb_in_a_later_member_removes_earlier_ones(tmp_path: Path) -> None:
    archive = tmp_path / "late.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/ok1.mp4", b"1" * 1000)
        zf.writestr("b/ok2.wav", b"2" * 1000)
        zf.writestr("c/boom.mp4", b"\0" * (4 * 1024 * 1024))
    out = tmp_path / "out"
    settings = Settings(max_archive_expansion_bytes=1024 * 1024, max_archive_ratio=1e9)
    with pytest.raises(ArchiveError, match=r"late\.zip: expands past 1048576 bytes"):
        extract(archive, out, settings=settings)
    assert not out.exists()
