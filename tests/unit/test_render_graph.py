"""The render graph builder and profiles, without running ffmpeg: argument lists, filter
expressions evaluated in Python, and filtergraph escaping undone the way ffmpeg parses it."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from editron.domain.timeline import (
    BrandPod,
    Clip,
    CropKeyframe,
    DuckKeyframe,
    FrameRate,
    MediaInfo,
    MusicBed,
    Timeline,
    Transition,
)
from editron.errors import InputError
from editron.media.ffmpeg import ffmpeg_command
from editron.render.filters import escape_value, piecewise_linear, simplify
from editron.render.graph import build_render_args
from editron.render.graph_audio import build_loudness_probe_args
from editron.render.profiles import MASTER_LUFS, SOCIAL_LUFS, codec_names, profile_for
from editron.render.segments import RenderSource

RATE = FrameRate(25)
MEDIA = {
    "a": MediaInfo("a", "/m/a.mp4", 10.0, 25.0, 1920, 1080),
    "b": MediaInfo("b", "/m/b.mp4", 4.0, 29.97, 1920, 1080),
    "s": MediaInfo("s", "/m/silent.mp4", 10.0, 25.0, 1920, 1080, has_audio=False),
}
SOURCES = {k: RenderSource(Path(m.path), m.width, m.height, m.has_audio)
           for k, m in MEDIA.items()}
PROFILE = profile_for("16:9", "mp4")
OUT = Path("/out/final.mp4")
FONT = "/fonts/Brand Sans.ttf"


def make_timeline(kind: str = "cut", frames: int = 10, *, b_end: int = 60,
                  **extra: object) -> Timeline:
    clips = (Clip("a", 50, 100, 0),
             Clip("b", 20, b_end, 50, transition_in=Transition(kind, frames)),
             Clip("s", 0, 25, 50 + b_end - 20, transition_in=Transition("cut"), audio=False))
    return Timeline("t", "recap", 1, "16:9", 1920, 1080, RATE, clips, MEDIA,
                    **extra)  # type: ignore[arg-type]


def build(tl: Timeline, **kw: object) -> list[str]:
    sources = kw.pop("sources", SOURCES)
    profile = kw.pop("profile", PROFILE)
    return build_render_args(tl, profile, sources=sources, output=OUT,  # type: ignore[arg-type]
                             **kw)  # type: ignore[arg-type]


def graph_of(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


def opt(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == name]


def program_frames(args: list[str]) -> int:
    """The frame count the program chain is padded and trimmed to."""
    found = re.search(r"tpad=stop_mode=clone:stop=-1,trim=end_frame=(\d+),setpts=PTS-STARTPTS"
                      r"\[prog\]", graph_of(args))
    assert found, "the program is not pinned to a frame count"
    return int(found.group(1))


def unescape_token(text: str, stops: str) -> list[str]:
    """ffmpeg's av_get_token, applied repeatedly: split at unquoted, unescaped ``stops``."""
    tokens, cur, i, quoted = [], "", 0, False
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "'":
                quoted = False
            else:
                cur += ch
        elif ch == "\\" and i + 1 < len(text):
            cur += text[i + 1]
            i += 1
        elif ch == "'":
            quoted = True
        elif ch in stops:
            tokens.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return [*tokens, cur]


def parse_filter_options(filter_text: str) -> dict[str, str]:
    """Undo both escaping levels of one ``name=k=v:k=v`` filter the way ffmpeg does."""
    graph_level = unescape_token(filter_text, "")[0]
    _, _, args = graph_level.partition("=")
    out: dict[str, str] = {}
    for pair in _split_unescaped(args, ":"):
        key, _, value = pair.partition("=")
        out[key] = unescape_token(value, "")[0]
    return out


def _split_unescaped(text: str, sep: str) -> list[str]:
    """Split at any character of ``sep`` not escaped by a backslash."""
    parts, cur, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            cur += text[i: i + 2]
            i += 2
            continue
        if text[i] in sep:
            parts.append(cur)
            cur = ""
        else:
            cur += text[i]
        i += 1
    return [*parts, cur]


def find_filter(graph: str, name: str) -> list[str]:
    """Filters called ``name`` in the graph, split at unescaped ``,;`` and labels."""
    out = []
    for chunk in _split_unescaped(graph, ",;"):
        body = re.sub(r"^(\[[^\]]*\])+", "", chunk)
        body = re.sub(r"(\[[^\]\\]*\])+$", "", body)
        if body.split("=", 1)[0] == name:
            out.append(body)
    return out


