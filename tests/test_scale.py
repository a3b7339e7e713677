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
    apart = make_flag("wording_variant", "t", "low", "D", "e", [_ev("s3", 600, 620)], 0.4)  # touches, no overlap
    inside = make_flag("wording_variant", "t", "low", "E", "e", [_ev("s3", 300, 310)], 0.45)  # in the union
    merged = merge_flags([apart, inside, other_kind, part, big])
    assert [f.title for f in merged] == ["A", "C", "D"]
    first = merged[0]
    # s3's overlapping spans are one span, their union, where the first of them stood: no character is lost
    assert len(first.evidence) == 502 and first.evidence[3] == _ev("s3", 100, 600)
    assert first.evidence[-2:] == [_ev("s3", 900, 950), _ev("new", 0, 10)]
    assert first.id == discrepancy_id("wording_variant", first.evidence)


def test_joined_spans_keep_their_verbatim_text():
    from reporter.evidence.flags import joined

    text = "The county chief said the road was closed."
    a, b, c = (Evidence(source_id="s", text=text[i:j], start=i, end=j) for i, j in ((4, 17), (11, 26), (30, 34)))
    other = Evidence(source_id="t", text=text[4:17], start=4, end=17)
    assert joined([a, other, c, b]) == [Evidence(source_id="s", text=text[4:26], start=4, end=26), other, c]
    assert joined([b, a]) == [Evidence(source_id="s", text=text[4:26], start=4, end=26)]
    assert joined([a, Evidence(source_id="s", text=text[5:9], start=5, end=9)]) == [a]


def test_help_imports_only_click_and_lists_every_command():
    import subprocess
    import sys

    code = ("import sys\nfrom reporter.cli import cli\n"
            "try:\n    cli.main(['--help'], prog_name='reporter')\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pydantic', 'rich', 'rapidfuzz', 'reporter.pipeline', 'reporter.models', 'openai',"
            " 'langchain_core', 'tiktoken') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    assert all(name in out for name in ("brief", "review", "serve"))


def test_lazy_commands_show_their_own_first_help_line():
    import click

    from reporter.cli import LazyGroup, cli

    ctx = click.Context(cli)
    for name, (_module, _attr, first_line) in LazyGroup.LAZY.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.help.splitlines()[0] == first_line


def test_prompts_render_exactly_as_langchains_chat_prompt_template():
    from langchain_core.prompts import ChatPromptTemplate

    from reporter.llm.prompts import PROMPTS_DIR, load_prompt

    roles = {"system": "system", "user": "human", "assistant": "ai"}
    for path in sorted(PROMPTS_DIR.glob("*.md")):
        prompt = load_prompt(path.stem)
        reference = ChatPromptTemplate.from_messages([(roles[r], t) for r, t in prompt.messages],
                                                     template_format="f-string")
        assert set(reference.input_variables) == prompt.variables
        values = {v: f"{v}: {{not a field}} }}{{ \n\n“quoted” {{0}}" for v in prompt.variables}
        ours = [(m.role, m.content) for m in prompt.render(**values)]
        theirs = [({"human": "user", "ai": "assistant"}.get(m.type, m.type), m.content)
                  for m in reference.format_messages(**values)]
        assert ours == theirs


def test_a_cached_llm_run_imports_neither_openai_nor_langchains_prompt_stack(tmp_path):
    """Everything answered from the cache: the model client (openai, langchain_openai) and LangChain's
    prompt/tracing stack are never imported."""
    import subprocess
    import sys

    from bench.llm_efficiency import responder  # the smallest schema-valid answer: nothing is re-asked
    from tests.fake_openai import FakeOpenAI

    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b"):
        (src / f"{name}.txt").write_text(f"Officials in {name} said on Monday that the bridge would reopen. "
                                         "The minister said repairs cost 4 million dollars.\n")
    code = ("import sys\nfrom reporter.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('openai', 'langchain_openai', 'langchain_core.prompts', "
            "'langsmith') if m in sys.modules), file=sys.stderr)\n")
    env = {"OPENAI_API_KEY": "sk-test", "REPORTER_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    with FakeOpenAI(responder=responder) as fake:
        args = [sys.executable, "-c", code, "brief", str(src), "--base-url", fake.url, "--out", str(tmp_path / "o"),
                "--quiet"]
        first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        sent = len(fake.chat_calls)
        second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        assert len(fake.chat_calls) == sent > 0  # the second run sent nothing
    assert "LOADED [" in first.stderr and "'openai'" in first.stderr
    assert "LOADED []" in second.stderr, second.stderr


def test_article_pieces_skip_the_tokenizer_only_when_bytes_prove_the_fit():
    from reporter.llm.summarise import article_pieces, part_budget, split_text

    model = "gpt-4o-mini"
    paragraph = "Officials said on Monday that the bridge would reopen after repairs costing 4 million dollars.\n"
    for window in (2500, 4000, 16000):
        for n in (1, 10, 40, 120):
            text = paragraph * n
            assert article_pieces(text, window, model) == split_text(text, part_budget(window, model), model)


def test_the_event_line_leaves_out_a_wire_dateline():
    """'WASHINGTON ―House Majority Whip ...' (real HuffPost lead): the briefing's title starts at the news."""
    leads = ["WASHINGTON ―House Majority Whip Steve Scalise was in critical condition on Thursday.",
             "MOSCOW (Reuters) - House Majority Whip Steve Scalise was in critical condition."]
    title = event_line([_summary(0, leads[0])])
    assert title == "House Majority Whip Steve Scalise was in critical condition on Thursday."
    assert event_line([_summary(i, lead) for i, lead in enumerate(leads)]).startswith("House Majority Whip")
    assert event_line([_summary(0, "US officials said — on Monday — that talks failed.")]).startswith("US officials")
