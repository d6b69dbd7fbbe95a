"""The finding rules' data, read from the ontology: weights, factors, ranks and labels.

Nothing here is a constant: every number and word comes from ``ontology/evidence.ttl`` (the
``ev:weight``, ``ev:defaultWeight``, ``ev:rank``, ``rdfs:label`` and ``ev:pluralLabel`` of the
concepts of ``ev:EvidenceTypes``, ``ev:FindingKinds`` and ``ev:OriginKinds``), so changing a rule
is a change of data. See ``docs/conflicts.md``.
"""

from __future__ import annotations

from functools import cache

import rdflib

from kb.model.terms import EV, RDFS, ev, ontology

__all__ = ["Concept", "concepts", "count_phrase", "default_weight", "independence_phrase"]


class Concept:
    """One concept of a rule scheme: its authoring code, weight, rank and labels."""

    __slots__ = ("code", "iri", "label", "plural", "rank", "weight")

    def __init__(self, iri: str, code: str, weight: float | None, rank: int, label: str, plural: str):
        self.iri, self.code, self.weight, self.rank, self.label, self.plural = (
            iri, code, weight, rank, label, plural)


@cache
def concepts(scheme: str) -> dict[str, Concept]:
    """Code -> :class:`Concept` for the concepts of ``ev:<scheme>``, in rank order."""
    g = ontology()
    out = []
    for c in g.subjects(rdflib.SKOS.inScheme, rdflib.URIRef(ev(scheme))):
        code = g.value(c, EV.code)
        if code is None:
            continue
        w, r = g.value(c, EV.weight), g.value(c, EV.rank)
        label = str(g.value(c, RDFS.label) or code)
        out.append(Concept(str(c), str(code), float(w) if w is not None else None,
                           int(r) if r is not None else 0, label, str(g.value(c, EV.pluralLabel) or label)))
    out.sort(key=lambda x: (x.rank, x.code))
    return {x.code: x for x in out}


@cache
def default_weight(scheme: str) -> float:
    """The ``ev:defaultWeight`` of a scheme (for concepts without an ``ev:weight``)."""
    w = ontology().value(rdflib.URIRef(ev(scheme)), EV.defaultWeight)
    if w is None:
        raise KeyError(f"ev:{scheme} has no ev:defaultWeight in ontology/evidence.ttl")
    return float(w)


def weight(scheme: str, code: str) -> float:
    """The weight of a concept of ``scheme``, or the scheme's default weight."""
    c = concepts(scheme).get(code)
    return c.weight if c is not None and c.weight is not None else default_weight(scheme)


def count_phrase(n: int, scheme: str, code: str) -> str:
    """"1 independent publisher", "2 sources of unknown origin": the labels are the ontology's."""
    c = concepts(scheme)[code]
    return f"{n} {c.label if n == 1 else c.plural}"


def independence_phrase(independent: int, unknown: int) -> str:
    """How every output states who stands behind a finding: the count of independent publishers,
    and beside it (never merged into it) the sources of unknown origin, when there are any."""
    text = count_phrase(independent, "OriginKinds", "known")
    if unknown:
        text += ", " + count_phrase(unknown, "OriginKinds", "unknown")
    return text


@cache
def default_challenge(stance: str) -> str | None:
    """The code of what a claim of ``stance`` challenges when it names nothing (``ev:defaultChallenge``)."""
    g = ontology()
    stance_iri = next((c for c in g.subjects(EV.code, rdflib.Literal(stance))
                       if (c, rdflib.SKOS.inScheme, rdflib.URIRef(ev("Stances"))) in g), None)
    target = g.value(stance_iri, EV.defaultChallenge) if stance_iri is not None else None
    code = g.value(target, EV.code) if target is not None else None
    return str(code) if code is not None else None


@cache
def contradicted_by(challenge: str) -> str:
    """The ``ev:ContradictionRules`` code of what can conflict with a challenge: ``documentation``,
    ``attribution`` (only documentation attributing the act to the claimant's side) or ``none``."""
    g = ontology()
    c = concepts("Challenges")[challenge]
    rule = g.value(rdflib.URIRef(c.iri), EV.contradictedBy)
    code = g.value(rule, EV.code) if rule is not None else None
    if code is None:
        raise KeyError(f"ev:Challenges concept {challenge!r} has no ev:contradictedBy "
                       "in ontology/evidence.ttl")
    return str(code)