def evaluate(expr: str, **names: float) -> float:
    """An ffmpeg expression of ``clip``, ``pow`` and arithmetic, evaluated in Python."""
    env = {"clip": lambda v, lo, hi: min(max(v, lo), hi), "pow": math.pow, **names}
    return float(eval(expr, {"__builtins__": {}}, env))  # only expressions this module built


# -- frames, inputs and cuts ------------------------------------------------------------------


def test_cut_timeline_concats_and_caps_the_frame_count() -> None:
    tl = make_timeline()
    args = build(tl)
    graph = graph_of(args)
    assert program_frames(args) == tl.duration_frames == 115
    assert "-frames:v" not in args  # it would cut the audio short; the graph pins the count
    assert "concat=n=3:v=1:a=0" in graph and "xfade" not in graph
    assert "concat=n=3:v=0:a=1" in graph
    assert f"trim=end_frame={tl.duration_frames}" in graph
    # fast input seeking per clip, from the clip's timeline-rate frames (+2 frames slack);
    # picture and sound through separate inputs, so audio running ahead never makes ffmpeg
    # decode (and hold in memory) the pictures of later clips
    assert opt(args, "-ss") == ["2", "0.8", "0", "2", "0.8"]
    assert opt(args, "-t") == ["2.08", "1.68", "1.08", "2.08", "1.68"]
    assert opt(args, "-i") == ["/m/a.mp4", "/m/b.mp4", "/m/silent.mp4", "/m/a.mp4", "/m/b.mp4"]
    starts = [k for k, a in enumerate(args) if a == "-ss"]
    assert [args[k - 1] for k in starts] == ["-an", "-an", "-an", "-vn", "-vn"]
    assert not re.search(r"\[[012]:a\]", graph) and not re.search(r"\[[34]:v\]", graph)
    assert graph.count("fps=fps=25/1") == 3
    full = ffmpeg_command(args)  # what run_ffmpeg executes: progress on stdout, overwrite
    assert full.count("-progress") == 1 and full[full.index("-progress") + 1] == "pipe:1"
    assert "-y" in full and "-nostats" in full
    assert args[-3:] == ["-f", "mp4", str(OUT)]
    assert opt(args, "-movflags") == ["+faststart"]


def test_sources_with_a_declared_start_skip_the_stream_probe_and_seek_past_it() -> None:
    """MP4/MOV sources (``start_seconds`` known) open without ffmpeg's stream probe, which
    would be the one place ffmpeg learns the start time, so the seek adds it."""
    sources = {**SOURCES, "a": replace(SOURCES["a"], start_seconds=1.5)}
    tl = make_timeline()
    args = build(tl, sources=sources)
    assert opt(args, "-ss") == ["3.5", "0.8", "0", "3.5", "0.8"]
    assert opt(args, "-t") == ["2.08", "1.68", "1.08", "2.08", "1.68"]
    flagged = [args[k + 1: k + 3] for k, a in enumerate(args) if a == "-nofind_stream_info"]
    assert flagged == [["-ss", "3.5"], ["-ss", "3.5"]]  # a's picture and sound, nothing else
    probe = build_loudness_probe_args(tl, PROFILE, sources=sources)
    assert opt(probe, "-ss") == ["3.5", "0.8", "0"]
    assert probe.count("-nofind_stream_info") == 1


def test_each_clip_is_padded_and_trimmed_to_its_exact_length() -> None:
    graph = graph_of(build(make_timeline()))
    for i, n in enumerate((50, 40, 25)):
        assert f"[f{i}]tpad=stop_mode=clone:stop=-1,trim=end_frame={n}," in graph


def test_audio_is_cut_to_exact_samples_and_silent_clips_use_anullsrc() -> None:
    graph = graph_of(build(make_timeline()))
    assert "[3:a:0]asetpts=PTS-STARTPTS,aresample=48000" in graph  # clip a's sound input
    assert "[4:a:0]asetpts=PTS-STARTPTS,aresample=48000" in graph  # clip b's
    assert "atrim=end_sample=96000" in graph and "atrim=end_sample=76800" in graph
    assert "anullsrc=r=48000:cl=stereo" in graph and "[5:a" not in graph
    loud = find_filter(graph, "loudnorm")
    assert loud == [f"loudnorm=I={SOCIAL_LUFS:g}:TP=-1:LRA=11"]
    assert "atrim=end_sample=220800" in graph  # 115 frames at 25 fps


