"""Reproducible benchmarks: `python -m bench.<name>`."""
