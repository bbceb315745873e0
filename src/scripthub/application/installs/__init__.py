"""Installs: folding the counts recorded on the hot path into the scripts' totals."""
