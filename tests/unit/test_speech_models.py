"""Which Whisper model hears a file: the bundled base joined from its two packages once
(atomically, checked by size), English-only told by the vocabulary and not the folder name,
clear refusals, and the language request on every front end's model and on the queue."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from editron.analysis import speech_models
from editron.analysis.speech import file_language, transcriber_for
from editron.analysis.speech_models import (
    ENGLISH_ONLY_VOCABULARY,
    bundled_english_model,
    bundled_multilingual_model,
    choose_model,
    join_parts,
    model_at,
    vocabulary_size,
)
from editron.config import Settings
from editron.domain.analysis import AnalysisResult, FileReport
from editron.domain.languages import WHISPER_LANGUAGES, SpokenLanguage, language_wish
from editron.errors import ConfigError, InputError, MediaError
from editron.services.analyze import AnalyzeJob
from editron.services.requests import AnalysisRequest


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache for the module: the base is joined (150 MB written) once."""
    return tmp_path_factory.mktemp("models")


def _fake_model(folder: Path, tokens: int) -> Path:
    """A model folder whose vocabulary has ``tokens`` entries (model.bin is never loaded)."""
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0" * 16)
    (folder / "vocabulary.txt").write_text("".join(f"t{n}\n" for n in range(tokens)))
    return folder


def test_parts_are_joined_in_order_checked_and_reused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"first-half|")
    b.write_bytes(b"second-half")
    target = tmp_path / "out" / "model.bin"
    target.parent.mkdir()
    join_parts([a, b], target)
    assert target.read_bytes() == b"first-half|second-half"
    assert os.listdir(target.parent) == ["model.bin"]  # no temporary left behind
    os.utime(target, (1, 1))
    join_parts([a, b], target)  # already whole: not written again
    assert target.stat().st_mtime == 1
    target.write_bytes(b"truncated")  # a wrong size is joined again
    join_parts([a, b], target)
    assert target.read_bytes() == b"first-half|second-half"


def test_a_short_join_never_reaches_the_target(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x" * 1000)
    b.write_bytes(b"y" * 1000)
    out = tmp_path / "out"
    out.mkdir()

    def short_copy(src: object, dst: object, length: int = 0) -> None:
        dst.write(src.read()[:10])  # type: ignore[attr-defined]  # a disk that filled up

    monkeypatch.setattr(speech_models.shutil, "copyfileobj", short_copy)
    with pytest.raises(MediaError, match=r"wrote 20 bytes, not the 2000"):
        join_parts([a, b], out / "model.bin")
    assert os.listdir(out) == []  # neither the model nor its temporary


def test_the_bundled_base_is_joined_once_into_the_cache(cache: Path) -> None:
    settings = Settings(model_cache_path=cache)
    model = bundled_multilingual_model(settings)
    assert model.multilingual and model.path == cache / speech_models.BASE_FOLDER
    first, second = speech_models._part_folders()
    parts = (first / "model.bin.part1").stat().st_size + (second / "model.bin.part2").stat().st_size
    assert (model.path / "model.bin").stat().st_size == parts
    assert {p.name for p in model.path.iterdir()} == {"config.json", "tokenizer.json",
                                                      "vocabulary.txt", "model.bin"}
    stamp = (model.path / "model.bin").stat().st_mtime_ns
    assert bundled_multilingual_model(settings).path == model.path
    assert (model.path / "model.bin").stat().st_mtime_ns == stamp  # joined once


def test_an_unwritable_cache_says_which_setting_to_change(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="EDITRON_MODEL_CACHE_PATH"):
        bundled_multilingual_model(Settings(model_cache_path=blocker / "models"))


def test_the_default_cache_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings().model_cache_dir == tmp_path / "editron" / "models"
    monkeypatch.setenv("EDITRON_MODEL_CACHE_PATH", str(tmp_path / "elsewhere"))
    assert Settings().model_cache_dir == tmp_path / "elsewhere"


def test_english_only_is_read_from_the_vocabulary_not_the_folder_name(tmp_path: Path) -> None:
    assert vocabulary_size(bundled_english_model().path) == ENGLISH_ONLY_VOCABULARY
    assert not bundled_english_model().multilingual
    named_en = _fake_model(tmp_path / "model-en-custom", ENGLISH_ONLY_VOCABULARY + 1)
    assert model_at(named_en).multilingual
    plain = _fake_model(tmp_path / "whisper-small", ENGLISH_ONLY_VOCABULARY)
    assert not model_at(plain).multilingual
    # a folder with only a tokenizer.json: its vocabulary plus the added tokens not in it
    tok = tmp_path / "tok"
    tok.mkdir()
    (tok / "model.bin").write_bytes(b"\0")
    vocab = {f"t{n}": n for n in range(ENGLISH_ONLY_VOCABULARY)}
    added = [{"content": "t0"}, {"content": "<|yue|>"}]
    (tok / "tokenizer.json").write_text(json.dumps({"model": {"vocab": vocab},
                                                    "added_tokens": added}))
    assert vocabulary_size(tok) == ENGLISH_ONLY_VOCABULARY + 1


def test_the_model_follows_the_language(tmp_path: Path, cache: Path) -> None:
    settings = Settings(model_cache_path=cache)
    assert choose_model("en", None, settings).origin == "bundled tiny.en"
    for language in (None, "es", "ja"):
        chosen = choose_model(language, None, settings)
        assert chosen.origin == "bundled base" and chosen.multilingual
    custom = _fake_model(tmp_path / "model-en-custom", 51_866)
    assert choose_model("he", custom, settings).path == custom
    assert choose_model("en", custom, settings).path == custom  # a path wins for English too
    configured = Settings(model_cache_path=cache, whisper_model_path=custom)
    assert choose_model(None, None, configured).path == custom


def test_only_detection_with_the_bundled_models_hands_english_to_tiny_en(
        tmp_path: Path, cache: Path) -> None:
    settings = Settings(model_cache_path=cache)
    tiny = choose_model("en", None, settings).path
    assert transcriber_for(None, None, settings).english_model == tiny
    assert transcriber_for("es", None, settings).english_model is None  # asked: no detecting
    custom = _fake_model(tmp_path / "model", 51_866)
    assert transcriber_for(None, custom, settings).english_model is None  # the user's model
    configured = Settings(model_cache_path=cache, whisper_model_path=custom)
    assert transcriber_for(None, None, configured).english_model is None


def test_an_english_only_model_asked_for_another_language_says_what_to_do(tmp_path: Path
                                                                         ) -> None:
    english = _fake_model(tmp_path / "tiny", ENGLISH_ONLY_VOCABULARY)
    settings = Settings(model_cache_path=tmp_path / "cache")
    with pytest.raises(InputError, match=r"English-only.*'de'.*--speech-model") as caught:
        choose_model("de", english, settings)
    assert str(english) in caught.value.message
    assert not choose_model(None, english, settings).multilingual  # detect: it hears English
    with pytest.raises(MediaError, match=r"model\.bin missing"):
        choose_model("es", tmp_path, settings)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "model.bin").write_bytes(b"\0")
    with pytest.raises(MediaError, match="no vocabulary"):
        model_at(empty)


