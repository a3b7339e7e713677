"""LLM brief: what the model is shown, how its answer merges into the engine's flags, grounding and re-ask."""

import json
from types import SimpleNamespace

from llm_stub import TEXT_A, TEXT_B, Stub, config, offline, sources

from reporter.evidence import analyse
from reporter.ground import Grounder
from reporter.ids import discrepancy_id
from reporter.ingest import source_from_text
from reporter.llm.brief import material_budget, plan_materials
from reporter.llm.material import build_materials, compact_refs, numbered_units
from reporter.llm.run import dry_run_report, plan_llm, run_llm
from reporter.llm.summarise import summary_text
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


def _new(evidence, kind="factual_conflict", title="Length of talks", confidence=0.95):
    return {"evidence": evidence, "explanation": "3 hours vs two hours.", "kind": kind, "severity": "medium",
            "confidence": confidence, "title": title, "suggestion": None}


def brief_answer(request):
    return {
        "event": "Wang Yi met Putin in Moscow",
        "verdicts": [
            {"candidate_id": "C1", "reason": "Different days.", "verdict": "confirmed"},
            {"candidate_id": "C2", "reason": "Two translations.", "verdict": "rejected"},
        ],
        "new_discrepancies": [
            _new([{"source_id": "S1", "sentence": 4, "text": "The talks lasted 3 hours."},
                  {"source_id": "S2", "sentence": 3, "text": "The talks lasted  two hours."},
                  {"source_id": "S2", "sentence": 3, "text": "The talks lasted four hours."}], confidence=95),
            _new([{"source_id": "S1", "sentence": 2, "text": "Putin said the war is over"},
                  {"source_id": "S2", "sentence": None, "text": "Lavrov said the war is over"}],
                 kind="attribution_conflict", title="Invented quote"),
        ],
        "consensus": [
            {"text": "Wang met Putin in Moscow.", "source_ids": ["S1", "[S2]", "S1"]},
            {"text": "Agreed by an unknown source.", "source_ids": ["S9"]},
        ],
    }


def requote_nothing(request):
    return {"quotes": []}


def _run(tmp_path, stub, report=REPORT, **kw):
    return run_llm(SRC, report, offline(SRC), config(tmp_path), backend=stub, show_progress=False, **kw)


def test_verdicts_new_flags_and_grounding(tmp_path):
    result = _run(tmp_path, Stub(brief=brief_answer, requote=requote_nothing))
    flags = {d.title: d for d in result.discrepancies}
    assert flags["factual_conflict found"].origin == "both"
    assert "Different days." in flags["factual_conflict found"].explanation
    rejected = flags["wording_variant found"]  # kept: the model cannot delete an engine flag
    assert rejected.origin == "evidence" and rejected.confidence < QUOTE.confidence
    new = flags["Length of talks"]
    assert new.origin == "llm" and new.confidence == 0.95  # 95 read as a percentage
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


def test_brief_request_shows_every_article_in_full_numbered_with_candidates_citing_sentences(tmp_path):
    stub = Stub(brief=brief_answer, requote=requote_nothing)
    _run(tmp_path, stub)
    (request,) = stub.by_prompt("brief")
    material = request.messages[1].content
    assert "ARTICLES\n[S1]\n1 By Ann Lee\n2 Wang Yi met Vladimir Putin in Moscow on Wednesday.\n" in material
    assert "\n[S2]\n1 Wang Yi held talks with Putin in Moscow on Tuesday.\n" in material
    assert "\n4 The talks lasted 3 hours.\n" in material and "\n3 The talks lasted two hours.\n" in material
    assert '\nC1 factual_conflict, high: factual_conflict found | S1.2 "Wednesday" | S2.1 "Tuesday"\n' in material
    assert "lead:" not in material  # the summaries are not sent again: the articles are
    assert "000_" not in material and DAY.id not in material  # labels, not long ids
    system = request.messages[0].content
    for kind in ("wording_variant", "factual_conflict", "attribution_conflict", "garbled_text", "spelling",
                 "boilerplate"):
        assert f"- {kind}:" in system
    assert "Severity:" in system and "Confidence, a number from 0 to 1" in system and "Example data:" in system


