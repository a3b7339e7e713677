"""Write tests/cassettes/seeds.yaml: the seeds' LLM run with AUTHORED responses (no model involved).

No model is reachable where reporter is developed, so this script runs the real pipeline in record mode
against the fake OpenAI server, whose responder writes every answer from the articles themselves:

* summaries: the article's own sentences (lead and key points), its quotes and its figures, verbatim;
* the brief: a consensus of sentences every source has, verdicts confirming the evidence engine's
  candidates (wording variants rejected), two model-only flags whose evidence is in the sources, and
  one whose quote appears in NO source, so the grounding guard has something to remove (the re-ask
  about it, with the sentence it is closest to, is answered null: no sentence says it).

The cassette is then labelled `provenance: authored`. Run from the repository root:

    python tests/cassettes/author_seeds.py [--out tests/cassettes/seeds.yaml]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pysbd  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from fake_openai import ChatCall, FakeOpenAI, Reply  # noqa: E402

from reporter.cli import cli  # noqa: E402
from reporter.config import Config  # noqa: E402
from reporter.ingest import read_inputs  # noqa: E402
from reporter.llm.cassette import Cassette, Header  # noqa: E402
from reporter.models import Source  # noqa: E402
from reporter.tokens import count_tokens  # noqa: E402

SEEDS = "seeds"
DEFAULT_OUT = ROOT / "tests" / "cassettes" / "seeds.yaml"
AUTHORED_MODEL = "authored"  # the "answering model" of every response: nobody but this script
AUTHORING_KEY = "sk-authoring-not-a-real-key"
NOTE = ("Responses AUTHORED by tests/cassettes/author_seeds.py from the seed articles' own text, in the "
        "model's output format, for tests. They are not model output. Includes one flag whose quote "
        "is in no source, on purpose (grounding test).")

# An invented quote: the grounding guard must remove it, and the flag becomes an unverified claim.
INVENTED_EVIDENCE = "Wang Yi landed in Moscow on Monday evening after cancelling his stop in Budapest."

DELIMITED = re.compile(r"<<<([A-Z]+-[0-9A-F]+)>>>\n(.*)\n<<<END \1>>>", re.DOTALL)
CANDIDATE = re.compile(r"^(C\d+) ([a-z_]+), ")  # "C3 garbled_text, medium: title | S2.9 \"...\""
NUMBERED = re.compile(r"^(\d+) (.+)$")  # page chrome lines ('9* ...') do not match
QUOTE = re.compile(r"[“\"]([^”\"]{12,}?)[”\"]")
SPEAKER = re.compile(r"\b(?:Mr |Ms )?([A-Z][a-z]+)\b(?:,[^,]{0,80},)? (?:said|told|stated|added|responded)\b")
FIGURE = re.compile(r"(?:US)?\$\d[\d,.]*(?: (?:billion|million|trillion))?|\b\d[\d,.]*(?:%| percent| billion"
                    r"| million| people| hours| minutes)\b|\b(?:19|20)\d\d\b")


def sentences(text: str) -> list[str]:
    """The article's sentences, verbatim (stripped), skipping short lines such as bylines."""
    found = []
    segmenter = pysbd.Segmenter(language="en", clean=False)  # one per call: pysbd keeps state, requests overlap
    for line in text.splitlines():
        for sentence in segmenter.segment(line):
            sentence = sentence.strip()
            # headlines and bylines are not sentences of the story: no closing punctuation, or "By ..."
            if len(sentence.split()) >= 8 and sentence[-1] in ".!?”\"'’)" and not sentence.startswith("By "):
                found.append(sentence)
    return found


def summary_answer(article: str) -> dict[str, Any]:
    """A summary made of the article's own words: lead, key points, quotes, figures."""
    said = sentences(article)
    quotes, figures = [], []
    for sentence in said:
        for text in QUOTE.findall(sentence):
            if len(quotes) < 4 and len(text.split()) >= 3 and text not in [q["text"] for q in quotes]:
                speaker = SPEAKER.search(sentence)
                quotes.append({"text": text, "speaker": speaker.group(1) if speaker else ""})
        for figure in FIGURE.findall(sentence):
            if len(figures) < 3 and figure not in [f["text"] for f in figures]:
                figures.append({"text": figure, "measures": sentence[:120]})
    return {"lead": said[0] if said else article.strip()[:200], "key_points": said[1:5],
            "quotes": quotes, "figures": figures}


