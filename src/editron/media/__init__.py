"""The ffmpeg/PyAV boundary.

- ``probe.probe(path) -> MediaProbe``: what a file is, and whether it is whole (``ProbeError``).
- ``derivatives.make_derivatives(...) -> Derivatives``: proxy, poster, sprite sheet and
  waveform peaks per storage tier, in one ffmpeg pass.
- ``ffmpeg.run_ffmpeg(args, ...)``: the general runner (progress, cancel, timeout) that the
  render stage reuses; ``ffmpeg.ffmpeg_path()`` locates the binary.
- ``integrity`` (declared container sizes) and ``waveform`` (peaks) are the pure helpers.
"""
