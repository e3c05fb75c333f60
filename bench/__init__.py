"""Alur's benchmarks: run ``python -m bench.throughput`` (``make bench``)."""