def test_alignment_map_and_every_kind_of_candidate_cite_their_sentences():
    a = source_from_text("Share this article\nThe minister said 12 people died in the storm.\n"
                         "Officials said the goverment would help.\n", path="a.txt", source_id="a")
    b = source_from_text("The minister said 21 people died in the storm.\nAid will follow, officials said.\n",
                         path="b.txt", source_id="b")
    report = analyse([a, b])
    (material,) = build_materials([a, b], report, report.discrepancies, "gpt-4o-mini")
    text = material.text
    assert "\n[S1]\n1* Share this article\n2 The minister said" in text  # chrome, marked, in place
    assert "\nALIGNED\nS2.1 S1.2\n" in text  # S2 sentence 1 and S1 sentence 2 report the same thing
    kinds = {d.kind for d in report.discrepancies}
    assert {"boilerplate", "spelling", "factual_conflict"} <= kinds
    assert "boilerplate, low: Page chrome in a | S1.1" in text  # an id that may be a word stays as it is
    assert 'S1.3 "goverment"' in text
    assert "S1.2" in next(line for line in text.splitlines() if "factual_conflict" in line)


def _long_cluster(n_sources=3, sentences=60):
    texts = {}
    for s in range(n_sources):
        lines = [f"Sentence {i} of the report says the council met {i} times in district {i * 7 + s}."
                 for i in range(sentences)]
        lines[10] = "The storm killed 12 people in the northern province." if s == 0 else \
            f"The storm killed {21 + s} people in the northern province."
        texts[f"s{s}"] = "\n".join(lines) + "\n"
    return [source_from_text(t, path=f"{k}.txt", source_id=k) for k, t in texts.items()]


def _expand(labels: str) -> list[str]:
    """'S1-S3,S5' -> ['S1', 'S2', 'S3', 'S5']."""
    out = []
    for run in labels.split(","):
        first, _, last = run.partition("-")
        out += [f"S{k}" for k in range(int(first[1:]), int((last or first)[1:]) + 1)]
    return out


def test_compact_references_merge_the_same_sentence_number():
    assert compact_refs([("S1", 2), ("S2", 2), ("S3", 2), ("S5", 2), ("S4", 7)]) == "S1-S3,S5.2 S4.7"
    assert _expand("S1-S3,S5") == ["S1", "S2", "S3", "S5"]


def test_a_cluster_too_big_for_the_window_is_sent_in_parts_with_aligned_groups_together():
    srcs = _long_cluster()
    report = analyse(srcs)
    materials = plan_materials(srcs, report, report.discrepancies, "gpt-4o-mini", 3000)
    assert len(materials) > 1
    budget = material_budget(3000, "gpt-4o-mini")
    from reporter.tokens import count_tokens
    assert all(count_tokens(m.text, "gpt-4o-mini") <= budget + 50 for m in materials)
    shown: dict[tuple[str, int], int] = {}
    for m in materials:
        label = None
        for line in m.text.split("\nALIGNED")[0].split("\nCANDIDATES")[0].splitlines():
            if line.startswith("[S"):
                label = line[1:].split("]")[0]
            elif label and line[:1].isdigit():
                shown[(label, int(line.split(" ", 1)[0].rstrip("*")))] = m.part
    every = {(f"S{k}", n) for k, s in enumerate(srcs, 1) for n in range(1, len(numbered_units(s)[0]) + 1)}
    assert set(shown) == every  # no sentence dropped, each shown once
    for m in materials:  # every aligned group and candidate sits in the part that shows all its sentences
        section = m.text.split("\nALIGNED\n")[1].split("\nCANDIDATES")[0] if "\nALIGNED\n" in m.text else ""
        for line in section.splitlines():
            for ref in line.split():
                labels, n = ref.split(".")
                for label in _expand(labels):
                    assert shown[(label, int(n))] == m.part
    storm = [m for m in materials if "12 people" in m.text]
    assert len(storm) == 1 and "22 people" in storm[0].text and "23 people" in storm[0].text