def test_ntsc_rates_keep_exact_frame_and_sample_counts() -> None:
    rate = FrameRate(30000, 1001)
    tl = replace(make_timeline(), rate=rate)
    args = build(tl)
    assert "fps=fps=30000/1001" in graph_of(args)
    assert f"atrim=end_sample={round(rate.exact(115) * 48000)}" in graph_of(args)


def test_gaps_overlaps_missing_sources_and_unknown_transitions_are_refused() -> None:
    tl = make_timeline()
    gap = replace(tl, clips=(tl.clips[0], replace(tl.clips[1], record_start=55)))
    with pytest.raises(InputError, match="not contiguous"):
        build(gap)
    with pytest.raises(InputError, match="no clips"):
        build(replace(tl, clips=()))
    with pytest.raises(InputError, match="no source file for 'b'"):
        build(tl, sources={"a": SOURCES["a"], "s": SOURCES["s"]})
    odd = replace(tl, clips=(tl.clips[0], replace(tl.clips[1], transition_in=Transition("wipe",
                                                                                         5))))
    with pytest.raises(InputError, match="unknown transition 'wipe'"):
        build(odd)


# -- transitions ------------------------------------------------------------------------------


def test_crossfade_extends_the_outgoing_clip_from_its_handles() -> None:
    tl = make_timeline("crossfade", 10)
    args = build(tl)
    graph = graph_of(args)
    xfade = find_filter(graph, "xfade")
    assert xfade == ["xfade=transition=fade:duration=0.4:offset=2"]
    assert "[f0]tpad=stop_mode=clone:stop=-1,trim=end_frame=60," in graph
    assert opt(args, "-t")[0] == "2.48"  # 50 + 10 handle frames + 2 slack, read from a
    assert program_frames(args) == 115
    assert "concat=n=2:v=1:a=0" in graph  # b and s stay cut together after the xfade


def test_crossfade_without_handles_holds_the_last_frame() -> None:
    media = {**MEDIA, "a": replace(MEDIA["a"], duration=4.0)}  # a ends exactly at frame 100
    tl = replace(make_timeline("crossfade", 10), media=media)
    args = build(tl)
    assert opt(args, "-t")[0] == "2.08"  # nothing past the clip to read
    assert "[f0]tpad=stop_mode=clone:stop=-1,trim=end_frame=60," in graph_of(args)


def test_dip_to_black_fades_around_the_cut_without_changing_length() -> None:
    args = build(make_timeline("dip_to_black", 10))
    graph = graph_of(args)
    assert "xfade" not in graph and "concat=n=3:v=1:a=0" in graph
    # out: 5 frames ending black on the last frame of a; in: 5 frames from black
    assert find_filter(graph, "fade") == ["fade=t=out:start_frame=45:nb_frames=4",
                                          "fade=t=in:start_frame=0:nb_frames=5"]
    assert find_filter(graph, "afade") == [
        "afade=t=out:start_sample=86400:nb_samples=9600",
        "afade=t=in:start_sample=0:nb_samples=9600"]
    assert program_frames(args) == 115


# -- picture ----------------------------------------------------------------------------------


def test_static_crop_is_scaled_to_the_proxy() -> None:
    tl = make_timeline()
    crop = (CropKeyframe(0, 600.0, 0.0, 607.5, 1080.0),)
    tl = replace(tl, clips=(replace(tl.clips[0], crop=crop), *tl.clips[1:]))
    proxy = {**SOURCES, "a": RenderSource(Path("/p/a.mp4"), 640, 360)}
    (spec,) = [f for f in find_filter(graph_of(build(tl, sources=proxy)), "crop")
               if "exact" in f]
    o = parse_filter_options(spec)
    assert (o["w"], o["h"]) == ("202", "360")
    assert evaluate(o["x"], n=0) == pytest.approx((600 + 607.5 / 2) / 3 - 101)
    assert evaluate(o["y"], n=0) == 0


def test_keyframed_crop_moves_linearly_in_frames() -> None:
    tl = make_timeline()
    keys = (CropKeyframe(0, 0.0, 0.0, 608.0, 1080.0), CropKeyframe(20, 400.0, 0.0, 608.0, 1080.0),
            CropKeyframe(30, 400.0, 0.0, 608.0, 1080.0), CropKeyframe(49, 100.0, 0.0, 608.0,
                                                                      1080.0))
    tl = replace(tl, clips=(replace(tl.clips[0], crop=keys), *tl.clips[1:]))
    (spec,) = [f for f in find_filter(graph_of(build(tl)), "crop") if "exact" in f]
    o = parse_filter_options(spec)
    assert o["w"] == "608"
    for n, x in ((0, 0.0), (10, 200.0), (20, 400.0), (25, 400.0), (49, 100.0), (80, 100.0)):
        assert evaluate(o["x"], n=n) == pytest.approx(x, abs=0.01)


