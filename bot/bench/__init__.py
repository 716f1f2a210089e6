"""Benchmarks with fixed workloads: `yume bench …` prints the numbers."""
