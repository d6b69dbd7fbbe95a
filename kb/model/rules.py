"""The finding rules' data, read from the ontology: weights, factors, ranks and labels.

Nothing here is a constant: every number and word comes from ``ontology/evidence.ttl`` (the
``ev:weight``, ``ev:defaultWeight``, ``ev:rank``, ``rdfs:label`` and ``ev:pluralLabel`` of the
concepts of ``ev:EvidenceTypes``, ``ev:FindingKinds`` and ``ev:OriginKinds``), so changing a rule
is a change of data. See ``docs/conflicts.md``.
"""

from __future__ import annotations

from functools import cache

import rdflib

from kb.model.terms import EV, RDF, RDFS, SKOS, ontology

__all__ = ["Concept", "asserting_stances", "challenging_stances", "concepts", "contradicted_by",
           "count_phrase", "default_challenge", "default_code", "default_grade", "default_weight",
           "independence_phrase", "scheme", "stance_words", "weight"]


@cache
def scheme(name: str) -> rdflib.URIRef:
    """The IRI of the concept scheme ``ev:<name>``, failing if the ontology declares no such scheme."""
    iri = EV[name]
    if (iri, RDF.type, SKOS.ConceptScheme) not in ontology():
        raise KeyError(f"ev:{name} is not a concept scheme in ontology/evidence.ttl")
    return iri


class Concept:
    """One concept of a rule scheme: its authoring code, weight, rank and labels."""

    __slots__ = ("code", "iri", "label", "plural", "rank", "weight")  # weight: own, else ev:sameWeightAs

    def __init__(self, iri: str, code: str, weight: float | None, rank: int, label: str, plural: str):
        self.iri, self.code, self.weight, self.rank, self.label, self.plural = (
            iri, code, weight, rank, label, plural)


@cache
def concepts(name: str) -> dict[str, Concept]:
    """Code -> :class:`Concept` for the concepts of ``ev:<name>``, in rank order."""
    g = ontology()
    out = []
    for c in g.subjects(SKOS.inScheme, scheme(name)):
        code = g.value(c, EV.code)
        if code is None:
            continue
        w, r = g.value(c, EV.weight), g.value(c, EV.rank)
        if w is None and (same := g.value(c, EV.sameWeightAs)) is not None:
            w = g.value(same, EV.weight)  # e.g. credibility 1 weighs as 2 (the corroboration is counted once)
        label = str(g.value(c, RDFS.label) or code)
        out.append(Concept(str(c), str(code), float(w) if w is not None else None,
                           int(r) if r is not None else 0, label, str(g.value(c, EV.pluralLabel) or label)))
    out.sort(key=lambda x: (x.rank, x.code))
    return {x.code: x for x in out}


@cache
def default_weight(name: str) -> float:
    """The ``ev:defaultWeight`` of a scheme (for concepts without an ``ev:weight``)."""
    w = ontology().value(scheme(name), EV.defaultWeight)
    if w is None:
        raise KeyError(f"ev:{name} has no ev:defaultWeight in ontology/evidence.ttl")
    return float(w)


@cache
def default_code(name: str) -> str:
    """The code of the concept of ``ev:<name>`` whose weight is the scheme's default weight and
    which ranks first (ev:KnownBy: "content")."""
    w = default_weight(name)
    return next(code for code, c in concepts(name).items() if c.weight == w)


@cache
def default_grade(name: str) -> str:
    """The code of the ``ev:defaultGrade`` of a grading scheme (F, 6: "cannot be judged")."""
    g = ontology()
    code = g.value(g.value(scheme(name), EV.defaultGrade), EV.code)
    if code is None:
        raise KeyError(f"ev:{name} has no ev:defaultGrade in ontology/evidence.ttl")
    return str(code)


def weight(name: str, code: str) -> float:
    """The weight of a concept of the scheme ``ev:<name>``, or the scheme's default weight."""
    c = concepts(name).get(code)
    return c.weight if c is not None and c.weight is not None else default_weight(name)


def count_phrase(n: int, name: str, code: str) -> str:
    """"1 independent publisher", "2 sources of unknown origin": the labels are the ontology's."""
    c = concepts(name)[code]
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
    c = concepts("Stances").get(stance)
    target = g.value(rdflib.URIRef(c.iri), EV.defaultChallenge) if c is not None else None
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


@cache
def challenging_stances() -> tuple[str, ...]:
    """The codes of the stances whose claims challenge what they are about (``ev:challenging true``:
    denies, disputes), in rank order; the conflict engine starts from their claims."""
    g = ontology()
    return tuple(code for code, c in concepts("Stances").items()
                 if g.value(rdflib.URIRef(c.iri), EV.challenging, default=rdflib.Literal(False)).toPython())


@cache
def asserting_stances() -> tuple[str, ...]:
    """The codes of the other stances (asserts): a claim of one asserts what it is about."""
    return tuple(code for code in concepts("Stances") if code not in challenging_stances())


@cache
def stance_words(stance: str) -> tuple[str, str]:
    """The noun and the past participle of a challenging stance in finding sentences
    (``ev:nounLabel``, ``ev:pastLabel``: "denial", "denied")."""
    g = ontology()
    iri = rdflib.URIRef(concepts("Stances")[stance].iri)
    noun, past = g.value(iri, EV.nounLabel), g.value(iri, EV.pastLabel)
    if noun is None or past is None:
        raise KeyError(f"ev:Stances concept {stance!r} has no ev:nounLabel or ev:pastLabel "
                       "in ontology/evidence.ttl")
    return str(noun), str(past)