def test_whole_frame_crop_adds_no_crop_and_pad_blur_layers_a_blurred_fill() -> None:
    tl = make_timeline()
    full = (CropKeyframe(0, 0.0, 0.0, 1920.0, 1080.0),)
    tl = replace(tl, clips=(replace(tl.clips[0], crop=full, pad_blur=True), *tl.clips[1:]))
    graph = graph_of(build(tl, profile=profile_for("9:16", "mp4")))
    assert not [f for f in find_filter(graph, "crop") if "exact" in f]
    assert "[c0]split=2[f0_bg][f0_fg]" in graph
    # the blurred background is filled at a quarter size, never scaled up past the output first
    assert ("[f0_bg]scale=w=270:h=480:force_original_aspect_ratio=increase,crop=w=270:h=480,"
            "gblur=sigma=6,scale=w=1080:h=1920[f0_bgb]") in graph
    assert ("[f0_fg]scale=w=1080:h=1920:force_original_aspect_ratio=decrease:"
            "force_divisible_by=2[f0_fgs]") in graph
    assert "[f0_bgb][f0_fgs]overlay=x=(W-w)/2:y=(H-h)/2,setsar=1[f0]" in graph
    assert "[c1]scale=w=1080:h=1920:force_original_aspect_ratio=increase,crop=w=1080:h=1920," \
           "setsar=1[f1]" in graph


# -- brand and captions -----------------------------------------------------------------------


@pytest.mark.parametrize(("position", "x", "y"), [
    ("top-left", "43", "43"), ("top-right", "main_w-overlay_w-43", "43"),
    ("bottom-left", "43", "main_h-overlay_h-43"),
    ("bottom-right", "main_w-overlay_w-43", "main_h-overlay_h-43")])
def test_logo_is_a_scaled_translucent_overlay_decoded_once(position: str, x: str, y: str) -> None:
    brand = BrandPod(font_path=FONT, logo_path="/brand/logo.png", logo_position=position,
                     logo_opacity=0.5)
    args = build(make_timeline(brand=brand))
    graph = graph_of(args)
    i = args.index("/brand/logo.png")
    assert args[i - 1] == "-i" and "-loop" not in args[i - 5: i]
    assert "[5:v]format=rgba,scale=w=230:h=-2,colorchannelmixer=aa=0.5[logo]" in graph
    (overlay,) = [f for f in find_filter(graph, "overlay") if "eof_action" in f]
    # the working format named after the profile: "auto" costs a tenth of a 1080p render
    assert parse_filter_options(overlay) == {"x": x, "y": y, "eof_action": "repeat",
                                             "format": "yuv420"}
    master = graph_of(build(make_timeline(brand=brand), profile=profile_for("16:9", "mov")))
    (overlay,) = [f for f in find_filter(master, "overlay") if "eof_action" in f]
    assert parse_filter_options(overlay)["format"] == "yuv422p10"  # ProRes 422 HQ stays 4:2:2
    with pytest.raises(InputError, match="logo position"):
        build(make_timeline(brand=replace(brand, logo_position="middle")))


def test_cards_are_drawn_with_the_brand_font_over_fixed_frames() -> None:
    brand = BrandPod(font_path=FONT, title_card="Summit: it's, day 1", lower_third="Jane Doe",
                     outro_card="Thanks", card_seconds=1.0)
    args = build(make_timeline(brand=brand))
    texts = [parse_filter_options(f) for f in find_filter(graph_of(args), "drawtext")]
    assert [t["text"] for t in texts] == ["Summit: it's, day 1", "Jane Doe", "Thanks"]
    assert {t["fontfile"] for t in texts} == {FONT}
    assert {t["expansion"] for t in texts} == {"none"}
    assert [t["enable"] for t in texts] == ["between(n,0,24)", "between(n,25,114)",
                                            "between(n,90,114)"]
    assert program_frames(args) == 115


