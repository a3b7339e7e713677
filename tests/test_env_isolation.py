"""No test sees the developer's model configuration: key, endpoint, model and cache are isolated.

Kept apart from the network tests so the subprocess run below imports little and starts fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from isolation import MODEL_ENV

from reporter.config import Config

ROOT = Path(__file__).resolve().parents[1]


def test_env_probe_model_configuration_is_cleared(cache_dir):
    """Runs in every suite run; the test below also runs it with a polluted environment."""
    for name in MODEL_ENV:
        if name != "REPORTER_CACHE_DIR":
            assert name not in os.environ, name
    assert os.environ["REPORTER_CACHE_DIR"] == str(cache_dir)
    assert cache_dir.is_dir() and not any(cache_dir.iterdir())
    config = Config.from_env()
    assert config.cache_dir == cache_dir
    assert (config.api_key, config.base_url, config.model) == (None, None, None)


def test_real_key_and_endpoint_in_the_shell_never_reach_a_test(tmp_path):
    env = {**os.environ, "OPENAI_API_KEY": "sk-canary-from-shell", "OPENAI_BASE_URL": "https://example.com/v1",
           "REPORTER_MODEL": "gpt-real", "REPORTER_CACHE_DIR": str(tmp_path / "user-cache")}
    probe = "tests/test_env_isolation.py::test_env_probe_model_configuration_is_cleared"
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", probe]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert not (tmp_path / "user-cache").exists()
