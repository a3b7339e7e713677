"""What users install: a wheel built from the checkout, installed (not editable) into a fresh virtual
environment, run from another folder in LLM mode (against the fake server), with --replay and offline.

No network: the wheel is built without build isolation (this environment's setuptools), installed with
--no-deps --no-index, and the fresh environment finds the dependencies through a .pth file pointing at this
environment's site-packages, which holds no copy of reporter (the dev install is editable).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from authored_model import authored_model
from fake_openai import FakeOpenAI
from server_profiles import PROFILES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the installed `reporter` script, the wheel file)."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(tmp / "dist"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp / "dist").glob("reporter-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_reporter_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    script = python.parent / "reporter"
    assert script.exists()
    return script, wheel


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "REPORTER_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(REPORTER_CACHE_DIR=str(tmp / "cache"), REPORTER_LOGS=str(tmp / "logs.db"), **extra)
    return env


def test_the_wheel_ships_the_prompts_edited_in_prompts_folder(installed):
    _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    for prompt in (ROOT / "prompts").glob("*.md"):
        shipped = zipfile.ZipFile(wheel).read(f"reporter/_prompts/{prompt.name}")
        assert shipped == prompt.read_bytes()  # the same file: prompts/ stays the one place to edit
    assert not [n for n in names if n.startswith("prompts/")]  # no top-level package named "prompts"
    assert not (ROOT / "reporter" / "_prompts").exists()  # nothing copied into the source tree


def test_installed_package_runs_llm_replay_and_offline_from_another_folder(installed, tmp_path):
    script, _ = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copytree(ROOT / "seeds", elsewhere / "articles")
    env = _env(tmp_path)
    offline = subprocess.run([str(script), "brief", "articles", "--out", "offline", "--offline"], cwd=elsewhere,
                             env=env, capture_output=True, text=True, timeout=300)
    assert offline.returncode == 0, offline.stderr
    assert json.loads((elsewhere / "offline" / "brief.json").read_text())["run"]["mode"] == "offline"

    profile = PROFILES["vllm"]()
    with FakeOpenAI(responder=authored_model, profile=profile) as fake:
        live = subprocess.run([str(script), "brief", "articles", "--out", "llm", "--base-url", fake.url, "--model",
                               profile.natural_model, "--record", "run.yaml"], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=300)
        sent = len(fake.chat_calls)
    assert live.returncode == 0, live.stderr
    assert "cannot read prompt template" not in live.stderr and "Traceback" not in live.stderr
    brief = json.loads((elsewhere / "llm" / "brief.json").read_text())
    assert brief["run"]["mode"] == "llm" and {s["method"] for s in brief["summaries"]} == {"llm"}
    assert sent == len(brief["summaries"]) + 1

    replay = subprocess.run([str(script), "brief", "articles", "--out", "replayed", "--replay", "run.yaml"],
                            cwd=elsewhere, env=_env(tmp_path / "other"), capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0, replay.stderr
    replayed = json.loads((elsewhere / "replayed" / "brief.json").read_text())
    assert replayed["run"]["mode"] == "replay" and replayed["summaries"] == brief["summaries"]
