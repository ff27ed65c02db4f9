"""labwatch's benchmarks: `python -m benchmarks.run` (or `make bench`); see docs/benchmarks.md.

Not part of the package labwatch installs; the smoke test (tests/test_bench_smoke.py) runs
the whole benchmark at tiny sizes so it never rots.
"""
