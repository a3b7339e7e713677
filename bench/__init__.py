"""Benchmarks of reporter: speed and scaling, LLM efficiency, detection quality, the seeds' briefing."""