def test_caption_path_is_escaped_for_the_filtergraph() -> None:
    ass = Path("/work/it's: a, [odd] dir/cap;tions.ass")
    brand = BrandPod(font_path="/fonts/a:b/Brand.ttf")
    graph = graph_of(build(make_timeline(brand=brand), captions_ass=ass))
    (spec,) = find_filter(graph, "ass")
    assert parse_filter_options(spec) == {"filename": str(ass), "fontsdir": "/fonts/a:b"}
    assert escape_value("a:b,c'd") == r"a\\:b\,c\\\'d"
    assert graph.index("ass=") < graph.index("[vout]")


def test_black_tap_logs_the_finished_frames_for_qc() -> None:
    log = Path("/work/it's: a, [odd] dir/black.log")
    args = build(make_timeline(), black_log=log)
    graph = graph_of(args)
    # the encoder's frames are split after the final format: one branch is encoded, the
    # other goes through blackdetect into a metadata log and ends in a sink
    assert "format=pix_fmts=yuv420p,split[vout][vqc]" in graph
    (detect,) = find_filter(graph, "blackdetect")
    assert parse_filter_options(detect) == {"d": "0.1", "pix_th": "0.1"}
    (meta,) = find_filter(graph, "metadata")
    assert parse_filter_options(meta) == {"mode": "print", "file": str(log)}
    assert ",nullsink;" in graph and opt(args, "-map") == ["[vout]", "[aout]"]
    assert "blackdetect" not in graph_of(build(make_timeline()))


def test_captions_without_a_brand_use_the_bundled_font_folder() -> None:
    from editron.story.styles import bundled_font_path

    graph = graph_of(build(make_timeline(), captions_ass=Path("/c.ass")))
    (spec,) = find_filter(graph, "ass")
    assert parse_filter_options(spec)["fontsdir"] == str(bundled_font_path().parent)


# -- music ------------------------------------------------------------------------------------


def test_music_bed_loops_is_ducked_and_mixed_without_normalising() -> None:
    music = MusicBed("/music/bed.wav", gain_db=-9.0,
                     ducking=(DuckKeyframe(0, 0.0), DuckKeyframe(25, 0.0),
                              DuckKeyframe(35, -12.0), DuckKeyframe(75, -12.0),
                              DuckKeyframe(100, 0.0)))
    args = build(make_timeline(music=music))
    i = args.index("/music/bed.wav")
    assert args[i - 3: i] == ["-stream_loop", "-1", "-i"]
    graph = graph_of(args)
    assert "volume=volume=-9dB" in graph
    (ducked,) = [parse_filter_options(f) for f in find_filter(graph, "volume")
                 if "eval" in f]
    assert ducked["eval"] == "frame"
    for t, db in ((0.0, 0.0), (1.0, 0.0), (1.2, -6.0), (1.4, -12.0), (2.5, -12.0), (4.0, 0.0),
                  (9.0, 0.0)):
        assert evaluate(ducked["volume"], t=t) == pytest.approx(10 ** (db / 20), rel=1e-4)
    assert "[aprog][music]amix=inputs=2:normalize=0:duration=first" in graph


def test_piecewise_expression_and_simplify() -> None:
    pts = [(float(i), 2.0 * i) for i in range(100)]
    assert simplify(pts, 0.5) == [(0.0, 0.0), (99.0, 198.0)]
    expr = piecewise_linear([(0, 5), (10, 5), (20, -5)], "n")
    assert evaluate(expr, n=15) == 0 and evaluate(expr, n=-3) == 5 and evaluate(expr, n=40) == -5


# -- profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("aspect", "name", "size"), [
    ("16:9", "youtube", (1920, 1080)), ("9:16", "reels", (1080, 1920)),
    ("1:1", "square", (1080, 1080))])
def test_profile_by_aspect_ratio(aspect: str, name: str, size: tuple[int, int]) -> None:
    p = profile_for(aspect, "mp4")
    assert (p.name, (p.width, p.height), p.container) == (name, size, "mp4")
    assert p.video_codec_args[:4] == ("-c:v", "libx264", "-profile:v", "high")
    assert p.loudness_target_lufs == SOCIAL_LUFS and p.faststart


def test_named_profiles_follow_the_timeline_aspect() -> None:
    assert (profile_for("9:16", "mp4", "preview").width,
            profile_for("9:16", "mp4", "preview").height) == (360, 640)
    assert (profile_for("16:9", "mp4", "preview").width,
            profile_for("16:9", "mp4", "preview").height) == (640, 360)
    assert profile_for("9:16", "mp4", "tiktok").height == 1920
    assert profile_for("16:9", "mp4", "preview").preset == "ultrafast"
    assert profile_for("16:9", "mp4", loudness=-16).loudness_target_lufs == -16


