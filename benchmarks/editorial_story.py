"""The brief's promises, held to numbers (issue 22, points 2, 3 and 7): the real lane on
generated events whose truth is known.

    .venv/bin/python benchmarks/editorial_story.py       # or: benchmarks/editorial.py --story

Five events (fixed seeds and parameters, 640x360 25 fps): lavfi scenes or a face photograph
(scikit-image's astronaut, left of centre), a quiet room bed, espeak-ng lines at known times
naming a sponsor and speakers, sox crowd bursts at known times and levels
(``tests.audio_fixtures.event_audio``). One is shorter than a recap. Each is ingested,
analysed with a brief naming the sponsor and speakers, and edited as recap (1 variant),
highlight (3 asked) and social (2 asked) in 16:9 and 9:16, in a temporary EDITRON_HOME, by
the lane's own service functions (no render). Measured from the stored sessions and
timelines against the truth, not against the product's own analysis:

* hook: in each social cut's first clip, where the truth peaks (the plateau of the loudest
  crowd burst in it, else the first word spoken in it, else its first frame); within 3 s, or
  the session's note says why not; and whether the note's kind and time agree with the truth;
* recap length: frames off 59 s where the footage is longer than 59 s; where it is not, the
  session's "length:" note;
* highlights and social: cuts made against cuts asked, and the note when fewer;
* duplicate moments: footage of one file shown twice in one timeline, or in two variants of
  a highlight or social cut (they promise distinct moments);
* 9:16 framing on the face event: spoken frames whose crop keeps the middle of the face
  (eyes and mouth) with no letterbox, and the share of clips letterboxed;
* the person speaking (point 3), on a sixth event with two faces taking turns to speak
  (``editorial_speaker.py``): spoken frames whose 9:16 and 1:1 windows hold the speaker,
  letterboxed clips, switches closer than 3 s, the largest per-frame move.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "src"))

from editorial_speaker import speaker_framing  # noqa: E402
from tests.analysis_fixtures import SOURCES  # noqa: E402
from tests.audio_fixtures import AudioTruth, event_audio  # noqa: E402
from tests.media_factory import X264, run_ffmpeg  # noqa: E402

from editron.config import Settings  # noqa: E402
from editron.db.runtime import ready  # noqa: E402
from editron.domain.timeline import Clip, Timeline  # noqa: E402
from editron.services.analyze import analyze_media_batch  # noqa: E402
from editron.services.edit import generate_video_edits, session_timelines  # noqa: E402
from editron.services.ingest import ingest_media_batch  # noqa: E402

FPS, W, H = 25, 640, 360
RECAP_SECONDS, HOOK_SECONDS = 59.0, 3.0
ASKED = {"recap": 1, "highlight": 3, "social": 2}
FACE_PHOTO = 360  # the astronaut, resized to 360x360; its face at x 0.33-0.55, y 0.08-0.32
NOTED_PEAK = re.compile(r"the (\w+) peak starts at ([\d.]+) s")
AGREE_SECONDS = 0.5  # the note's peak time against the truth's (word timing, burst plateau)
BRIEF = {"sponsors": ["Zentrix", "Quillpoint"], "speakers": ["Amara Okafor", "Lena Marsh"],
         "products": ["Aurora"], "text": "A lively night: the Aurora launch."}


@dataclass(frozen=True)
class EventSpec:
    name: str
    seconds: float
    lines: tuple[tuple[float, str], ...]
    cheers: tuple[tuple[float, float, float], ...]  # start, length, volume
    sponsor: tuple[float, str, str]  # start, line, the sponsor's word
    face_x: int | None = None  # the photograph's left edge; None: lavfi scenes


EVENTS = (
    EventSpec("gala", 75.0, ((3.0, "Welcome to the Aurora launch night."),
                             (31.0, "Please welcome Amara Okafor to the stage."),
                             (58.0, "Thank you all for coming tonight.")),
              ((21.0, 3.0, 0.6), (50.0, 2.5, 0.35)),
              (41.0, "Tonight is brought to you by Zentrix.", "Zentrix")),
    EventSpec("awards", 68.0, ((2.0, "Good evening and welcome to the awards."),
                               (26.0, "Lena Marsh will now present the first award."),
                               (52.0, "What a night it has been.")),
              ((9.0, 3.0, 0.7), (44.0, 2.0, 0.3)),
              (16.0, "Our thanks to Quillpoint for the drinks.", "Quillpoint")),
    EventSpec("keynote", 64.0, ((1.0, "Let us begin with the year in numbers."),
                                (12.0, "Amara Okafor built the new platform."),
                                (24.0, "It ships to every customer next month."),
                                (40.0, "Questions are welcome at the end.")),
              ((56.0, 2.5, 0.5),),
              (32.0, "The keynote is brought to you by Zentrix.", "Zentrix")),
    EventSpec("short", 38.0, ((2.0, "A short word before the doors open."),),
              ((20.0, 3.0, 0.6),),
              (10.0, "Our thanks to Quillpoint tonight.", "Quillpoint")),
    EventSpec("talk", 62.0, ((1.5, "Hello, I am Lena Marsh and this is my story."),
                             (14.0, "We started in a garage with two laptops."),
                             (27.0, "Today the Aurora team is forty people."),
                             (46.0, "Thank you, and enjoy the evening.")),
              ((36.0, 2.5, 0.6),),
              (40.0, "This talk is brought to you by Zentrix.", "Zentrix"), face_x=20),
)


def make_event(spec: EventSpec, folder: Path) -> AudioTruth:
    """The event's footage (one MP4 in ``folder``) and its audio truth."""
    folder.mkdir(parents=True)
    work = folder.parent / f"{spec.name}-work"
    work.mkdir()
    truth = event_audio(work / "audio.wav", seconds=spec.seconds, speech=spec.lines,
                        cheers=spec.cheers, sponsor=spec.sponsor)
    if spec.face_x is None:
        shots = max(2, round(spec.seconds / 10))
        each = spec.seconds / shots
        inputs = [a for k in range(shots) for a in (
            "-f", "lavfi", "-i", SOURCES[k % len(SOURCES)].format(s=f"{W}x{H}", r=FPS)
            + f",trim=duration={each:.3f},setpts=PTS-STARTPTS")]
        graph = "".join(f"[{k}:v]format=yuv420p,setsar=1[v{k}];" for k in range(shots))
        graph += "".join(f"[v{k}]" for k in range(shots)) + f"concat=n={shots}:v=1:a=0[v]"
    else:
        from PIL import Image
        from skimage import data

        photo = work / "face.png"
        Image.fromarray(data.astronaut()).resize((FACE_PHOTO, FACE_PHOTO)).save(photo)
        inputs = ["-f", "lavfi", "-i", f"color=c=0x202020:size={W}x{H}:rate={FPS}:"
                  f"duration={spec.seconds}", "-loop", "1", "-framerate", str(FPS),
                  "-i", str(photo)]
        graph = f"[0:v][1:v]overlay={spec.face_x}:0:shortest=1,format=yuv420p,setsar=1[v]"
        shots = 2  # the audio is the input after the two pictures
    run_ffmpeg([*inputs, "-i", str(truth.path), "-filter_complex", graph, "-map", "[v]",
                "-map", f"{shots}:a", *X264, "-preset", "ultrafast", "-crf", "20",
                "-r", str(FPS), "-c:a", "aac", "-b:a", "96k", "-t", str(spec.seconds),
                str(folder / f"{spec.name}.mp4")])
    return truth


