"""cadretrain benchmark suite: `python -m benchmarks run --scale S --db sqlite` (see README.md).

Every workload times the product path ("app") interleaved with an in-run limit on the same data
("limit") and reports the median per-pair ratio app/limit; see benchmarks/workloads/__init__.py
for the module protocol and reference/performance.md §4 for the design."""
