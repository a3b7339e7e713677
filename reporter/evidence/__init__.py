"""The deterministic evidence engine: structure, alignment and detectors (no LLM)."""
