"""Emulations of real OpenAI-compatible servers for `FakeOpenAI(profile=...)`: their models, native
endpoints, error bodies and refusals, each taken from the server's documentation or an issue thread
cited beside it. The answers themselves still come from the fake's responder (authored, not model output);
a profile only decides what the server refuses, how it words and shapes errors, and how the model wraps
its answer (prose and fences, a reasoning block, tool-call arguments).

    with FakeOpenAI(responder=authored_model, profile=PROFILES["ollama"]()) as fake: ...

Every profile has `natural_model`: the name a user of that server would type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fake_openai import ChatCall, Reply


def _json(status: int, body: Any, content_type: str = "application/json") -> Reply:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Reply(status=status, error_raw=raw, content_type=content_type)


def _tokens(call: ChatCall) -> int:
    return len(call.text) // 4 + 8 * len(call.messages)


@dataclass
class ServerProfile:
    """One server's behaviour; subclasses override the hooks."""

    name: str
    natural_model: str
    models: list[str]
    context_window: int | None = None  # what the server enforces (requests over it are recorded in `over`)
    tool_arguments_as_object: bool = False
    over: list[int] = field(default_factory=list)  # prompt sizes of requests that exceeded the window

    # -- hooks

    def listing(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1_700_000_000,
                                            "owned_by": "organization-owner"} for m in self.models]}

    def native(self, call: ChatCall, path: str) -> tuple[int, Any] | None:  # noqa: ARG002
        """Answer a native endpoint (path without query), or None for "no such route"."""
        return None

    def refuse(self, call: ChatCall) -> Reply | None:
        """The server's refusal of this chat request, or None to answer it."""
        if call.model not in self.models:
            return self.model_not_found(call)
        if self.context_window and _tokens(call) > self.context_window:
            self.over.append(_tokens(call))
            return self.too_long(call)
        return self.refuse_format(call)

    def refuse_format(self, call: ChatCall) -> Reply | None:  # noqa: ARG002
        return None

    def model_not_found(self, call: ChatCall) -> Reply:
        return _json(404, {"error": {"message": f"The model `{call.model}` does not exist.",
                                     "type": "invalid_request_error", "param": None, "code": "model_not_found"}})

    def too_long(self, call: ChatCall) -> Reply:
        return _json(400, {"error": {"message": "context too long", "type": "invalid_request_error"}})

    def shape(self, call: ChatCall, reply: Reply) -> Reply:  # noqa: ARG002
        """How the model wraps its answer."""
        return reply

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        kind = {429: "rate_limit_exceeded", 400: "invalid_request_error"}.get(status, "server_error")
        body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
        return json.dumps(body).encode(), "application/json"

    def route(self, call: ChatCall) -> tuple[int, Any] | None:
        path = call.path.split("?")[0].rstrip("/")
        if call.method == "GET" and path.endswith("/v1/models"):
            return 200, self.listing()
        if path.endswith("/chat/completions"):
            return None
        return self.native(call, path)


