"""Road distances between communes, computed once per commune pair as a table.

Distance model
--------------
``road_km = haversine_km(a, b) * DETOUR_FACTOR`` with ``DETOUR_FACTOR = 1.3`` (the usual ratio of
road to straight-line distance in rural France). Two people in the same commune are 0 km apart:
the table works at commune level, the engine never sees an address. A commune without
coordinates is infinitely far from every other commune (never reachable).

Travel time by mode (used to turn a range in minutes into kilometres and to print an estimate):
``minutes = MODE_OVERHEAD_MIN[mode] + road_km / MODE_SPEED_KMH[mode] * 60``.

The table covers only the communes in use (the pool's and the offers'): about 3,000 for the Orne
and its six neighbouring départements, i.e. 36 MB of float32. :meth:`CommuneDistances.extend`
adds new communes by computing only the new rows and columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from matching.referentials import CommuneIndex

__all__ = [
    "DETOUR_FACTOR",
    "EARTH_RADIUS_KM",
    "MODE_OVERHEAD_MIN",
    "MODE_SPEED_KMH",
    "CommuneDistances",
    "haversine_km",
    "road_km",
    "travel_minutes",
]

IdArray = npt.NDArray[np.int32]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

EARTH_RADIUS_KM: Final = 6371.0088
DETOUR_FACTOR: Final = 1.3
"""Road kilometres per straight-line kilometre."""

MODE_SPEED_KMH: Final[dict[str, float]] = {
    "voiture": 50.0,
    "deux_roues": 40.0,
    "transport_commun": 25.0,
    "velo": 15.0,
    "marche": 4.5,
}
"""Effective door-to-door speed per travel mode on road kilometres (rural roads for cars;
bus and coach lines with stops and connections for public transport)."""

MODE_OVERHEAD_MIN: Final[dict[str, float]] = {
    "voiture": 0.0,
    "deux_roues": 0.0,
    "transport_commun": 15.0,
    "velo": 0.0,
    "marche": 0.0,
}
"""Fixed minutes per trip on top of the moving time (waiting for the bus or coach)."""

_ROW_BLOCK: Final = 512


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> F64:
    """Great-circle distance in km between points given in degrees (broadcasts), float64."""
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    out: F64 = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def road_km(coords_a: F64, coords_b: F64, *, detour_factor: float = DETOUR_FACTOR) -> F32:
    """Estimated road km, float32, between rows of ``coords_a`` (n, 2) and ``coords_b`` (m, 2).

    Returns shape (n, m); ``inf`` where a coordinate is unknown.
    """
    d = (
        haversine_km(coords_a[:, 0:1], coords_a[:, 1:2], coords_b[None, :, 0], coords_b[None, :, 1])
        * detour_factor
    )
    out = d.astype(np.float32)
    out[np.isnan(out)] = np.inf
    return out


def travel_minutes(distance_km: npt.ArrayLike, mode: str) -> F64:
    """Estimated door-to-door minutes for road distances in a travel mode."""
    d = np.asarray(distance_km, dtype=np.float64)
    out: F64 = MODE_OVERHEAD_MIN[mode] + d / MODE_SPEED_KMH[mode] * 60.0
    return out


@dataclass(frozen=True, eq=False)
class CommuneDistances:
    """Road-distance table over the communes in use.

    Attributes (``m`` communes in use, ``N`` communes in the referential)
    ----------
    commune_ids : int32 (m,), commune ids (:class:`CommuneIndex` row) of the table's rows
    row_of : int32 (N,), table row of each commune id, -1 when not in the table
    km : float32 (m, m), road km between rows (symmetric, 0 on the diagonal)
    coordinates : float64 (N, 2), latitude and longitude of every commune (NaN if unknown)
    names : object (N,), commune names
    detour_factor : float
    """

    commune_ids: IdArray
    row_of: IdArray
    km: F32
    coordinates: F64
    names: npt.NDArray[np.object_]
    detour_factor: float = DETOUR_FACTOR

    @classmethod
    def build(
        cls,
        communes: CommuneIndex,
        commune_ids: npt.ArrayLike,
        *,
        detour_factor: float = DETOUR_FACTOR,
    ) -> CommuneDistances:
        """Table over the distinct ``commune_ids`` (int, :class:`CommuneIndex` rows)."""
        n_all = len(communes.communes)
        empty = cls(
            commune_ids=np.zeros(0, dtype=np.int32),
            row_of=np.full(n_all, -1, dtype=np.int32),
            km=np.zeros((0, 0), dtype=np.float32),
            coordinates=communes.communes[["latitude", "longitude"]].to_numpy(dtype=np.float64),
            names=communes.communes["nom"].to_numpy(dtype=object),
            detour_factor=detour_factor,
        )
        return empty.extend(commune_ids)

    def __len__(self) -> int:
        return int(self.commune_ids.shape[0])

    def extend(self, commune_ids: npt.ArrayLike) -> CommuneDistances:
        """A table that also covers ``commune_ids``; only the new rows and columns are computed.

        Returns ``self`` when every commune is already there. Existing rows keep their number.
        """
        ids = np.unique(np.asarray(commune_ids, dtype=np.int32))
        if ids.size and (ids.min() < 0 or ids.max() >= self.row_of.shape[0]):
            raise ValueError("commune ids outside the commune referential")
        new = ids[self.row_of[ids] < 0]
        if new.size == 0:
            return self
        m_old = len(self)
        all_ids = np.concatenate([self.commune_ids, new]).astype(np.int32)
        m = all_ids.shape[0]
        km = np.empty((m, m), dtype=np.float32)
        km[:m_old, :m_old] = self.km
        new_coords = self.coordinates[new]
        all_coords = self.coordinates[all_ids]
        for start in range(0, new.shape[0], _ROW_BLOCK):
            stop = min(start + _ROW_BLOCK, new.shape[0])
            block = road_km(new_coords[start:stop], all_coords, detour_factor=self.detour_factor)
            km[m_old + start : m_old + stop, :] = block
            km[:, m_old + start : m_old + stop] = block.T
        idx = np.arange(m_old, m)
        km[idx, idx] = np.where(np.isnan(self.coordinates[new, 0]), np.inf, 0.0)
        row_of = self.row_of.copy()
        row_of[all_ids] = np.arange(m, dtype=np.int32)
        return CommuneDistances(
            commune_ids=all_ids,
            row_of=row_of,
            km=km,
            coordinates=self.coordinates,
            names=self.names,
            detour_factor=self.detour_factor,
        )

    def rows(self, commune_ids: npt.ArrayLike) -> IdArray:
        """Table rows of commune ids; ``ValueError`` if one is not in the table."""
        ids = np.asarray(commune_ids, dtype=np.int64)
        rows = self.row_of[ids]
        if (rows < 0).any():
            missing = np.unique(ids[rows < 0])[:10].tolist()
            raise ValueError(f"communes not in the distance table (call extend): {missing}")
        return rows

    def between(self, a: npt.ArrayLike, b: npt.ArrayLike) -> F32:
        """Road km between commune ids ``a`` and ``b`` (broadcast), from the table."""
        out: F32 = self.km[self.rows(a), self.rows(b)]
        return out

    def name(self, commune_id: int) -> str:
        """Name of a commune id."""
        return str(self.names[commune_id])
