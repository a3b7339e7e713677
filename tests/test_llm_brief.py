"""LLM brief: verdicts merge into the engine's flags, new flags are grounded, invented quotes never flag."""

from types import SimpleNamespace

from llm_stub import TEXT_A, TEXT_B, Stub, config, offline, sources

from reporter.ground import Grounder
from reporter.ids import discrepancy_id
from reporter.llm.brief import MAX_PASSAGE_CHARS, build_material, passage
from reporter.llm.run import dry_run_report, plan_llm, run_llm
from reporter.models import Discrepancy, Evidence

SRC = sources()


def _ev(source_id: str, text: str, phrase: str) -> Evidence:
    start = text.index(phrase)
    return Evidence(source_id=source_id, text=phrase, start=start, end=start + len(phrase))


def _candidate(kind: str, phrases: tuple[str, str], confidence: float = 0.8) -> Discrepancy:
    evidence = [_ev("a", TEXT_A, phrases[0]), _ev("b", TEXT_B, phrases[1])]
    return Discrepancy(id=discrepancy_id(kind, evidence), kind=kind, severity="high", title=f"{kind} found",
                       explanation="Engine says so.", evidence=evidence, confidence=confidence,
                       origin="evidence", detector="test")


DAY = _candidate("factual_conflict", ("Wednesday", "Tuesday"))
QUOTE = _candidate("wording_variant", ("relations are not directed against any third country",
                                        "ties are not aimed at third parties"))
REPORT = SimpleNamespace(discrepancies=[DAY, QUOTE], consensus=[])


def brief_answer(request):
    return {
        "event": "Wang Yi met Putin in Moscow",
        "consensus": [
            {"text": "Wang met Putin in Moscow.", "source_ids": ["S1", "[S2]", "S1"]},
            {"text": "Agreed by an unknown source.", "source_ids": ["S9"]},
        ],
        "verdicts": [
            {"candidate_id": "C1", "verdict": "confirmed", "reason": "Different days."},
            {"candidate_id": "C2", "verdict": "rejected", "reason": "Two translations."},
        ],
        "new_discrepancies": [
            {"kind": "factual_conflict", "severity": "medium", "title": "Length of talks",
             "explanation": "3 hours vs two hours.", "suggestion": None, "confidence": 1.7,
             "evidence": [{"source_id": "S1", "text": "The talks lasted 3 hours."},
                          {"source_id": "S2", "text": "The talks lasted  two hours."},
                          {"source_id": "S2", "text": "The talks lasted four hours."}]},
            {"kind": "attribution_conflict", "severity": "high", "title": "Invented quote",
             "explanation": "Made up.", "suggestion": None, "confidence": 0.9,
             "evidence": [{"source_id": "S1", "text": "Putin said the war is over"},
                          {"source_id": "S2", "text": "Lavrov said the war is over"}]},
        ],
    }


def _run(tmp_path, stub, report=REPORT):
    return run_llm(SRC, report, offline(SRC), config(tmp_path), backend=stub, show_progress=False)


def test_verdicts_new_flags_and_grounding(tmp_path):
    result = _run(tmp_path, Stub(brief=brief_answer))
    flags = {d.title: d for d in result.discrepancies}
    assert flags["factual_conflict found"].origin == "both"
    assert "Different days." in flags["factual_conflict found"].explanation
    rejected = flags["wording_variant found"]  # kept: the model cannot delete an engine flag
    assert rejected.origin == "evidence" and rejected.confidence < QUOTE.confidence
    new = flags["Length of talks"]
    assert new.origin == "llm" and new.confidence == 1.0
    assert [e.text for e in new.evidence] == ["The talks lasted 3 hours.", "The talks lasted two hours."]
    assert "Invented quote" not in flags
    assert [c.title for c in result.unverified_claims] == ["Invented quote"]
    removed = {r.text for r in result.grounding_removals}
    assert {"The talks lasted four hours.", "Putin said the war is over", "Lavrov said the war is over"} == removed
    assert [(c.text, c.source_ids) for c in result.consensus] == [("Wang met Putin in Moscow.", ["a", "b"])]
    texts = {"a": TEXT_A, "b": TEXT_B}
    for flag in result.discrepancies:
        for ev in flag.evidence:
            assert texts[ev.source_id][ev.start:ev.end] == ev.text
    assert result.event == "Wang Yi met Putin in Moscow"


