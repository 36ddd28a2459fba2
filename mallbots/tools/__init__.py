"""Tools that stand on the whole mall: the simulator (demo data, load) and the benchmarks. Not
installed in production settings."""
