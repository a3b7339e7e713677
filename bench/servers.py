"""LLM mode on first contact with each emulated server: the table of issue 11.

For every server profile in tests/server_profiles.py (OpenAI reasoning model, Ollama, vLLM, LM Studio, TGI,
llama.cpp, a chatty model, a <think> model), with the model name a user of that server would type, this runs
what a user runs, in a fresh process each:

    reporter brief seeds --out DIR --base-url URL --model NAME      (cold: nothing learned yet)
    reporter brief seeds --out DIR2 ... --no-cache                  (warm: the learned mode is reused)
    reporter doctor --base-url URL --model NAME

and prints server x (exit code, chat requests cold / warm, the minimum, output mode used, summaries made by
the model, brief made by the model, requests sent over the server's window, doctor's exit code and mode).
The model's answers are authored (tests/authored_model.py), not model output.

    .venv/bin/python -m bench.servers            # prints the Markdown table
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from authored_model import SEED_FILES, authored_model  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402
from server_profiles import PROFILES  # noqa: E402

from reporter.llm.profile import ProfileStore  # noqa: E402

MINIMAL = len(SEED_FILES) + 1  # one summary request per article and one brief request, when all fit
AUTHORED_EVENT = "Wang Yi meets Putin in Moscow"


def _env(tmp: Path, key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTER_"))}
    env.update(REPORTER_CACHE_DIR=str(tmp / "cache"), REPORTER_LOGS=str(tmp / "logs.db"), NO_COLOR="1")
    if key:
        env["OPENAI_API_KEY"] = key
    return env


def _reporter(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reporter", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def measure(name: str) -> dict[str, object]:
    """One server's row."""
    profile = PROFILES[name]()
    model = profile.natural_model
    key = "sk-test-bench" if name.startswith("openai") else None
    with tempfile.TemporaryDirectory() as folder, FakeOpenAI(responder=authored_model, profile=profile) as fake:
        tmp = Path(folder)
        env = _env(tmp, key)
        base = ["--base-url", fake.url, "--model", model]
        cold = _reporter(["brief", "seeds", "--out", str(tmp / "cold"), *base], env)
        cold_requests = len(fake.chat_calls)
        brief = json.loads((tmp / "cold" / "brief.json").read_text()) if (tmp / "cold" / "brief.json").exists() \
            else {}
        mode = ProfileStore(tmp / "cache").load(fake.url, model).mode
        # The minimum: what --dry-run plans with the window this run learned (articles or parts, brief parts).
        dry = _reporter(["brief", "seeds", "--dry-run", *base], env)
        planned = re.search(r": (\d+) requests planned", dry.stdout)
        minimal = int(planned.group(1)) if planned else MINIMAL
        warm = _reporter(["brief", "seeds", "--out", str(tmp / "warm"), "--no-cache", *base], env)
        warm_requests = len(fake.chat_calls) - cold_requests
        doctor = _reporter(["doctor", *base], env)
    summaries = brief.get("summaries") or []
    problems = [p for p in brief.get("problems") or [] if p.get("step") == "brief"]
    doctor_mode = next((line.split(":", 1)[1].split()[0] for line in doctor.stdout.splitlines()
                        if line.strip().startswith("output:")), "-")
    return {
        "server": name, "model": model, "exit": cold.returncode, "warm_exit": warm.returncode,
        "requests": cold_requests, "warm_requests": warm_requests, "minimal": minimal, "mode": mode or "-",
        "run_mode": (brief.get("run") or {}).get("mode"),
        "llm_summaries": f"{sum(s.get('method') == 'llm' for s in summaries)}/{len(summaries)}",
        "brief_by_model": brief.get("event") == AUTHORED_EVENT and not problems,
        "over_window": len(profile.over),
        "traceback": "Traceback" in cold.stderr + warm.stderr + doctor.stderr,
        "doctor": doctor.returncode, "doctor_mode": doctor_mode,
        "stderr": cold.stderr.strip().splitlines()[-3:] if cold.returncode else [],
    }


def main() -> None:
    rows = [measure(name) for name in PROFILES]
    print("| server | model | exit | requests (cold) | warm | ≤ 2× minimal | output mode | run mode | "
          "summaries by model | brief by model | over window | traceback | doctor exit / mode |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['server']} | `{r['model']}` | {r['exit']} | {r['requests']} | {r['warm_requests']} | "
              f"{'yes' if r['requests'] <= 2 * r['minimal'] else 'NO'} (min {r['minimal']}) | {r['mode']} | "
              f"{r['run_mode']} | {r['llm_summaries']} | {'yes' if r['brief_by_model'] else 'NO'} | "
              f"{r['over_window']} | {'YES' if r['traceback'] else 'no'} | {r['doctor']} / {r['doctor_mode']} |")
    for r in rows:
        if r["stderr"]:
            print(f"\n{r['server']}: " + " / ".join(r["stderr"]))
    if "--json" in sys.argv:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
