"""Benchmarks of msdw: the figures of issue 6, measured by ``python -m bench`` (see ``bench/README.md``)."""
