"""Load benchmark of the platform (`make bench`, docs/benchmarks.md)."""
