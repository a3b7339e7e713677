"""Model names: which part of `--model` names a LangChain provider, and which is the server's model name.

Ollama names models `name:tag` (`qwen3:8b`, `gemma3:4b`, `llama3.1:8b`), which looks like LangChain's
`provider:model`. Only LangChain's documented `init_chat_model` providers count as a prefix, and only when
no base URL is set: with `--base-url` every name belongs to that server (an `openai:` prefix is dropped).
Imports nothing heavy, so configuration and planning can use it.
"""

from __future__ import annotations

DEFAULT_MODEL = "gpt-4o-mini"
LANGCHAIN_PROVIDERS = frozenset({
    "openai", "anthropic", "azure_openai", "azure_ai", "google_vertexai", "google_genai", "bedrock",
    "bedrock_converse", "cohere", "fireworks", "together", "mistralai", "huggingface", "groq", "ollama",
    "google_anthropic_vertex", "deepseek", "ibm", "nvidia", "xai", "perplexity",
})


def split_model(name: str, base_url: str | None = None) -> tuple[str, str]:
    """`provider:model` -> (provider, model) only for a LangChain provider and no custom server; else
    ("openai", name)."""
    provider, sep, model = name.partition(":")
    if sep and provider == "openai" and model:
        return "openai", model
    if sep and provider in LANGCHAIN_PROVIDERS and model and base_url is None:
        return provider, model
    return "openai", name
