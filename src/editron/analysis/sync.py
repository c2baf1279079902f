"""Sync by sound: put the files of a batch that share sound on one event clock.

Input per file is the 16 kHz mono audio the decode pass already spooled (``source_from_spool``
maps it from disk, so a two-hour file is never held whole), its duration and its SMPTE start
timecode if any. Every pair of usable files is measured (``sync_pair``); a pair counts only
when its coarse peak stands out and its fine windows agree, so a file with unrelated sound
matches nothing and stays off the clock, with the reason.

The group is then placed from the pairs: a spanning tree on the most confident pairs decides
which files belong together, and a weighted least-squares solve over every accepted pair in
the group (clock rates first, as logarithms so they add along a path, then offsets) gives each
file one place consistent with all of them. A pair the solve cannot agree with (more than
twice ``tolerance_ms`` off) is dropped and the group solved again: one false match cannot pull
a group apart or join two groups. The longest file of a group is its reference: the event clock
runs at its rate, shifted so the group's earliest file starts at 0.

Cost: one envelope per file (an FFT every 10 ms: about 2 s an hour of audio), one envelope
correlation per pair (a few FFTs of 100 values a second) and a few dozen to a few hundred fine
windows of a few seconds per pair. Memory holds the envelopes (2 MB an hour per file) and one
pair's correlation, never a full-rate correlation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import combinations

import numpy as np

from editron.analysis.base import FileContext
from editron.analysis.decode import AUDIO_RATE, FileSpool
from editron.analysis.sync_pair import (
    PreparedSource,
    SyncSettings,
    SyncSource,
    measure_pair,
    prepare,
)
from editron.analysis.sync_signal import F64
from editron.domain.sync import (
    FileSync,
    SyncMethod,
    SyncPair,
    SyncResult,
    UnsyncedReason,
    with_manual_offsets,
)

__all__ = ["SyncSettings", "SyncSource", "place_files", "source_from_spool", "sync_batch",
           "sync_files"]


def source_from_spool(file_id: str, spool: FileSpool, *, timecode: str | None = None,
                      fps: float | None = None) -> SyncSource:
    """The spooled 16 kHz audio of one file, mapped from disk rather than read."""
    if spool.audio_path is None or spool.audio_seconds <= 0:
        empty = np.zeros(0, dtype=np.float32)
        return SyncSource(file_id, empty, AUDIO_RATE, 0.0, timecode, fps)
    audio = np.memmap(spool.audio_path, dtype=np.float32, mode="r")
    return SyncSource(file_id, audio, AUDIO_RATE, spool.audio_seconds, timecode, fps)


def sync_batch(contexts: Sequence[FileContext], spools: Mapping[str, FileSpool],
               manual: Mapping[str, float] | None = None) -> SyncResult:
    """The batch's files that were decoded, synced from the audio their decode pass spooled
    (no second decode), then the placements made by hand laid over the result."""
    sources = [source_from_spool(ctx.file_id, spools[ctx.file_id],
                                 timecode=ctx.probe.timecode, fps=ctx.probe.fps)
               for ctx in contexts if ctx.file_id in spools]
    result = sync_files(sources)
    keep = {k: v for k, v in (manual or {}).items() if result.for_file(k) is not None}
    return with_manual_offsets(result, keep) if keep else result


def sync_files(sources: Sequence[SyncSource], settings: SyncSettings | None = None
               ) -> SyncResult:
    """Place every file that shares sound with another on its group's event clock."""
    s = settings or SyncSettings()
    unsynced: dict[str, FileSync] = {}
    usable: list[PreparedSource] = []
    for source in sources:
        reason = _unusable(source, s)
        if reason is not None:
            unsynced[source.file_id] = FileSync(source.file_id, None, 0.0, reason=reason[0],
                                                detail=reason[1])
            continue
        prepared = prepare(source)
        if prepared.level_db < s.silence_db:
            unsynced[source.file_id] = FileSync(
                source.file_id, None, 0.0, reason=UnsyncedReason.SILENT,
                detail=f"its loudest parts reach {prepared.level_db:.0f} dBFS")
            continue
        usable.append(prepared)
    pairs = [measure_pair(a, b, s) for a, b in combinations(usable, 2)]
    placed, pairs = place_files({u.file_id: u.duration for u in usable}, pairs, s)
    if len(usable) == 1:  # the one file with sound is the event clock by itself
        only = usable[0].file_id
        placed = {only: FileSync(only, 0.0, 1.0, group=0, reference=only,
                                 method=SyncMethod.ONLY_FILE)}
    files = []
    for source in sources:
        fid = source.file_id
        files.append(unsynced.get(fid) or placed.get(fid) or _no_match(fid, pairs))
    return SyncResult(files=files, pairs=pairs)


def _unusable(source: SyncSource, s: SyncSettings) -> tuple[UnsyncedReason, str] | None:
    seconds = source.audio.size / source.rate
    if source.audio.size == 0:
        return UnsyncedReason.SILENT, "it has no audio"
    if seconds < s.min_seconds:
        return UnsyncedReason.TOO_SHORT, f"{seconds:.1f} s of audio (syncing needs " \
                                         f"{s.min_seconds:g} s)"
    return None


def _no_match(file_id: str, pairs: Sequence[SyncPair]) -> FileSync:
    mine = [p for p in pairs if file_id in (p.a, p.b)]
    detail = "no other file's sound matched it"
    if mine:
        best = max(mine, key=lambda p: (p.agreeing, p.peak_score))
        other = best.b if best.a == file_id else best.a
        detail += f" (closest: {other}, {best.note or 'inconsistent with its group'})"
    return FileSync(file_id, None, 0.0, reason=UnsyncedReason.NO_SHARED_SOUND, detail=detail)