def run_event(spec: EventSpec, root: Path, settings: Settings) -> dict[str, Any]:
    """Ingest, analyse and edit one event; its sessions' notes and timelines."""
    truth = make_event(spec, root / spec.name)
    batch = ingest_media_batch(source_url=str(root / spec.name), reference_name=spec.name,
                               settings=settings)
    analysis = analyze_media_batch(batch_id=batch.batch_id, brief=dict(BRIEF),
                                   scope=list(ASKED), settings=settings)
    cuts: dict[str, Any] = {}
    for kind, asked in ASKED.items():
        session = generate_video_edits(batch_id=batch.batch_id, deliverable_type=kind,
                                       aspect_ratios="16:9,9:16", variants=asked,
                                       settings=settings)
        public, timelines = session_timelines(session.session_id, settings=settings)
        notes = [p["because"] for p in public.applied_preferences if p.get("key") == "note"]
        cuts[kind] = {"notes": notes, "timelines": timelines, "variants": public.variants}
    heard = sorted({m["name"] for m in analysis.sponsor_moments if m.get("source") ==
                    "transcript"})
    return {"spec": spec, "truth": truth, "cuts": cuts, "sponsors_heard": heard}


def _ratio(timelines: list[Timeline], ratio: str) -> list[Timeline]:
    return [t for t in timelines if t.aspect_ratio == ratio]


def hook_peak(clip: Clip, truth: AudioTruth, fps: float) -> tuple[float, float, str]:
    """Seconds into ``clip`` where the truth peaks, from and to: the loudest burst's plateau
    (its fade-in is a fifth, its fade-out 3/10 of it), else the first word, else the clip's
    first frame (an action)."""
    a, b = clip.source_start / fps, clip.source_end / fps
    bursts = [(start + 0.2 * length, start + 0.7 * length, level)
              for start, length, level in truth.cheers if start < b and start + length > a]
    if bursts:
        lo, hi, _ = max(bursts, key=lambda x: x[2])
        return max(0.0, lo - a), max(0.0, hi - a), "crowd"
    words = [w.start for w in truth.words if a <= w.start < b]
    if words:
        return min(words) - a, min(words) - a, "line"
    return 0.0, 0.0, "action"


