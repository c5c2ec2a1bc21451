"""Persons from links, and the rules that keep person ids stable."""

from __future__ import annotations

import datetime as dt

from msdw.linkage.clusters import assign_ids, components, format_person_id, resolve_merges


def _order(*ids: str) -> dict[str, tuple[dt.date, str]]:
    """Identifications in the order given, a day apart."""
    start = dt.date(2019, 1, 1)
    return {iid: (start + dt.timedelta(days=i), iid) for i, iid in enumerate(ids)}


def _groups(clusters: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(c) for c in clusters}


def test_components_join_records_linked_directly_or_through_others():
    clusters = components(["a", "b", "c", "d", "e"], [("a", "b"), ("b", "c"), ("x", "d")])
    assert _groups(clusters) == {frozenset("abc"), frozenset("d"), frozenset("e")}


def test_new_clusters_are_numbered_in_order_of_first_identification():
    order = _order("b1", "a1", "a2", "c1")
    result = assign_ids([["a1", "a2"], ["c1"], ["b1"]], order, previous={})
    assert result.person_of == {
        "b1": format_person_id(1),
        "a1": format_person_id(2),
        "a2": format_person_id(2),
        "c1": format_person_id(3),
    }
    assert result.new_persons == 3
    assert result.next_number == 4


def test_adding_records_never_renumbers_existing_persons():
    order = _order("a1", "b1", "a2", "n1")
    previous = {"a1": "P00000007", "b1": "P00000003"}
    result = assign_ids([["a1", "a2"], ["b1"], ["n1"]], order, previous, next_number=8)
    assert result.person_of == {"a1": "P00000007", "a2": "P00000007", "b1": "P00000003", "n1": "P00000008"}
    assert result.merged == {}
    assert result.new_persons == 1


def test_when_a_new_record_bridges_two_persons_the_earliest_first_identification_keeps_its_id():
    order = _order("b1", "a1", "bridge")
    previous = {"a1": "P00000001", "b1": "P00000002"}  # b1 was identified first, though its id is higher
    result = assign_ids([["a1", "b1", "bridge"]], order, previous, next_number=3)
    assert set(result.person_of.values()) == {"P00000002"}
    assert result.merged == {"P00000001": "P00000002"}
    assert result.new_persons == 0


def test_a_split_person_keeps_its_id_with_its_first_identification():
    order = _order("a1", "a2", "a3")
    previous = {"a1": "P00000001", "a2": "P00000001", "a3": "P00000001"}
    result = assign_ids([["a2", "a3"], ["a1"]], order, previous, next_number=2)
    assert result.person_of["a1"] == "P00000001"
    assert result.person_of["a2"] == result.person_of["a3"] == "P00000002"


def test_merge_chains_resolve_to_the_id_that_survives():
    assert resolve_merges({"P1": "P2", "P2": "P3", "P4": "P3"}) == {"P1": "P3", "P2": "P3", "P4": "P3"}