def test_languages_are_whisper_s_own_codes() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert tuple(_LANGUAGE_CODES) == WHISPER_LANGUAGES
    assert language_wish("detect") is None and language_wish(None) is None
    assert language_wish(" ES ") == "es"
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        language_wish("klingon")


def test_every_front_end_request_carries_the_language() -> None:
    assert AnalysisRequest().language == "detect"
    assert AnalysisRequest(language="AR").language == "ar"
    with pytest.raises(ValidationError, match="unknown language"):
        AnalysisRequest(language="xx")
    schema = AnalysisRequest.model_json_schema()["properties"]["language"]
    assert "detect" in schema["enum"] and "he" in schema["enum"]
    assert "speech_model" not in AnalysisRequest.model_fields  # no server paths over HTTP


def test_a_job_queued_before_languages_keeps_english() -> None:
    old = AnalyzeJob.load({"batch_id": "b1", "schema_version": 1, "max_iterations": 2})
    assert old.language == "en" and old.schema_version == 2
    new = AnalyzeJob.load(AnalyzeJob(batch_id="b1", language="ja",
                                     speech_model="/models/x").dump())
    assert new.language == "ja" and new.speech_model == "/models/x"
    assert AnalyzeJob(batch_id="b1").language == "detect"


def test_a_file_s_language_is_the_one_most_speech_was_heard_in() -> None:
    es = SpokenLanguage("es", 0.9, "detected")
    assert file_language([(es, 8.0), (SpokenLanguage("pt", 0.6, "detected"), 1.0),
                          (SpokenLanguage("es", 0.6, "detected"), 2.0)]) == \
        SpokenLanguage("es", 0.84, "detected")
    assert file_language([]) is None
    assert file_language([(SpokenLanguage("de", None, "asked"), 3.0)]) == \
        SpokenLanguage("de", None, "asked")


def test_the_language_is_stored_with_the_file_and_old_documents_still_read() -> None:
    heard = FileReport("f1", "a.mp4", "analyzed", (), SpokenLanguage("ja", 0.97, "detected"))
    doc = AnalysisResult(passes_completed=2, file_reports=[heard]).to_dict()
    assert doc["file_reports"][0]["language"] == {"code": "ja", "probability": 0.97,
                                                  "source": "detected"}
    assert AnalysisResult.from_dict(doc).file_reports[0] == heard
    old = {"passes_completed": 2, "schema_version": 2,
           "file_reports": [{"file_id": "f1", "filename": "a.mp4", "status": "analyzed",
                             "messages": []}]}
    assert AnalysisResult.from_dict(old).file_reports[0].language is None