def _shows(clip: Clip, truth: AudioTruth, fps: float) -> bool:
    """Whether ``clip`` shows the event's loudest crowd burst (informative: the product
    ranks its own strongest moment, which may be a line)."""
    start, length, _ = max(truth.cheers, key=lambda c: c[2])
    return clip.source_start / fps < start + length and start < clip.source_end / fps


def hooks(events: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for ev in events:
        social = ev["cuts"]["social"]
        for tl in _ratio(social["timelines"], "16:9"):
            first = min(tl.clips, key=lambda c: c.record_start)
            at, until, kind = hook_peak(first, ev["truth"], tl.rate.fps)
            # one hook note per variant, in variant order (the blueprints' notes in turn)
            noted = [n for n in social["notes"] if n.startswith("hook:")]
            note = noted[tl.variant - 1] if tl.variant <= len(noted) else None
            said = NOTED_PEAK.search(note or "")
            why_not = note is not None and "not within" in note
            agrees = said is not None and said[1] == kind \
                and at - AGREE_SECONDS <= float(said[2]) <= until + AGREE_SECONDS
            rows.append({"event": ev["spec"].name, "variant": tl.variant, "peak": kind,
                         "peak_at_seconds": round(at, 2),
                         "within": at <= HOOK_SECONDS + 1 / tl.rate.fps, "noted_why_not": why_not,
                         "note": note, "note_agrees": agrees,
                         "opens_on_loudest_burst": _shows(first, ev["truth"], tl.rate.fps)})
    within = sum(r["within"] for r in rows)
    kept = sum(r["within"] or r["noted_why_not"] for r in rows)
    n = max(1, len(rows))
    return {"hook_in_3s_rate": round(within / n, 3),
            "hook_in_3s_or_explained_rate": round(kept / n, 3), "target": 1.0,
            "met": kept == len(rows) and bool(rows),
            "note_agrees_with_truth_rate": round(sum(r["note_agrees"] for r in rows) / n, 3),
            "first_variant_opens_on_loudest_burst": sum(
                r["opens_on_loudest_burst"] for r in rows if r["variant"] == 1),
            "cuts": rows}


def recaps(events: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for ev in events:
        recap = ev["cuts"]["recap"]
        tl = _ratio(recap["timelines"], "16:9")[0]
        target = tl.rate.frames(RECAP_SECONDS)
        allows = ev["spec"].seconds > RECAP_SECONDS
        note = next((n for n in recap["notes"] if n.startswith("length:")), None)
        rows.append({"event": ev["spec"].name, "footage_seconds": ev["spec"].seconds,
                     "frames": tl.duration_frames, "target_frames": target,
                     "error_frames": tl.duration_frames - target if allows else None,
                     "shortfall_note": note})
    errors = [abs(r["error_frames"]) for r in rows if r["error_frames"] is not None]
    short = [r for r in rows if r["error_frames"] is None]
    return {"max_error_frames": max(errors, default=None), "target_error_frames": 0,
            "short_footage_noted": f"{sum(bool(r['shortfall_note']) for r in short)}"
                                   f"/{len(short)}",
            "met": bool(errors) and max(errors) == 0 and all(r["shortfall_note"]
                                                             for r in short),
            "events": rows}


def counts(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Cuts made against asked (highlight and social), with the shortfall note."""
    rows = []
    for ev in events:
        for kind in ("highlight", "social"):
            cut = ev["cuts"][kind]
            made = len({t.variant for t in cut["timelines"]})
            note = next((n for n in cut["notes"] if n.startswith("variants:")), None)
            rows.append({"event": ev["spec"].name, "deliverable": kind,
                         "asked": ASKED[kind], "made": made, "note": note,
                         "kept": made == ASKED[kind] or bool(note)})
    return {"asked_made_or_noted_rate": round(sum(r["kept"] for r in rows) / len(rows), 3),
            "target": 1.0, "met": all(r["kept"] for r in rows), "cuts": rows}


def _overlap(a: Clip, b: Clip) -> bool:
    return a.file_id == b.file_id and a.source_start < b.source_end \
        and b.source_start < a.source_end


def duplicates(events: list[dict[str, Any]]) -> dict[str, Any]:
    within, across = 0, 0
    where: list[str] = []
    for ev in events:
        for kind, cut in ev["cuts"].items():
            lines = _ratio(cut["timelines"], "16:9")
            for tl in lines:
                n = sum(_overlap(a, b) for i, a in enumerate(tl.clips) for b in tl.clips[i + 1:])
                within += n
                where += [f"{ev['spec'].name} {kind} v{tl.variant}: {n} within"] if n else []
            if kind == "recap":
                continue  # recap variants may share moments (and say so)
            for i, x in enumerate(lines):
                for y in lines[i + 1:]:
                    n = sum(_overlap(a, b) for a in x.clips for b in y.clips)
                    across += n
                    where += [f"{ev['spec'].name} {kind} v{x.variant}/v{y.variant}: {n}"] \
                        if n else []
    return {"duplicate_moments": within + across, "within_a_timeline": within,
            "across_variants": across, "target": 0, "met": within + across == 0,
            "where": where}


def _window(clip: Clip, frame: int) -> tuple[float, float, float, float]:
    keys = sorted(clip.crop, key=lambda k: k.frame)
    if frame <= keys[0].frame:
        k = keys[0]
        return k.x, k.y, k.w, k.h
    for k0, k1 in itertools.pairwise(keys):
        if k0.frame <= frame <= k1.frame:
            f = (frame - k0.frame) / max(1, k1.frame - k0.frame)
            return tuple(v0 + f * (v1 - v0) for v0, v1 in  # type: ignore[return-value]
                         zip((k0.x, k0.y, k0.w, k0.h), (k1.x, k1.y, k1.w, k1.h), strict=True))
    k = keys[-1]
    return k.x, k.y, k.w, k.h


def framing(events: list[dict[str, Any]], speakers: dict[str, Any]) -> dict[str, Any]:
    """9:16 on the face event: spoken frames with the face's middle in an unpadded crop; and
    the two-speaker event's speaker in the crop."""
    face = next(ev for ev in events if ev["spec"].face_x is not None)
    x0 = face["spec"].face_x + 0.33 * FACE_PHOTO
    x1 = face["spec"].face_x + 0.55 * FACE_PHOTO
    y0, y1 = 0.08 * FACE_PHOTO, 0.32 * FACE_PHOTO
    mid = ((x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0)), (y0 + 0.3 * (y1 - y0), y1))
    spoken, inside, clips, padded = 0, 0, 0, 0
    for cut in face["cuts"].values():
        for tl in _ratio(cut["timelines"], "9:16"):
            for clip in tl.clips:
                clips += 1
                padded += clip.pad_blur
                for f in range(clip.duration):
                    t = (clip.source_start + f) / tl.rate.fps
                    if not any(w.start <= t < w.end for w in face["truth"].words):
                        continue
                    spoken += 1
                    x, y, w, h = _window(clip, f) if clip.crop else (0, 0, W, H)
                    inside += (not clip.pad_blur and x <= mid[0][0] and mid[0][1] <= x + w
                               and y <= mid[1][0] and mid[1][1] <= y + h)
    share = padded / max(1, clips)
    return {
        "speaker_in_crop_rate": speakers["9:16"]["speaker_in_crop_rate"],
        "speaker_in_crop_1x1_rate": speakers["1:1"]["speaker_in_crop_rate"],
        "target_speaker_in_crop": 0.9,
        "speaker_met": speakers["9:16"]["met"] and speakers["1:1"]["met"],
        "switches_met": speakers["9:16"]["switches_met"] and speakers["1:1"]["switches_met"],
        "two_speakers": speakers,
        "face_in_crop_rate": round(inside / max(1, spoken), 3), "spoken_frames": spoken,
        "face_target": 0.9, "face_met": spoken > 0 and inside / spoken >= 0.9,
        "letterboxed_share": round(share, 3), "letterboxed": f"{padded}/{clips}",
        "letterbox_target": 0.2, "letterbox_met": clips > 0 and share <= 0.2}


def run() -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="editron-story-") as tmp:
        root = Path(tmp)
        os.environ["EDITRON_HOME"] = str(root / "home")
        settings = ready(Settings(home=root / "home"))
        events = [run_event(spec, root / "events", settings) for spec in EVENTS]
        speakers = speaker_framing(root / "speaker-event", settings)
    report = {"events": [{"name": e["spec"].name, "seconds": e["spec"].seconds,
                          "cheers": list(e["spec"].cheers),
                          "sponsors_heard": e["sponsors_heard"]} for e in events],
              "hook": hooks(events), "recap_length": recaps(events),
              "cuts_asked_made": counts(events), "duplicates": duplicates(events),
              "framing_9x16": framing(events, speakers)}
    report["met"] = {k: report[k]["met"] for k in ("hook", "recap_length", "cuts_asked_made",
                                                   "duplicates")}
    report["met"]["face_in_crop"] = report["framing_9x16"]["face_met"]
    report["met"]["letterbox"] = report["framing_9x16"]["letterbox_met"]
    report["met"]["speaker_in_crop"] = report["framing_9x16"]["speaker_met"]
    report["met"]["speaker_switches"] = report["framing_9x16"]["switches_met"]
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def main() -> None:
    print(json.dumps(run(), indent=2, default=str))


if __name__ == "__main__":
    main()
