"""SPARQL: named and ad-hoc queries, the read-only endpoint, and pushing to an external store."""
