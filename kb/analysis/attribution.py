"""Attribution from incident data, recorded neutrally as the dataset's coding.

An incident dataset (ACLED-layout) codes who carried out an act: for one-sided acts — the kinds
the ontology marks with ``ev:attributedRole`` (shelling, air strikes, attacks on civilians; their
narrower kinds too), never battles, which have two parties — the actor in that role (ACLED
``actor1``, ``ev:firstActor``) is the actor *the dataset attributes the act to*. That is the
dataset's coding, not this knowledge base's finding.

The outlets a row cites are its documentation; they are known here only through the dataset's
coding, so :func:`add_coded_attribution` marks each documentation of such an event, in the
projected graph, as second-hand: ``via`` the dataset (its weight capped as for any second-hand
documentation, and counted as distinct publishers only as far as the outlets are distinctly
named), ``attributes_to`` the coded actor where the kind carries an attribution, and its
``chain`` says "known through <dataset>'s coding". A denial of responsibility then meets it under
the conflict engine's rules (:mod:`kb.analysis.conflicts`: a responsibility challenge is met only
by documentation attributing the act to the claimant's side). Known limit: outlets often carry
one wire report, which the dataset's source column does not show.

An event is taken as coded by a dataset when its place is coded by one (``ev:codedBy``, the
admin chain an ACLED-layout import writes); documentation the author wrote with its own
``attributes_to`` or ``via`` is left as written.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import networkx as nx
import rdflib

from kb.model.authoring import field
from kb.model.graphs import scope
from kb.model.terms import EV, SKOS, ontology
from kb.sparql.endpoint import Endpoint


@cache
def attributed_roles() -> dict[str, str]:
    """Event kind (concept IRI) -> the role property whose actor the kind's coding attributes the
    act to: the kind's own ``ev:attributedRole``, else the nearest broader kind's."""
    g = ontology()
    out: dict[str, str] = {}
    kinds = {s for s in g.subjects(SKOS.inScheme, None)}
    for k in kinds:
        seen, todo = set(), [k]
        while todo:
            c = todo.pop(0)
            role = g.value(c, EV.attributedRole)
            if role is not None:
                out[str(k)] = str(role)
                break
            for p in (SKOS.broader, SKOS.broadMatch):
                for b in g.objects(c, p):
                    if b not in seen and isinstance(b, rdflib.URIRef):
                        seen.add(b)
                        todo.append(b)
    return out


def _query() -> str:
    kinds = [*field("events", "kind").properties, str(EV.eventType), str(EV.subEventType)]
    place = field("events", "place").properties[0]
    return f"""SELECT ?e ?ds ?kind WHERE {{
        GRAPH ?g {{ ?e <{place}> ?p . ?p <{EV.codedBy}> ?ds }} {scope()}
        OPTIONAL {{ VALUES ?kp {{ {" ".join(f"<{k}>" for k in kinds)} }} GRAPH ?h {{ ?e ?kp ?kind }} }} }}"""


def _roles_query(roles: set[str]) -> str:
    return f"""SELECT ?e ?role ?actor WHERE {{ VALUES ?role {{ {" ".join(f"<{r}>" for r in sorted(roles))} }}
        GRAPH ?g {{ ?e ?role ?actor }} {scope()} }}"""


def coded_attributions(endpoint: Endpoint) -> dict[str, tuple[str, list[str]]]:
    """Event -> (the dataset that codes it, the actors it attributes the act to; empty for kinds
    that carry no attribution)."""
    roles = attributed_roles()
    coded: dict[str, str] = {}
    wanted: dict[str, set[str]] = defaultdict(set)
    for r in endpoint.select(_query()):
        coded.setdefault(r["e"], r["ds"])
        if r.get("kind") in roles:
            wanted[r["e"]].add(roles[r["kind"]])
    out = {e: (ds, []) for e, ds in coded.items()}
    if wanted:
        for r in endpoint.select(_roles_query({x for v in wanted.values() for x in v})):
            if r["role"] in wanted.get(r["e"], ()) and r["actor"] not in out[r["e"]][1]:
                out[r["e"]][1].append(r["actor"])
    for _ds, actors in out.values():
        actors.sort()
    return out


def add_coded_attribution(g: nx.MultiDiGraph, endpoint: Endpoint) -> None:
    """Mark the documentation of dataset-coded events in ``g`` as known through the dataset's
    coding, attributing the act as the dataset does (see the module's docstring)."""
    for e, (ds, actors) in coded_attributions(endpoint).items():
        if e not in g or ds not in g:
            continue
        name = g.nodes[ds].get("label") or g.nodes[ds].get("id", ds)
        held = [a for a in actors if a in g]
        who = ", ".join(g.nodes[a].get("label", a) for a in held)
        for _u, v, key, data in g.out_edges(e, keys=True, data=True):
            own = data.get("via") or data.get("attributes_to")  # as the author wrote it
            if not key.startswith("documented_by:") or v == ds or own:
                continue
            data["via"] = [ds]
            data["coded_by"] = ds
            if held:
                data["attributes_to"] = held
            data["chain"] = (f"known through {name}'s coding"
                             + (f", which attributes it to {who}" if who else "")
                             + "; the outlet's own report not examined here")
