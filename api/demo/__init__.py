"""Generated demo data: a register, a reference corpus with planted copying, an expert pool and
simulated reviews. Used by `spotcheck demo`, the benchmarks and the tests; never by a real spot
check, so none of it is part of the domain packages' public surface."""