def test_master_profile_is_prores_hq_in_mov() -> None:
    p = profile_for("16:9", "mov", "master")
    assert p == profile_for("16:9", "mov")
    assert p.video_codec_args == ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0")
    assert (p.pix_fmt, p.audio_codec_args, p.loudness_target_lufs) == (
        "yuv422p10le", ("-c:a", "pcm_s24le"), MASTER_LUFS)
    args = build(make_timeline(), profile=p)
    assert "-movflags" not in args and "-crf" not in args and args[-3:-1] == ["-f", "mov"]
    assert "format=pix_fmts=yuv422p10le[vout]" in graph_of(args)
    assert find_filter(graph_of(args), "loudnorm") == ["loudnorm=I=-23:TP=-1:LRA=18"]


def test_web_profile_is_vp9_and_opus_in_webm() -> None:
    p = profile_for("9:16", "webm")
    assert (p.name, p.container, (p.width, p.height)) == ("web", "webm", (1080, 1920))
    assert p == profile_for("9:16", "webm", "web")
    assert codec_names(p) == ("vp9", "opus")
    args = build(make_timeline(), profile=profile_for("16:9", "webm"))
    assert args[-3:-1] == ["-f", "webm"] and "-movflags" not in args
    assert args[args.index("-c:v") + 1] == "libvpx-vp9" and args[args.index("-crf") + 1] == "32"
    assert "-preset" not in args and args[args.index("-b:v") + 1] == "0"


@pytest.mark.parametrize(("aspect", "fmt", "name", "codecs"), [
    ("16:9", "mp4", None, ("h264", "aac")), ("1:1", "mov", None, ("prores", "pcm_s24le")),
    ("16:9", "mov", "youtube", ("h264", "aac")), ("9:16", "mp4", "preview", ("h264", "aac"))])
def test_codec_names_are_what_a_probe_reports(aspect: str, fmt: str, name: str | None,
                                             codecs: tuple[str, str]) -> None:
    assert codec_names(profile_for(aspect, fmt, name)) == codecs


@pytest.mark.parametrize(("args", "message"), [
    (("4:3", "mp4"), "unknown aspect ratio"), (("16:9", "avi"), "unknown render format"),
    (("16:9", "mp4", "vimeo"), "unknown render profile 'vimeo'"),
    (("16:9", "mp4", "master"), "needs the mov format"),
    (("16:9", "webm", "youtube"), r"youtube profile \(h264, aac\) needs the mp4 or mov format"),
    (("16:9", "mp4", "web"), r"web profile \(vp9, opus\) needs the webm format"),
    (("16:9", "mp4", None, 3.0), "outside")])
def test_profile_errors(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        profile_for(*args)  # type: ignore[arg-type]


def test_qc_expects_the_timeline_frames_and_the_black_and_silence_it_plans() -> None:
    from editron.services.render import qc_spec_for

    dip = make_timeline("dip_to_black", 10)  # clip b dips in at frame 50, 10 frames a side
    spec = qc_spec_for(dip, PROFILE)
    assert (spec.expected_frames, spec.rate_num, spec.rate_den) == (115, 25, 1)
    assert (spec.width, spec.height, spec.video_codec, spec.audio_codec) == (
        1920, 1080, "h264", "aac")
    assert spec.loudness_target == SOCIAL_LUFS
    assert spec.planned_black == ((1.6, 2.4),)
    # the silent clip (record frames 90..115) plays with no sound: its silence is planned
    assert spec.planned_silence == ((3.6, 4.6),)
    # a music bed plays under it, so no silence is expected; a plain cut plans no black
    with_music = make_timeline("cut", music=MusicBed("/m/bed.mp3"))
    assert qc_spec_for(with_music, PROFILE).planned_black == ()
    assert qc_spec_for(with_music, PROFILE).planned_silence == ()
    assert qc_spec_for(dip, profile_for("16:9", "mov", "master")).loudness_target == MASTER_LUFS


def test_configured_loudness_overrides_every_profile_target() -> None:
    for ratio, fmt, name in (("9:16", "mp4", None), ("16:9", "mov", "master"),
                             ("1:1", "mp4", None)):
        assert profile_for(ratio, fmt, name, loudness=-18.0).loudness_target_lufs == -18.0
    args = build(make_timeline(), profile=profile_for("16:9", "mp4", loudness=-18.0))
    assert find_filter(graph_of(args), "loudnorm") == ["loudnorm=I=-18:TP=-1:LRA=11"]
