"""Benchmark tools: data seeding, a bare Flask baseline, the wrk driver and its table."""
