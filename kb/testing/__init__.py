"""Synthetic data the tests and benchmarks share."""
