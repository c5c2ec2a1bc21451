"""Benchmarks of msdw: speed, scale and how cost grows, measured by ``python -m bench`` (see ``bench/README.md``)."""
