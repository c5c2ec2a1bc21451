"""Persons from pairwise links, with stable person ids.

Identifications linked directly or through others are one person (connected components of the accepted links).

Which id a person gets:
- Every identification has an order: its date of identification (else its month), then its identification id.
  A person's *first identification* is its earliest member in that order.
- An existing person id stays with the cluster that holds that person's first identification (among the members
  still present), so adding records never renumbers a person.
- When a cluster holds the first identifications of several existing persons (a new record bridged them), the id
  whose first identification is earliest survives; the others are recorded as merged into it (``merged_into``).
- A cluster that keeps no existing id (all new records, or the part of a person split off by a retrained model)
  gets a new id ``P`` + a counter, clusters taking numbers in the order of their first identification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

ID_PREFIX = "P"
ID_DIGITS = 8

OrderKey = tuple[date, str]


class DisjointSet:
    """Union-find over string keys, with path halving."""

    def __init__(self, nodes: Iterable[str] = ()) -> None:
        self._parent: dict[str, str] = {n: n for n in nodes}

    def add(self, node: str) -> None:
        self._parent.setdefault(node, node)

    def find(self, node: str) -> str:
        parent = self._parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self._parent[rb] = ra

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for node in self._parent:
            out.setdefault(self.find(node), []).append(node)
        return out


def components(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of ``nodes`` under ``edges`` (edges to unknown nodes are ignored)."""
    ds = DisjointSet(nodes)
    known = ds._parent
    for a, b in edges:
        if a in known and b in known:
            ds.union(a, b)
    return list(ds.groups().values())


def format_person_id(number: int) -> str:
    return f"{ID_PREFIX}{number:0{ID_DIGITS}d}"


@dataclass
class Assignment:
    """Person ids for every identification, after one run."""

    person_of: dict[str, str]
    merged: dict[str, str] = field(default_factory=dict)  # old person id -> the id that survived
    new_persons: int = 0
    next_number: int = 1


def assign_ids(
    clusters: Iterable[list[str]],
    order: Mapping[str, OrderKey],
    previous: Mapping[str, str],
    next_number: int = 1,
) -> Assignment:
    """Person ids for ``clusters``, keeping the ids of ``previous`` (identification id -> person id) by the rules above.

    ``order`` gives every identification's order key (date of identification, identification id).
    """
    sorted_clusters = sorted((sorted(c, key=order.__getitem__) for c in clusters if c), key=lambda c: order[c[0]])
    first_of_person: dict[str, str] = {}
    for cluster in sorted_clusters:
        for member in cluster:
            pid = previous.get(member)
            if pid is not None:
                current = first_of_person.get(pid)
                if current is None or order[member] < order[current]:
                    first_of_person[pid] = member
    holder: dict[str, list[str]] = {}
    for pid, member in first_of_person.items():
        holder.setdefault(member, []).append(pid)

    result = Assignment(person_of={}, next_number=next_number)
    for cluster in sorted_clusters:
        kept = [pid for member in cluster for pid in holder.get(member, ())]  # in order of first identification
        if kept:
            survivor = kept[0]
            for other in kept[1:]:
                result.merged[other] = survivor
        else:
            survivor = format_person_id(result.next_number)
            result.next_number += 1
            result.new_persons += 1
        for member in cluster:
            result.person_of[member] = survivor
    return result


def resolve_merges(merged: Mapping[str, str]) -> dict[str, str]:
    """Each merged id to the id it finally lives on as, following chains (A into B, later B into C: A -> C)."""
    out = {}
    for start in merged:
        seen = {start}
        target = merged[start]
        while target in merged and target not in seen:
            seen.add(target)
            target = merged[target]
        out[start] = target
    return out
