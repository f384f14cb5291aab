"""Benchmarks (`make bench`): each module here exposes `run(env) -> dict[str, float]`; figures are
printed as JSON lines and written to bench/results.json. Benchmarks measure; they never assert."""
