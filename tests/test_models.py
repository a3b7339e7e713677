"""The data model is the contract: it round-trips through JSON and rejects unknown fields."""

import pytest
from pydantic import ValidationError

from reporter.ids import discrepancy_id
from reporter.models import Brief, Discrepancy, Evidence, RunInfo, Source


def _source(sid: str = "a") -> Source:
    return Source(id=sid, path=f"{sid}.txt", format="txt", encoding="utf-8", words=2, sha256="0" * 64, text="Hi there")


def test_brief_round_trips_through_json():
    ev = Evidence(source_id="a", text="Hi", start=0, end=2)
    flag = Discrepancy(id=discrepancy_id("spelling", [ev]), kind="spelling", severity="low", title="t",
                       explanation="e", evidence=[ev], confidence=0.7, origin="evidence")
    brief = Brief(event="e", sources=[_source()], summaries=[], discrepancies=[flag],
                  run=RunInfo(mode="offline", reporter_version="0"))
    again = Brief.model_validate_json(brief.model_dump_json())
    assert again == brief
    assert again.discrepancies[0].evidence[0].text == "Hi"


def test_unknown_fields_and_bad_values_are_rejected():
    with pytest.raises(ValidationError):
        Evidence(source_id="a", text="x", start=0, end=1, extra_field=1)
    with pytest.raises(ValidationError):
        Discrepancy(id="x", kind="not_a_kind", severity="low", title="t", explanation="e", evidence=[],
                    confidence=0.5, origin="evidence")
    with pytest.raises(ValidationError):
        Discrepancy(id="x", kind="spelling", severity="low", title="t", explanation="e", evidence=[],
                    confidence=1.5, origin="evidence")


def test_every_field_is_described():
    for model in (Brief, Source, Discrepancy, Evidence, RunInfo):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_ids_ignore_order_case_and_quote_style_but_not_content():
    a = Evidence(source_id="s1", text="“Solid as a rock”", start=0, end=5)
    b = Evidence(source_id="s2", text="strong as a rock", start=3, end=9)
    a2 = Evidence(source_id="s1", text='"solid  as a ROCK"', start=10, end=20)
    assert discrepancy_id("wording_variant", [a, b]) == discrepancy_id("wording_variant", [b, a2])
    assert discrepancy_id("wording_variant", [a, b]) != discrepancy_id("factual_conflict", [a, b])
    assert discrepancy_id("wording_variant", [a]) != discrepancy_id("wording_variant", [a, b])
