"""One exception tree for everything reporter raises on purpose.

    ReporterError                 base: a clear one-line message for the user, never a traceback
    ├── InputError                an input file can't be used (names the file and the problem)
    ├── NoUsableSources           every input failed: nothing to brief
    ├── ConfigError               bad configuration: flags, environment, price table
    ├── ReviewStoreError          the review decisions file is damaged or can't be written
    ├── TokenizerError            a bundled vocabulary is missing or fails its checksum
    ├── CassetteError             a cassette file is damaged, of an unknown version, or can't be written
    └── ModelError                the model step failed
        ├── ModelOutputInvalid    output still invalid after the re-asks; carries the last output
        ├── BudgetExceeded        --max-requests / --max-tokens reached
        └── CassetteMiss          --replay: a request that is not in the cassette

The CLI turns any ReporterError into one line on stderr and an exit code (see `reporter.cli`).
"""

from __future__ import annotations


class ReporterError(Exception):
    """Base of every error reporter raises on purpose."""


class InputError(ReporterError):
    """An input file can't be used."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class NoUsableSources(ReporterError):
    """Every input failed: nothing to brief."""


class ConfigError(ReporterError):
    """Bad configuration."""


class ReviewStoreError(ReporterError):
    """The review decisions file is damaged or can't be written."""


class TokenizerError(ReporterError):
    """A bundled tiktoken vocabulary is missing or damaged."""


class CassetteError(ReporterError):
    """A cassette file is damaged, of an unknown version, or can't be written."""


class ModelError(ReporterError):
    """The model step failed."""


class ModelOutputInvalid(ModelError):
    """The model's output failed validation after every re-ask."""

    def __init__(self, message: str, last_output: str | None = None) -> None:
        self.last_output = last_output
        super().__init__(message)


class BudgetExceeded(ModelError):
    """A per-run cap on requests or tokens was reached."""


class CassetteMiss(ModelError):
    """A request was not found in the replay cassette."""
