"""Planning without calling anything: the price table, context windows and `--dry-run` output."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from reporter.errors import ConfigError
from reporter.llm.names import split_model

# Typical answer sizes, used only to estimate cost before anything is sent.
EXPECTED_OUTPUT_TOKENS = {"summary": 150, "brief": 1500}


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens in and out, and the context window, of one model."""

    input: float
    output: float
    context: int


@cache
def price_table(path: str | None = None) -> dict[str, Price]:
    """The price table: `$REPORTER_PRICES` if set, else the bundled `reporter/data/prices.toml`."""
    path = path or os.environ.get("REPORTER_PRICES")
    try:
        if path:
            raw, origin = Path(path).read_text(encoding="utf-8"), path
        else:
            raw, origin = resources.files("reporter.data").joinpath("prices.toml").read_text("utf-8"), "prices.toml"
        data = tomllib.loads(raw)
        table = {"": Price(**data["default"])}
        table.update({name: Price(**entry) for name, entry in data.get("models", {}).items()})
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the price table: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{origin}: bad price table: {exc}") from exc
    return table


def price_for(model: str) -> Price:
    """The entry whose name is the longest prefix of the model name, else the default."""
    _, bare = split_model(model)
    table = price_table()
    best = max((name for name in table if bare.startswith(name)), key=len)
    return table[best]


def known_window(model: str) -> int | None:
    """The context window of a model the price table lists by name (not the default entry), else None."""
    _, bare = split_model(model)
    names = [name for name in price_table() if name and bare.startswith(name)]
    return price_table()[max(names, key=len)].context if names else None


@dataclass(frozen=True)
class PlannedRequest:
    """One request a run would send."""

    prompt: str
    source_id: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float


FREE = Price(input=0.0, output=0.0, context=0)


def charged_price(model: str, local: bool) -> Price:
    """What a request costs: `price_for`, except that a model on the user's own machine or network costs
    nothing per token unless the price table lists it by name (a user may enter their own hosting cost)."""
    return FREE if local and known_window(model) is None else price_for(model)


def planned(prompt: str, source_id: str | None, input_tokens: int, model: str, local: bool = False) -> PlannedRequest:
    """A planned request with its estimated output size and cost."""
    price = charged_price(model, local)
    out = EXPECTED_OUTPUT_TOKENS.get(prompt, 500)
    cost = (input_tokens * price.input + out * price.output) / 1_000_000
    return PlannedRequest(prompt, source_id, input_tokens, out, cost)


def format_plan(plan: list[PlannedRequest], model: str, local: bool = False) -> str:
    """The dry-run report: one line per request, then the totals."""
    lines = [f"dry run for model {model}: {len(plan)} requests planned, nothing sent",
             f"{'prompt':<10} {'source':<28} {'tokens in':>9} {'out (est.)':>10} {'cost US$':>9}"]
    for p in plan:
        lines.append(f"{p.prompt:<10} {p.source_id or '-':<28} {p.input_tokens:>9} {p.output_tokens:>10} "
                     f"{p.cost_usd:>9.4f}")
    total_in = sum(p.input_tokens for p in plan)
    total_out = sum(p.output_tokens for p in plan)
    lines.append(f"{'total':<10} {'':<28} {total_in:>9} {total_out:>10} {sum(p.cost_usd for p in plan):>9.4f}")
    if charged_price(model, local) is FREE:
        lines.append("The server is on this machine or network: no per-token cost (list the model in the price "
                     "table, $REPORTER_PRICES, to count one); the brief request is sized from the offline summaries.")
    else:
        lines.append("Costs are estimates from the price table (reporter/data/prices.toml or $REPORTER_PRICES); "
                     "the brief request is sized from the offline summaries.")
    return "\n".join(lines)