class OpenAIReasoning(ServerProfile):
    """OpenAI with a reasoning model (o4-mini, gpt-5-mini). Exact 400 bodies from issue threads:
    temperature: gabrii/Cursor-Azure-GPT-5#33, OpenHands/OpenHands#4131 ("Unsupported value: 'temperature'
    does not support 0 with this model. Only the default (1) value is supported.", param temperature, code
    unsupported_value); max_tokens: griptape-ai/ComfyUI-Griptape#312, ITSpecialist111/ai_automation_suggester#38
    ("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'
    instead.", code unsupported_parameter). `reasoners` lists deployments that behave so whatever their name
    (an Azure deployment is named by its owner)."""

    def __init__(self, natural_model: str = "o4-mini", reasoners: tuple[str, ...] = ()) -> None:
        super().__init__("openai-reasoning", natural_model, ["gpt-4o-mini", "o4-mini", "gpt-5-mini", *reasoners])
        self.reasoners = {"o4-mini", "gpt-5-mini", *reasoners}

    def listing(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1_700_000_000,
                                            "owned_by": "system"} for m in self.models]}

    def refuse_format(self, call: ChatCall) -> Reply | None:
        if call.model not in self.reasoners:
            return None
        temperature = call.body.get("temperature")
        if temperature is not None and temperature != 1:
            return _json(400, {"error": {
                "message": f"Unsupported value: 'temperature' does not support {temperature} with this model. "
                           "Only the default (1) value is supported.",
                "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}})
        if "max_tokens" in call.body:
            return _json(400, {"error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                           "Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}})
        return None


class Ollama(ServerProfile):
    """Ollama's OpenAI-compatible /v1. Model names are name:tag. Unknown model: 404 {"error": {"message":
    "model \\"x\\" not found, try pulling it first", "type": "api_error"}} (netease-youdao/QAnything#555).
    `POST /api/show` gives model_info `<arch>.context_length` and the Modelfile's parameters; /v1 runs at
    num_ctx (4096 by default in current releases) and silently truncates longer prompts (ollama/ollama#5902,
    #4447; ralphgrewe/TradingAgents#168): here such a request is recorded in `over`."""

    def __init__(self, natural_model: str = "qwen3:8b") -> None:
        super().__init__("ollama", natural_model, [natural_model, "gemma3:4b", "llama3.1:8b"],
                         context_window=4096)

    def listing(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1_700_000_000,
                                            "owned_by": "library"} for m in self.models]}

    def native(self, call: ChatCall, path: str) -> tuple[int, Any] | None:
        if call.method == "POST" and path.endswith("/api/show"):
            name = (call.body or {}).get("model") or (call.body or {}).get("name")
            if name not in self.models:
                return 404, f"model '{name}' not found"
            arch = name.split(":")[0].rstrip("0123456789.") or "llama"
            return 200, {"modelfile": f"FROM {name}\n", "parameters": "temperature 0.6\ntop_k 20\ntop_p 0.95",
                         "details": {"format": "gguf", "family": arch, "parameter_size": "8.2B"},
                         "model_info": {"general.architecture": arch, f"{arch}.context_length": 40960},
                         "capabilities": ["completion", "tools"]}
        return None

    def model_not_found(self, call: ChatCall) -> Reply:
        return _json(404, {"error": {"message": f'model "{call.model}" not found, try pulling it first',
                                     "type": "api_error", "param": None, "code": None}})

    def too_long(self, call: ChatCall) -> Reply | None:  # type: ignore[override]
        return None  # Ollama truncates silently and answers anyway

    def refuse(self, call: ChatCall) -> Reply | None:
        refused = super().refuse(call)
        return refused

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        return json.dumps({"error": {"message": message, "type": "api_error", "param": None,
                                     "code": None}}).encode(), "application/json"


class VLLM(ServerProfile):
    """vLLM's OpenAI server. /v1/models entries carry `max_model_len`; errors are {"object": "error",
    "message", "type": "BadRequestError", "param", "code": 400} (vllm-project/vllm#4667); over the window:
    "This model's maximum context length is N tokens. However, you requested M tokens (X in the messages, Y
    in the completion). Please reduce the length of the messages or completion." (vllm-project/vllm#20409)."""

    def __init__(self, natural_model: str = "Qwen/Qwen2.5-7B-Instruct", max_model_len: int = 32768) -> None:
        super().__init__("vllm", natural_model, [natural_model], context_window=max_model_len)
        self.max_model_len = max_model_len  # what /v1/models says (`context_window` is what is enforced)

    def listing(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "vllm",
                                            "root": m, "parent": None, "max_model_len": self.max_model_len}
                                           for m in self.models]}

    def model_not_found(self, call: ChatCall) -> Reply:
        return _json(404, {"object": "error", "message": f"The model `{call.model}` does not exist.",
                           "type": "NotFoundError", "param": None, "code": 404})

    def too_long(self, call: ChatCall) -> Reply:
        asked = _tokens(call)
        return _json(400, {"object": "error", "message": f"This model's maximum context length is "
                           f"{self.context_window} tokens. However, you requested {asked} tokens ({asked} in the "
                           "messages, 0 in the completion). Please reduce the length of the messages or completion.",
                           "type": "BadRequestError", "param": None, "code": 400})

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        return json.dumps({"object": "error", "message": message, "type": "BadRequestError", "param": None,
                           "code": status}).encode(), "application/json"


