"""The deterministic evidence engine: structure, alignment and detectors (no LLM)."""

# Interim entry point (structure only) so the pipeline runs end to end; the detectors replace it.
from dataclasses import dataclass, field  # noqa: E402

from reporter.evidence.structure import Document, parse  # noqa: E402
from reporter.models import ConsensusPoint, Discrepancy  # noqa: E402


@dataclass
class EvidenceReport:
    """What the engine found: per-source structure, flags and agreements."""

    documents: dict[str, Document]
    discrepancies: list[Discrepancy] = field(default_factory=list)
    consensus: list[ConsensusPoint] = field(default_factory=list)


def analyse(sources, thresholds) -> EvidenceReport:
    """Parse every source (interim: no detectors yet)."""
    return EvidenceReport(documents={s.id: parse(s) for s in sources})
