"""What `scripthub serve` tells its spawned workers through their environment, named where
both the master, which imports little, and the workers can read it."""

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
"""Where the workers write their metrics, which every worker's `/metrics` adds up
(prometheus_client's multiprocess mode reads this variable when it is imported)."""
