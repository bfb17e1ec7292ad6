"""diffc benchmarks: workloads, hand-written baselines, peer adapters and the runner.

Run ``python -m benchmarks.run`` (see benchmarks/README.md). This package
deliberately imports nothing here: ``benchmarks.run`` must set the BLAS/OpenMP
thread variables before numpy is first imported.
"""
