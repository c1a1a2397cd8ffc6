"""Deterministic randomness: every draw is a hash of (seed, keys), never a global or stateful generator.

So a value depends only on what it describes (a DER, a day, an interval), never on the order things are
computed in: a step of one interval and a backfill of a day write the same numbers for the same interval.
"""
from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from statistics import NormalDist

__all__ = ["normal", "smooth_normal", "uniform", "unit"]

_SCALE = float(2**64)
_STANDARD = NormalDist()
_TINY = 1e-12


def unit(seed: int, *keys: object) -> float:
    """A uniform draw in [0, 1) fixed by ``seed`` and ``keys``."""
    text = f"{seed}|" + "|".join(str(k) for k in keys)
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def uniform(seed: int, low: float, high: float, *keys: object) -> float:
    return low + (high - low) * unit(seed, *keys)


@lru_cache(maxsize=65_536)  # smooth signals ask for the same knots again and again
def normal(seed: int, *keys: object) -> float:
    """A standard normal draw fixed by ``seed`` and ``keys``."""
    u = min(max(unit(seed, *keys), _TINY), 1.0 - _TINY)
    return _STANDARD.inv_cdf(u)


def smooth_normal(seed: int, t_hours: float, knot_hours: float, *keys: object) -> float:
    """A smooth standard-normal-like signal of time: normal draws at knots ``knot_hours`` apart, joined by
    cosine interpolation (continuous, no steps). ``t_hours`` is an absolute time in hours (e.g. since the
    Unix epoch), so the signal is the same whichever interval asks for it."""
    position = t_hours / knot_hours
    k = math.floor(position)
    w = (1.0 - math.cos(math.pi * (position - k))) / 2.0
    a = normal(seed, *keys, k)
    b = normal(seed, *keys, k + 1)
    # Interpolating two independent normals shrinks the variance mid-way; rescale to keep sigma ~ 1.
    return (a * (1.0 - w) + b * w) / math.sqrt((1.0 - w) ** 2 + w**2)
