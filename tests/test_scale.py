"""Scale: the engine's cross-source passes stay near-linear and give the all-pairs answers where those are cheap."""

import random

from rapidfuzz import fuzz

from reporter.evidence.flags import make_flag, merge_flags
from reporter.ids import discrepancy_id
from reporter.models import ArticleSummary, Evidence
from reporter.summarise import EVENT_PEERS, event_line


def _summary(i: int, lead: str | None) -> ArticleSummary:
    return ArticleSummary(source_id=f"s{i}", lead=lead, method="extractive")


def test_event_line_counts_sources_sharing_a_lead():
    leads = ["Wang Yi met Lavrov in Moscow on Tuesday.", "Markets fell sharply on Monday.",
             "Markets fell sharply on Monday.", "Markets fell sharply on Monday."]
    assert event_line([_summary(i, lead) for i, lead in enumerate(leads)]) == "Markets fell sharply on Monday."
    # up to EVENT_PEERS distinct leads, the choice is the all-pairs one
    rng = random.Random(7)
    words = ["Wang", "Yi", "met", "Sergei", "Lavrov", "in", "Moscow", "on", "Tuesday", "to", "discuss", "trade",
             "and", "security"]
    for _ in range(30):
        leads = [" ".join(rng.sample(words, rng.randint(3, 10))) for _ in range(rng.randint(2, 12))]
        leads += rng.sample(leads, rng.randint(0, len(leads)))
        # every other source's lead, identical copies included (a lead scores 100 against itself)
        expected = max(leads, key=lambda lead: sum(fuzz.token_set_ratio(lead, o) for o in leads) - 100)
        assert event_line([_summary(i, lead) for i, lead in enumerate(leads)]) == expected


def test_event_line_compares_each_lead_with_a_bounded_set(monkeypatch):
    from rapidfuzz import process

    sizes = []
    real = process.extract

    def counting(query, choices, **kwargs):
        sizes.append(len(choices))
        return real(query, choices, **kwargs)

    monkeypatch.setattr("reporter.summarise.process.extract", counting)
    summaries = [_summary(i, f"Officials said {i} people were evacuated from the coast.") for i in range(300)]
    event_line(summaries)
    assert len(sizes) == 300 and max(sizes) == EVENT_PEERS


def _ev(sid: str, start: int, end: int) -> Evidence:
    return Evidence(source_id=sid, text="x" * (end - start), start=start, end=end)


def test_merge_flags_unions_overlapping_evidence_of_many_sources():
    big = make_flag("wording_variant", "t", "medium", "A", "e", [_ev(f"s{i}", 100, 180) for i in range(500)], 0.9)
    # overlaps the big flag in s3 (within a span, across a bucket edge), adds s3's second span and a new source
    part = make_flag("wording_variant", "t", "low", "B", "e", [_ev("s3", 150, 600), _ev("s3", 900, 950),
                                                                 _ev("new", 0, 10)], 0.5)
    other_kind = make_flag("garbled_text", "t", "low", "C", "e", [_ev("s3", 100, 180)], 0.5)
    apart = make_flag("wording_variant", "t", "low", "D", "e", [_ev("s3", 180, 200)], 0.4)  # touches, no overlap
    merged = merge_flags([apart, other_kind, part, big])
    assert [f.title for f in merged] == ["A", "C", "D"]
    first = merged[0]
    assert len(first.evidence) == 502 and first.evidence[-2:] == [_ev("s3", 900, 950), _ev("new", 0, 10)]
    assert first.id == discrepancy_id("wording_variant", first.evidence)