class LMStudio(ServerProfile):
    """LM Studio. Refuses OpenAI's json_object: 400 {"error": "'response_format.type' must be 'json_schema'
    or 'text'"} (LoadShine/tada#16; webai-at-home/webai-at-home#219, LM Studio 0.4.20), takes json_schema.
    `GET /api/v0/models` gives `max_context_length` and, when loaded, `loaded_context_length`."""

    def __init__(self, natural_model: str = "qwen2.5-7b-instruct", loaded_context: int = 8192) -> None:
        super().__init__("lmstudio", natural_model, [natural_model, "text-embedding-nomic-embed-text-v1.5"],
                         context_window=loaded_context)

    def native(self, call: ChatCall, path: str) -> tuple[int, Any] | None:
        if call.method == "GET" and path.endswith("/api/v0/models"):
            return 200, {"object": "list", "data": [
                {"id": self.natural_model, "object": "model", "type": "llm", "publisher": "lmstudio-community",
                 "arch": "qwen2", "state": "loaded", "max_context_length": 32768,
                 "loaded_context_length": self.context_window},
                {"id": self.models[1], "object": "model", "type": "embeddings", "state": "not-loaded",
                 "max_context_length": 2048}]}
        return None

    def refuse_format(self, call: ChatCall) -> Reply | None:
        kind = (call.response_format or {}).get("type")
        if kind is not None and kind not in ("json_schema", "text"):
            return _json(400, {"error": "'response_format.type' must be 'json_schema' or 'text'"})
        return None

    def model_not_found(self, call: ChatCall) -> Reply:
        return _json(404, {"error": f"Model '{call.model}' not found. Please load it first."})

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        return json.dumps({"error": message}).encode(), "application/json"


class TGI(ServerProfile):
    """Hugging Face text-generation-inference. Its response_format is {"type": "json_object" | "json_schema",
    "value": schema}: OpenAI's shapes fail deserialisation with a plain-text 422 "Failed to deserialize the
    JSON body into the target type: response_format: missing field `value` at line 1 column N"
    (huggingface/text-generation-inference#2899; the OpenAI shape is PR #3276, unmerged). Tools work, with
    the arguments sent as a JSON object rather than a string (TGI's ToolCall serialises them as a value).
    Any model name is accepted ("tgi" in its docs); `/info` gives max_input_tokens / max_total_tokens."""

    def __init__(self, natural_model: str = "tgi", served: str = "meta-llama/Llama-3.1-8B-Instruct") -> None:
        super().__init__("tgi", natural_model, [served], context_window=8192, tool_arguments_as_object=True)

    def native(self, call: ChatCall, path: str) -> tuple[int, Any] | None:
        if call.method == "GET" and path.endswith("/info"):
            return 200, {"model_id": self.models[0], "model_dtype": "torch.float16", "max_input_tokens": 8191,
                         "max_total_tokens": self.context_window, "max_concurrent_requests": 128,
                         "version": "3.0.1"}
        return None

    def refuse(self, call: ChatCall) -> Reply | None:
        if self.context_window and _tokens(call) > self.context_window:
            self.over.append(_tokens(call))
            return _json(422, {"error": f"Input validation error: `inputs` tokens + `max_new_tokens` must be <= "
                                        f"{self.context_window}. Given: {_tokens(call)} `inputs` tokens",
                               "error_type": "validation"})
        fmt = call.response_format
        if fmt is not None and "value" not in fmt:
            column = len(call.raw) - 10
            return _json(422, "Failed to deserialize the JSON body into the target type: response_format: "
                              f"missing field `value` at line 1 column {column}", "text/plain; charset=utf-8")
        return None

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        return json.dumps({"error": message, "error_type": "generation"}).encode(), "application/json"


