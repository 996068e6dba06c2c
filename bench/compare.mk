# bench-compare: side-by-side benchmarks (bench/compare/)
