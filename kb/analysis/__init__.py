"""Readers of the stored graph: the projection, candidate paths, conflicts and independence."""
