# Benchmark scenarios: every module here is discovered by bench/harness.py (see its docstring).
