"""LLM mode: prompt templates, layered model access (replay, cache, record, live), summaries and brief."""