def test_parts_are_asked_and_merged_into_one_brief(tmp_path):
    srcs = _long_cluster()
    report = analyse(srcs)

    def answer(request):
        part = request.messages[1].content
        first = "PART 1 OF" in part
        return {"event": "Storm" if first else "Later part", "verdicts": [], "consensus": [],
                "new_discrepancies": [_new([{"source_id": "S1", "sentence": 2, "text": "the council met 1 times"}],
                                           kind="garbled_text", title="Odd count")] if "\n2 Sentence 1 " in part
                else []}

    stub = Stub(brief=answer)
    result = run_llm(srcs, report, offline(srcs), config(tmp_path), backend=stub, show_progress=False,
                     window_tokens=3000)
    assert len(stub.by_prompt("brief")) > 1
    assert result.event == "Storm"
    assert [d.title for d in result.discrepancies if d.origin == "llm"] == ["Odd count"]


def test_a_model_repeat_is_merged_and_promotes_nothing(tmp_path):
    def repeats(request):
        answer = brief_answer(request)
        answer["verdicts"] = []
        day = _new([{"source_id": "S1", "sentence": 2, "text": "on Wednesday"}], title="Day differs")
        talks = _new([{"source_id": "S1", "sentence": 4, "text": "lasted 3 hours"}], title="Talks")
        talks_again = _new([{"source_id": "S1", "sentence": 4, "text": "The talks lasted 3 hours."},
                            {"source_id": "S2", "sentence": 3, "text": "lasted two hours"}], title="Talks again")
        answer["new_discrepancies"] = [day, talks, talks_again]
        return answer

    result = _run(tmp_path, Stub(brief=repeats))
    assert [(d.title, d.origin) for d in result.discrepancies] == [
        ("factual_conflict found", "evidence"), ("wording_variant found", "evidence"), ("Talks", "llm")]
    talks = result.discrepancies[-1]
    assert [e.text for e in talks.evidence] == ["lasted 3 hours", "lasted two hours"]


def test_failing_quote_is_reasked_once_with_its_sentence(tmp_path):
    def paraphrased(request):
        answer = brief_answer(request)
        answer["verdicts"] = []
        answer["new_discrepancies"] = [
            _new([{"source_id": "S1", "sentence": 4, "text": "the meeting went on for three hours"},
                  {"source_id": "S2", "sentence": 3, "text": "talks took two hours"}])]
        return answer

    def requote(request):
        items = request.messages[1].content
        assert "Q1\nquote: the meeting went on for three hours\nsentence: The talks lasted 3 hours." in items
        assert "Q2\nquote: talks took two hours\nsentence: The talks lasted two hours." in items
        return {"quotes": [{"id": "Q1", "text": "The talks lasted 3 hours."},
                           {"id": "Q2", "text": "Wang Yi held talks"}]}  # verbatim, but not in the cited sentence

    stub = Stub(brief=paraphrased, requote=requote)
    result = _run(tmp_path, stub)
    assert len(stub.by_prompt("requote")) == 1
    new = next(d for d in result.discrepancies if d.origin == "llm")
    assert [(e.source_id, e.text) for e in new.evidence] == [("a", "The talks lasted 3 hours.")]
    assert [r.text for r in result.grounding_removals] == ["talks took two hours"]


def test_confidence_out_of_scale_is_reasked(tmp_path):
    answers = iter([1.7, 0.4])

    def brief(request):
        answer = brief_answer(request)
        answer["new_discrepancies"] = [_new([{"source_id": "S1", "sentence": 4, "text": "lasted 3 hours"}],
                                            confidence=next(answers))]
        return answer

    stub = Stub(brief=brief)
    result = _run(tmp_path, stub)
    requests = stub.by_prompt("brief")
    assert len(requests) == 2 and "confidence must be a number from 0 to 1" in requests[1].messages[-1].content
    assert next(d for d in result.discrepancies if d.origin == "llm").confidence == 0.4


