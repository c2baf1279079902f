"""Dropbox shared links end to end against a local server standing in for the content host."""

from __future__ import annotations

import hashlib
import random
import zipfile
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from editron.config import Settings, reset_settings
from editron.domain.media import SourceKind
from editron.ingest.archive import extract
from editron.ingest.download import download_to
from editron.ingest.sources import parse_source
from tests.http_server import serve


def _folder_zip(path: Path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_folder_link_arrives_as_zip_and_is_extracted(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    keynote, crowd = random.Random(1).randbytes(300_000), random.Random(2).randbytes(120_000)
    root = tmp_path / "dropbox"
    # Dropbox answers a folder link with dl=1 by zipping the folder; the server plays that part.
    _folder_zip(root / "scl" / "fo" / "f0ld3r" / "Gala Night",
                {"cam1/keynote.mp4": keynote, "audio/crowd.wav": crowd,
                 "notes/run-sheet.pdf": b"%PDF-1.4"})
    with serve(root) as server:
        monkeypatch.setenv("EDITRON_DROPBOX_CONTENT_HOST", f"http://127.0.0.1:{server.port}")
        reset_settings()
        spec = parse_source("https://www.dropbox.com/scl/fo/f0ld3r/Gala%20Night"
                            "?rlkey=k9x&st=abc&dl=0")
        assert spec.kind is SourceKind.DROPBOX_FOLDER
        assert spec.filename == "Gala Night.zip" and spec.reference_name == "Gala Night"
        settings = Settings()
        staged = download_to(spec.location, tmp_path / "dl" / spec.filename,
                             settings=settings, checksum=True, progress=None)
        (request,) = server.requests
    assert request["path"] == "/scl/fo/f0ld3r/Gala Night"
    # rlkey and st are kept, dl=0 became dl=1.
    assert parse_qs(str(request["query"])) == {"rlkey": ["k9x"], "st": ["abc"], "dl": ["1"]}
    result = extract(staged.path, tmp_path / "out", settings=settings, checksum=True)
    by_name = {f.relative_name: f for f in result.files}
    assert set(by_name) == {"cam1/keynote.mp4", "audio/crowd.wav"}
    assert by_name["cam1/keynote.mp4"].checksum_sha256 == hashlib.sha256(keynote).hexdigest()
    assert (tmp_path / "out" / "audio" / "crowd.wav").read_bytes() == crowd
    assert result.skipped == ["notes/run-sheet.pdf"]


def test_file_link_downloads_the_file(tmp_path: Path) -> None:
    data = random.Random(3).randbytes(200_000)
    root = tmp_path / "dropbox"
    (root / "scl" / "fi" / "abc").mkdir(parents=True)
    (root / "scl" / "fi" / "abc" / "keynote.mov").write_bytes(data)
    with serve(root) as server:
        host = f"http://127.0.0.1:{server.port}"
        spec = parse_source("https://dropbox.com/scl/fi/abc/keynote.mov?rlkey=r1&dl=0",
                            dropbox_content_host=host)
        assert spec.kind is SourceKind.DROPBOX_FILE
        staged = download_to(spec.location, tmp_path / spec.filename, settings=Settings(),
                             checksum=True, progress=None)
        assert parse_qs(str(server.requests[0]["query"])) == {"rlkey": ["r1"], "dl": ["1"]}
    assert staged.checksum_sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size_bytes == len(data)
