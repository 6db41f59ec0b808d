"""Measuring the pipeline and its parts: metrics over datasets, strategy comparisons."""