def _components(ids: Sequence[str], edges: Sequence[SyncPair]
                ) -> tuple[list[list[str]], list[SyncPair]]:
    """Kruskal's maximum spanning forest: the groups, and the tree's edges."""
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    tree = []
    for e in sorted(edges, key=lambda p: -p.confidence):
        ra, rb = root(e.a), root(e.b)
        if ra != rb:
            parent[rb] = ra
            tree.append(e)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1], tree


def _solve(members: list[str], reference: str, edges: Sequence[SyncPair]
           ) -> tuple[dict[str, float], dict[str, float], list[float]]:
    """Weighted least squares: each member's log clock rate and offset on the reference's
    clock, and each edge's offset residual in seconds."""
    index = {m: k for k, m in enumerate(x for x in members if x != reference)}

    def lstsq(rows: list[tuple[str, str, float, float]]) -> dict[str, float]:
        a = np.zeros((len(rows), len(index)))
        y = np.zeros(len(rows))
        for r, (ia, ib, value, weight) in enumerate(rows):
            w = np.sqrt(weight)
            if ib in index:
                a[r, index[ib]] += w
            if ia in index:
                a[r, index[ia]] -= w
            y[r] = w * value
        x: F64 = np.asarray(np.linalg.lstsq(a, y, rcond=None)[0] if len(index) else
                            np.zeros(0), dtype=np.float64)
        return {reference: 0.0, **{m: float(x[k]) for m, k in index.items()}}

    # A pair too short to measure drift says only that the two clocks roughly agree.
    rates = lstsq([(e.a, e.b, float(np.log1p(e.drift_ppm * 1e-6)),
                    max(e.confidence, 1e-3) if e.drift_measured else 1e-6) for e in edges])
    rows, targets = [], []
    for e in edges:
        # a's time ``anchor`` and b's time ``u`` are the same moment of the event.
        u = (e.anchor - e.offset) * (1 + e.drift_ppm * 1e-6)
        target = e.anchor / np.exp(rates[e.a]) - u / np.exp(rates[e.b])
        rows.append((e.a, e.b, float(target), max(e.confidence, 1e-3)))
        targets.append(float(target))
    offsets = lstsq(rows)
    residuals = [abs(offsets[e.b] - offsets[e.a] - t) for e, t in zip(edges, targets,
                                                                       strict=True)]
    return rates, offsets, residuals


def place_files(durations: Mapping[str, float], pairs: Sequence[SyncPair],
                settings: SyncSettings | None = None
                ) -> tuple[dict[str, FileSync], list[SyncPair]]:
    """Groups and places from pair measurements alone: each file that an accepted pair joins
    to a group gets its offset, drift and confidence; the pairs come back marked ``used`` or
    not. ``durations`` (file id to seconds, in the batch's order) picks each group's reference.
    A pair made by hand (a known offset, confidence 1) joins files the same way."""
    s = settings or SyncSettings()
    ids = list(durations)
    # The longest file is the reference; among equals, the first given.
    rank = {fid: (d, -k) for k, (fid, d) in enumerate(durations.items())}
    edges = [p for p in pairs if p.accepted]
    limit = 2 * s.tolerance_ms / 1000
    while True:
        groups, tree = _components(ids, edges)
        solved: list[tuple[list[str], str, dict[str, float], dict[str, float]]] = []
        worst: tuple[float, SyncPair] | None = None
        for members in groups:
            reference = max(members, key=lambda m: rank[m])
            inside = [e for e in edges if e.a in members and e.b in members]
            rates, offsets, residuals = _solve(members, reference, inside)
            solved.append((members, reference, rates, offsets))
            for e, r in zip(inside, residuals, strict=True):
                if r > limit and (worst is None or r > worst[0]):
                    worst = (r, e)
        if worst is None:
            break
        edges.remove(worst[1])
    used = {(e.a, e.b) for e in edges}
    pairs = [replace(p, used=(p.a, p.b) in used) for p in pairs]
    placed: dict[str, FileSync] = {}
    ordered = sorted(solved, key=lambda g: (-len(g[0]), min(g[0])))
    for group, (members, reference, rates, offsets) in enumerate(ordered):
        first = min(offsets[m] for m in members)
        trusted = _path_confidence(members, reference, [e for e in tree if e.a in members],
                                   [e for e in edges if e.a in members])
        for m in members:
            placed[m] = FileSync(m, round(offsets[m] - first, 7), trusted[m][0],
                                 round(float(np.expm1(rates[m])) * 1e6, 3), group, reference,
                                 trusted[m][1])
    return placed, pairs


def _path_confidence(members: list[str], reference: str, tree: Sequence[SyncPair],
                     used: Sequence[SyncPair]) -> dict[str, tuple[float, SyncMethod]]:
    """Each member's weakest pair on its tree path to the reference, and how it was found:
    by timecode when a pair it is part of confirmed its timecode."""
    by_tc = {f for e in used if e.via_timecode for f in (e.a, e.b)}

    def method(f: str) -> SyncMethod:
        return SyncMethod.TIMECODE if f in by_tc else SyncMethod.SOUND

    confidence = {reference: max((e.confidence for e in tree if reference in (e.a, e.b)),
                                 default=0.0)}
    frontier = [reference]
    while frontier:
        node = frontier.pop()
        for e in tree:
            other = e.b if e.a == node else e.a if e.b == node else None
            if other is None or other in confidence:
                continue
            confidence[other] = min(confidence[node], e.confidence)
            frontier.append(other)
    return {m: (confidence[m], method(m)) for m in members}