def numbered(material: str) -> dict[str, list[tuple[int, str]]]:
    """The articles as the brief request shows them: label -> [(sentence number, sentence)]."""
    shown: dict[str, list[tuple[int, str]]] = {}
    label = None
    for line in material.split("\nALIGNED\n")[0].split("\nCANDIDATES\n")[0].splitlines():
        if line.startswith("[S"):
            label = line[1:].split("]")[0]
            shown[label] = []
        elif label and (match := NUMBERED.match(line)) and not match.group(2).startswith("= S"):
            shown[label].append((int(match.group(1)), match.group(2)))
    return shown


def _evidence(material: str, *words: str) -> list[dict[str, Any]]:
    """Per source, the first numbered sentence containing every word: verbatim evidence, with its number."""
    found = []
    for label, lines in numbered(material).items():
        hit = next(((n, t) for n, t in lines if len(t.split()) >= 8 and all(w in t for w in words)), None)
        if hit:
            found.append({"source_id": label, "sentence": hit[0], "text": hit[1]})
    return found


VERDICT_REASONS = {
    "factual_conflict": "The sources state different facts here; only one of them can be right.",
    "attribution_conflict": "The sources put these words or this claim in different mouths.",
    "garbled_text": "The passage does not read as a correct sentence; words look lost or doubled.",
    "spelling": "A misspelling a reader will notice.",
    "boilerplate": "Page furniture from the website, not part of the article.",
}


def _evidence_any(material: str, *phrases: str) -> list[dict[str, Any]]:
    """Per source, the first numbered sentence containing any of the phrases."""
    found: dict[str, dict[str, Any]] = {}
    for phrase in phrases:
        for ev in _evidence(material, phrase):
            found.setdefault(ev["source_id"], ev)
    return sorted(found.values(), key=lambda e: e["source_id"])


PARAPHRASED = ("had yet to be confirmed", "the meeting was not yet confirmed")


def paraphrased(evidence: dict[str, Any]) -> dict[str, Any]:
    """One quote given as a paraphrase, with its sentence number, so the re-ask has something to repair."""
    if PARAPHRASED[0] in evidence["text"]:
        return {**evidence, "text": PARAPHRASED[1]}
    return evidence


def requote_answer(items: str) -> dict[str, Any]:
    """The re-ask: for each failed quote, its cited sentence itself (verbatim) when that sentence holds most
    of the quote's words, else null (the quote is in no sentence: an invention stays removed)."""
    answers = []
    for block in re.split(r"^(?=Q\d+$)", items, flags=re.M):
        lines = block.strip().splitlines()
        if len(lines) < 3:
            continue
        quote, sentence = lines[1].removeprefix("quote: "), lines[2].removeprefix("sentence: ")
        words = set(quote.lower().split())
        shared = len(words & set(sentence.lower().split())) / max(1, len(words))
        answers.append({"id": lines[0], "text": sentence if shared >= 0.5 else None})
    return {"quotes": answers}


def brief_answer(material: str, sources: list[Source]) -> dict[str, Any]:
    """The cross-source brief: consensus, verdicts on every candidate, new flags (one ungrounded)."""
    verdicts = []
    for line in material.splitlines():
        if match := CANDIDATE.match(line):
            cand_id, kind = match.group(1), match.group(2)
            if kind == "wording_variant":
                verdicts.append({"candidate_id": cand_id,
                                 "reason": "The same statement in different words; the facts agree.",
                                 "verdict": "rejected"})
            else:
                verdicts.append({"candidate_id": cand_id,
                                 "reason": VERDICT_REASONS.get(kind, "The passages do disagree."),
                                 "verdict": "confirmed"})
    consensus = [
        {"text": "Wang Yi, China's top diplomat, met Vladimir Putin in Moscow on Wednesday.",
         "evidence": _evidence(material, "Putin", "Wang", "Wednesday")},
        {"text": "Wang also met Nikolai Patrushev, head of Russia's Security Council.",
         "evidence": _evidence(material, "Patrushev", "Wang")},
    ]
    for point in consensus:
        point["source_ids"] = [e["source_id"] for e in point["evidence"]]
    new = [
        {"kind": "attribution_conflict", "severity": "medium",
         "title": "Who said bilateral trade could reach $200 billion",
         "explanation": "One report has Wang saying that trade could reach $200 billion a year; another has "
                        "Putin telling Wang so.",
         "suggestion": "Check the Kremlin transcript for who gave the trade figure.", "confidence": 0.7,
         "evidence": _evidence(material, "200 billion")},
        {"kind": "attribution_conflict", "severity": "high",
         "title": "Who raised material support for Russia's invasion",
         "explanation": "One report says Putin said Beijing could provide material support; another says "
                        "the United States warned Beijing against it.",
         "suggestion": "Attribute the material-support warning to the United States.", "confidence": 0.65,
         "evidence": _evidence(material, "material support")},
        {"kind": "factual_conflict", "severity": "medium",
         "title": "Whether Xi Jinping's visit to Russia is agreed",
         "explanation": "One report says Putin indicated the meeting had yet to be confirmed; others quote him "
                        "saying the visit was agreed.",
         "suggestion": "Say the visit was announced as agreed but its date not yet fixed, if the transcript "
                       "supports it.", "confidence": 0.6,
         "evidence": [paraphrased(e) for e in _evidence_any(material, "yet to be confirmed", "agreed on this")]},
        {"kind": "factual_conflict", "severity": "medium",
         "title": "When Wang Yi arrived in Moscow",
         "explanation": "A report has Wang landing on Monday, while others say he arrived on Tuesday.",
         "suggestion": None, "confidence": 0.5,
         "evidence": [{"source_id": f"S{len(sources)}", "sentence": None, "text": INVENTED_EVIDENCE}]},
    ]
    return {"event": "China's top diplomat Wang Yi visits Moscow and meets Vladimir Putin",
            "consensus": consensus, "verdicts": verdicts, "new_discrepancies": new}


