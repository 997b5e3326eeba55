"""Benchmarks and synthetic corpora for newsgen: run as modules, never imported by a build."""
