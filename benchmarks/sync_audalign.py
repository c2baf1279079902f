"""Run audalign the way its README shows, inside its own virtual environment (it is not
Editron's dependency): ``align`` a folder with the default fingerprint recognizer, then
``fine_align`` the result with the correlation-spectrogram recognizer. Prints JSON:
``{"coarse": {file: shift}, "fine": {file: shift}, "seconds": wall time}``; a file audalign
could not align is absent from its dict.

    .bench/venvs/audalign/bin/python benchmarks/sync_audalign.py FOLDER
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time


def _shifts(results: object) -> dict[str, float]:
    if not isinstance(results, dict):
        return {}
    return {k: float(v) for k, v in results.items() if isinstance(v, int | float)}


def main(folder: str) -> None:
    import audalign as ad

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # its progress bars and prints
        coarse = ad.align(folder, recognizer=ad.FingerprintRecognizer())
        fine = ad.fine_align(coarse, recognizer=ad.CorrelationSpectrogramRecognizer()) \
            if coarse else None
    seconds = time.perf_counter() - start
    print(json.dumps({"coarse": _shifts(coarse), "fine": _shifts(fine), "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