def test_failed_brief_keeps_the_engine_flags(tmp_path):
    result = _run(tmp_path, Stub(brief=lambda r: {"event": 3}))
    assert result.discrepancies == [DAY, QUOTE]
    assert result.problems[-1].step == "brief" and "invalid" in result.problems[-1].message


def test_grounder_knows_the_numbered_sentences(tmp_path):
    grounder = Grounder({s.id: s for s in SRC})
    ev = grounder.locate("b", "“ties are not aimed at third parties.”")
    assert ev is not None and TEXT_B[ev.start:ev.end] == ev.text == "ties are not aimed at third parties."
    (material,) = build_materials(SRC, REPORT, [DAY], "m")
    assert material.sentences["b"][2] == (TEXT_B.index("The talks"), len(TEXT_B) - 1)


def test_page_chrome_is_not_sent_to_summaries():
    src = source_from_text("Share this article\nThe council approved the budget.\nPhoto: AFP\n", path="c.txt")
    assert summary_text(src) == "The council approved the budget.\n"
    plain = SRC[0]
    assert summary_text(plain) == plain.text


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
    assert json.dumps([p.prompt for p in plan])  # plain data


def test_a_sentence_reprinted_word_for_word_is_shown_once_and_referenced():
    wire = "The storm killed 12 people in the northern province on Monday, officials said."
    a = source_from_text(f"{wire}\nRescue teams arrived late.\n", path="a.txt", source_id="a")
    b = source_from_text(f"Heavy rain fell all week.\n{wire}\n", path="b.txt", source_id="b")
    (material,) = build_materials([a, b], None, [], "gpt-4o-mini")
    assert material.text.count(wire) == 1
    assert "\n[S2]\n1 Heavy rain fell all week.\n2 = S1.1" in material.text


def test_candidate_lines_are_bounded_by_the_articles_size():
    from reporter.llm.material import MIN_CANDIDATE_BYTES

    many = [_candidate("factual_conflict", ("Wednesday", "Tuesday")).model_copy(update={
        "id": f"fa-{n:04d}", "title": f"A long candidate title number {n} " + "padding words " * 8})
        for n in range(40)]
    (material,) = build_materials(SRC, REPORT, many, "gpt-4o-mini")
    section = material.text.split("\nCANDIDATES\n")[1]
    assert 5 < len(material.candidates) < 40
    assert len(section.encode("utf-8")) <= MIN_CANDIDATE_BYTES


def test_dry_run_charges_nothing_for_a_model_on_the_users_own_machine_unless_the_table_lists_it(tmp_path,
                                                                                                 monkeypatch):
    """An Ollama model on localhost costs nothing per token: the default price of a hosted model would be a
    made-up bill. A model the price table names keeps its price wherever it runs."""
    local = config(tmp_path).model_copy(update={"base_url": "http://127.0.0.1:11434/v1", "model": "llama3.1:8b"})
    plan = plan_llm(SRC, REPORT, offline(SRC), local)
    assert plan and all(p.cost_usd == 0 for p in plan)
    assert "no per-token cost" in dry_run_report(SRC, REPORT, offline(SRC), local)
    hosted = local.model_copy(update={"base_url": "https://api.example.com/v1"})
    assert all(p.cost_usd > 0 for p in plan_llm(SRC, REPORT, offline(SRC), hosted))
    prices = tmp_path / "prices.toml"
    prices.write_text('[default]\ninput = 2.5\noutput = 10\ncontext = 128000\n\n[models."llama3.1"]\ninput = 0.1\n'
                      'output = 0.1\ncontext = 131072\n', encoding="utf-8")
    monkeypatch.setenv("REPORTER_PRICES", str(prices))
    from reporter.llm.plan import price_table

    price_table.cache_clear()
    try:
        assert all(p.cost_usd > 0 for p in plan_llm(SRC, REPORT, offline(SRC), local))
    finally:
        price_table.cache_clear()