def test_brief_input_has_summaries_passages_and_only_short_articles_in_full(tmp_path):
    stub = Stub(brief=brief_answer)
    _run(tmp_path, stub)
    (request,) = stub.by_prompt("brief")
    material = request.messages[1].content
    assert "C1 factual_conflict: factual_conflict found (S1 P1; S2 P2)" in material
    assert "\nP1 S1: Wang Yi met Vladimir Putin in Moscow on Wednesday.\n" in material  # the passage around it
    assert "[S1]\nlead: By Ann Lee\n- quotes: relations are not" in material  # the model's summary
    assert "SHORT ARTICLES IN FULL\n[S1]\n" + TEXT_A.strip() in material
    assert "000_" not in material and DAY.id not in material  # labels, not long ids


def test_passages_are_sent_once_and_only_for_cross_source_candidates():
    spelling = _candidate("spelling", ("Wednesday", "Tuesday")).model_copy(update={"title": "Spelling: x"})
    twice = build_material(SRC, offline(SRC), [DAY, _candidate("attribution_conflict", ("Wednesday", "Tuesday")),
                                               spelling], "m")
    assert twice.text.count("S1: Wang Yi met Vladimir Putin") == 1
    assert "C2 attribution_conflict: attribution_conflict found (S1 P1; S2 P2)" in twice.text
    assert "C3 spelling: Spelling: x (S1; S2)" in twice.text
    assert twice.sources == {"S1": "a", "S2": "b"} and twice.candidates["C3"] == spelling.id
    long_a = SRC[0].model_copy(update={"text": TEXT_A + "More filler words here. " * 200})
    long_material = build_material([long_a, SRC[1]], offline(SRC), [DAY], "gpt-4o-mini").text
    assert "More filler" not in long_material and "[S2]\n" + TEXT_B.strip() in long_material


def test_long_passages_are_clipped():
    text = "Intro. " + "chrome " * 300 + "end."
    clipped = passage(text, 7, len(text) - 4)
    assert len(clipped) <= MAX_PASSAGE_CHARS + 5 and clipped.startswith("chrome") and " … " in clipped


def test_model_flag_overlapping_an_engine_flag_marks_it_both(tmp_path):
    def same_as_engine(request):
        answer = brief_answer(request)
        answer["verdicts"] = []
        answer["new_discrepancies"] = [{
            "kind": "factual_conflict", "severity": "low", "title": "Day differs", "explanation": "x",
            "suggestion": None, "confidence": 0.5,
            "evidence": [{"source_id": "S1", "text": "on Wednesday"}]}]
        return answer

    result = _run(tmp_path, Stub(brief=same_as_engine))
    assert [(d.title, d.origin) for d in result.discrepancies] == [
        ("factual_conflict found", "both"), ("wording_variant found", "evidence")]


def test_failed_brief_keeps_the_engine_flags(tmp_path):
    result = _run(tmp_path, Stub(brief=lambda r: {"event": 3}))
    assert result.discrepancies == [DAY, QUOTE]
    assert result.problems[-1].step == "brief" and "invalid" in result.problems[-1].message


def test_grounder_is_the_only_source_of_offsets():
    grounder = Grounder({s.id: s for s in SRC})
    ev = grounder.locate("b", "“ties are not aimed at third parties.”")
    assert ev is not None and TEXT_B[ev.start:ev.end] == ev.text == "ties are not aimed at third parties."


def test_dry_run_plans_every_request_and_calls_nothing(tmp_path):
    stub = Stub()
    cfg = config(tmp_path)
    plan = plan_llm(SRC, REPORT, offline(SRC), cfg)
    assert [(p.prompt, p.source_id) for p in plan] == [("summary", "a"), ("summary", "b"), ("brief", None)]
    assert all(p.input_tokens > 50 and p.cost_usd > 0 for p in plan)
    report = dry_run_report(SRC, REPORT, offline(SRC), cfg)
    assert "3 requests planned, nothing sent" in report
    (total,) = [line for line in report.splitlines() if line.startswith("total")]
    assert str(sum(p.input_tokens for p in plan)) in total
    assert "Context window: " in report and "warning:" not in report  # everything fits
    assert stub.requests == [] and not (tmp_path / "cache").exists()
