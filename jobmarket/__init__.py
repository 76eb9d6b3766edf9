"""The composition root: the ``jobmarket`` CLI and ``jobmarket up``. Services never import it."""

import os

# Before anything imports numpy: OpenBLAS reads this when it loads. By default its idle threads spin for
# ~2^28 cycles after every call; in a worker whose model thread shares 2 cores with the stream plumbing,
# the API and the broker, that spinning burnt ~30% of the worker's CPU (bench/freshness.py: 11-12 -> 8 ms
# of CPU per offer at the same throughput; the bare model's rate does not change). 2^4 cycles: they sleep
# at once. An explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
