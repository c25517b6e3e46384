"""Benchmarks of the github-billing pipeline (`make bench`): ratios against in-run baselines."""