class LlamaCpp(ServerProfile):
    """llama.cpp's llama-server. `/props` gives `default_generation_settings.n_ctx` (the -c it runs with);
    errors are {"error": {"code", "message", "type"}}; over the context: 400 "the request exceeds the available
    context size, try increasing it" (type exceed_context_size_error)."""

    def __init__(self, natural_model: str = "gemma-3-4b-it-Q4_K_M.gguf", n_ctx: int = 8192) -> None:
        super().__init__("llama.cpp", natural_model, [natural_model], context_window=n_ctx)

    def listing(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 1_700_000_000,
                                            "owned_by": "llamacpp", "meta": {"n_ctx_train": 131072}}
                                           for m in self.models]}

    def native(self, call: ChatCall, path: str) -> tuple[int, Any] | None:
        if call.method == "GET" and path.endswith("/props"):
            return 200, {"default_generation_settings": {"n_ctx": self.context_window, "temperature": 0.8},
                         "total_slots": 1, "model_path": f"/models/{self.natural_model}",
                         "chat_template": "{{ messages }}"}
        return None

    def refuse(self, call: ChatCall) -> Reply | None:
        # llama-server serves its one model whatever name the request carries.
        if self.context_window and _tokens(call) > self.context_window:
            self.over.append(_tokens(call))
            return _json(400, {"error": {"code": 400, "message": "the request exceeds the available context size, "
                                         "try increasing it", "type": "exceed_context_size_error",
                                         "n_prompt_tokens": _tokens(call), "n_ctx": self.context_window}})
        return None

    def error_body(self, status: int, message: str) -> tuple[bytes, str]:
        return json.dumps({"error": {"code": status, "message": message, "type": "server_error"}}).encode(), \
            "application/json"


class Chatty(Ollama):
    """A model that ignores the requested format and wraps its JSON in prose and a Markdown fence (as LM
    Studio's /v1/responses did with json_schema: lmstudio-ai/lmstudio-bug-tracker#2403, "```json {}```"),
    served by Ollama."""

    def __init__(self, natural_model: str = "mistral:7b") -> None:
        super().__init__(natural_model)
        self.name = "chatty"

    def shape(self, call: ChatCall, reply: Reply) -> Reply:
        if reply.text is not None and reply.status == 200:
            reply.text = (f"Sure! Here is the JSON you asked for:\n\n```json\n{reply.text}\n```\n\n"
                          "Let me know if you need anything else.")
        return reply


class Think(VLLM):
    """A reasoning distill served by vLLM without `--reasoning-parser`: the reasoning arrives in `content`
    before the answer, and the chat template opens `<think>` itself so only `</think>` appears
    (vllm-project/vllm#13125, deepseek-ai/DeepSeek-R1#352)."""

    def __init__(self, natural_model: str = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B") -> None:
        super().__init__(natural_model)
        self.name = "think"

    def shape(self, call: ChatCall, reply: Reply) -> Reply:
        if reply.text is not None and reply.status == 200:
            reply.text = ("Okay, the user wants a JSON object. Let me read the article { carefully } first.\n"
                          f"</think>\n\n{reply.text}")
        return reply


PROFILES: dict[str, Callable[[], ServerProfile]] = {
    "openai-reasoning": OpenAIReasoning,
    "ollama": Ollama,
    "vllm": VLLM,
    "lmstudio": LMStudio,
    "tgi": TGI,
    "llama.cpp": LlamaCpp,
    "chatty": Chatty,
    "think": Think,
}
