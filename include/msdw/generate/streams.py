"""Random streams: each part of the world draws from its own generator, keyed by the seed and a name, so that
the same seed gives the same world whatever else changes."""

from __future__ import annotations

import zlib

import numpy as np


def key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """A generator for the named stream, e.g. ``stream(seed, "arrests", month)``."""
    parts = [int(seed) & 0xFFFFFFFF] + [key(n) if isinstance(n, str) else int(n) & 0xFFFFFFFF for n in names]
    return np.random.default_rng(np.random.SeedSequence(parts))


def choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with ``weights`` (normalised here)."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def days_within(rng: np.random.Generator, first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """A uniformly drawn day in ``[first, first + length)`` for each row."""
    return (first + np.floor(rng.random(len(first)) * length)).astype(np.int64)