def fit_to_schema(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """Drop the fields the requested schema does not have, so the answers follow the prompt's schema."""
    if "$ref" in schema:
        return fit_to_schema(value, root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in schema and value is not None:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return fit_to_schema(value, options[0], root) if options else value
    if isinstance(value, dict) and "properties" in schema:
        return {k: fit_to_schema(v, schema["properties"][k], root) for k, v in value.items()
                if k in schema["properties"]}
    if isinstance(value, list) and "items" in schema:
        return [fit_to_schema(v, schema["items"], root) for v in value]
    return value


def make_responder(sources: list[Source], errors: list[str] | None = None):
    """The fake server's responder: an authored answer for every summary and brief request.

    A request it cannot answer (or a re-ask: authored answers must be valid) is appended to `errors`.
    """

    def respond(call: ChatCall) -> Reply:
        try:
            return authored_reply(call)
        except ValueError as exc:
            if errors is not None:
                errors.append(str(exc))
            raise

    def authored_reply(call: ChatCall) -> Reply:
        schema = call.requested_schema or {}  # json mode: the schema stated in the prompt
        properties = schema.get("properties", {})
        users = [m.get("content") or "" for m in call.messages if m.get("role") == "user"]
        if len(users) != 1:
            raise ValueError(f"authoring: the pipeline re-asked, an authored answer was refused: {users[-1][:200]}")
        match = DELIMITED.search(users[0])
        if match is None:
            raise ValueError("authoring: no delimited article or material in the request")
        if "verdicts" in properties:
            data = brief_answer(match.group(2), sources)
        elif "quotes" in properties:
            # the re-ask about quotes not found verbatim, each with the sentence it cites
            data = requote_answer(match.group(2))
        elif "lead" in properties:
            data = summary_answer(match.group(2))
        else:
            raise ValueError(f"authoring: unknown request schema: {sorted(properties)}")
        text = json.dumps(fit_to_schema(data, schema, schema), ensure_ascii=False, indent=1)
        model = call.model or "?"
        return Reply(text=text, model=AUTHORED_MODEL, input_tokens=count_tokens(call.text, model),
                     output_tokens=count_tokens(text, model))

    return respond


def author(out: Path) -> Cassette:
    """Run the seeds through the pipeline against the fake server; save the authored cassette."""
    os.chdir(ROOT)
    sources, _ = read_inputs([SEEDS], Config())
    errors: list[str] = []
    with FakeOpenAI(responder=make_responder(sources, errors)) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {"OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": AUTHORING_KEY, "REPORTER_MODEL": None,
               "REPORTER_CACHE_DIR": str(Path(tmp) / "cache")}
        recorded = Path(tmp) / "seeds.yaml"
        result = CliRunner().invoke(cli, ["brief", SEEDS, "--record", str(recorded), "--out",
                                          str(Path(tmp) / "out"), "--quiet"], env=env)
        if result.exit_code != 0 or fake.misses or errors:
            raise SystemExit(f"authoring run failed (exit {result.exit_code}): {result.output}"
                             f"{result.exception or ''} {'; '.join(errors)}")
        cassette = Cassette.load(recorded)
    date = cassette.header.date
    if out.exists():  # unchanged answers keep their date, so re-authoring gives no diff
        previous = Cassette.load(out)
        if [e.model_dump() for e in previous.entries] == [e.model_dump() for e in cassette.entries]:
            date = previous.header.date
    cassette.header = Header(provenance="authored", date=date, note=NOTE)
    cassette.save(out)
    return cassette


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cassette to write")
    args = parser.parse_args()
    cassette = author(args.out.resolve())
    print(f"wrote {args.out}: {len(cassette)} authored responses")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
