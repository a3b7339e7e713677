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
        ├── CassetteMiss          --replay: a request that is not in the cassette
        ├── ModelUnavailable      the server can't be used at all (key refused, unknown model, unreachable)
        └── RequestRejected       the server refused one request (HTTP 4xx); carries status and message
            ├── ParameterRejected             ... naming a parameter: drop it and ask again
            ├── StructuredOutputUnsupported   ... a structured-output request: step down the mode ladder
            └── ContextWindowExceeded         too long for the model's window (refused before sending, too)

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


class ModelUnavailable(ModelError):
    """The server can't be used at all: the key is refused, the model is unknown, nothing answers."""


class RequestRejected(ModelError):
    """The server refused one request (HTTP 4xx)."""

    def __init__(self, message: str, status: int | None = None, param: str | None = None) -> None:
        self.status = status
        self.param = param
        super().__init__(message)


class ParameterRejected(RequestRejected):
    """The server refused a parameter it named (`param`): send the request again without it."""


class StructuredOutputUnsupported(RequestRejected):
    """The server refused the structured-output form of a request: use the next output mode."""


class ContextWindowExceeded(RequestRejected):
    """The request does not fit the model's context window (`limit`: the window, when the server said)."""

    limit: int | None = None
