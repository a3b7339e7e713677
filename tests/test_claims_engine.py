"""The engine on the problems of real multi-outlet news (issue 13), on small hand-written texts."""

from __future__ import annotations

import pytest

from reporter.chrome import find_chrome, line_spans
from reporter.evidence import analyse, language
from reporter.evidence.facts import facts, word_number
from reporter.evidence.structure import parse
from reporter.ingest import source_from_text

FILLER = ("The committee met for several hours on Tuesday and heard evidence from officials and residents. "
          "Its members asked many questions about the budget, the schedule and the contractors involved. ")


def _run(texts: dict[str, str]):
    return analyse([source_from_text(t, path=f"{name}.txt") for name, t in texts.items()])


def _kinds(report, kind):
    return [f for f in report.discrepancies if f.kind == kind]


def test_number_words_are_values():
    assert word_number("three") == 3
    assert word_number("Forty-two") == 42
    assert word_number("a dozen") == 12
    assert word_number("half a million") == 500_000


def test_counts_in_words_conflict_across_unaligned_sentences():
    report = _run({
        "a": "Three people were treated in hospital after the blast, police said.\n",
        "b": "Officials at the scene said the explosion injured four people near the market.\n",
        "c": "Five people were hurt in the explosion, according to the fire service.\n",
    })
    conflicts = [f for f in _kinds(report, "factual_conflict") if f.detector == "factual.count"]
    assert conflicts and {e.source_id for e in conflicts[0].evidence} >= {"a", "b"}


def test_rounding_and_bounds_are_not_conflicts():
    report = _run({
        "a": "The ministry said at least 30 people were injured in the storm in the northern province.\n"
             "The new stadium cost $1.4 billion, the city said.\n",
        "b": "Officials said 31 people were injured in the storm in the northern province.\n"
             "The city said the new stadium cost $1.375 billion.\n",
    })
    assert _kinds(report, "factual_conflict") == []


def test_ages_of_one_person_conflict():
    report = _run({
        "a": "Yair Tawil, 21, became the president's godson on Tuesday in Buenos Aires.\n",
        "b": "The president adopted a teenager named Yair Tawil as her godson in Buenos Aires.\n",
    })
    assert [f for f in _kinds(report, "factual_conflict") if f.detector == "factual.age"]


def test_every_fact_span_is_verbatim():
    doc = parse(source_from_text("He paid $5,687.75 for a 48-page report, a dozen people said, about 20 miles away.\n",
                                 path="x.txt"))
    found = facts(doc)
    assert found and all(doc.text[f.start:f.end] == f.text for f in found)
    assert {f.kind for f in found} >= {"money", "count", "length"}


def test_captions_tweets_and_credit_lines():
    prose = "The council approved the plan after a long debate about costs and benefits for the town. " * 2
    text = (f"Headline of the story\n\n{prose}\n\n{prose}\n\n{prose}\n\n"
            "Crossing place: They were caught on the bridge near the falls as they tried to enter Canada\n\n"
            f"{prose}\n\n"
            "Meet the mayor pic.twitter.com/abc123 — Jane Doe (@janedoe) October 13, 2014\n\n"
            f"{prose}\n\nThe Associated Press contributed to this report.\n")
    reasons = {text[s:e][:20]: why for s, e, why in find_chrome(text, line_spans(text))}
    assert any(k.startswith("Crossing place") for k in reasons)
    assert any(k.startswith("Meet the mayor") for k in reasons)
    assert not any("contributed" in k or "Associated" in k for k in reasons)


def test_related_block_ends_where_the_article_resumes():
    prose = "The council approved the plan after a long debate about costs and benefits for the town."
    text = (f"Title\n\n{prose}\n\nRelated\nOther story headline\nSEE ALL RELATED\n8\n\n"
            f"{prose} It will vote again next week.\n\n{prose} The mayor welcomed the decision.\n")
    junk = find_chrome(text, line_spans(text))
    assert any("Other story headline" in text[s:e] for s, e, _ in junk)
    assert not any("vote again" in text[s:e] or "mayor welcomed" in text[s:e] for s, e, _ in junk)


def test_minority_spelling_of_a_name_is_flagged_transliteration_is_not():
    texts = {f"s{i}": f"Justin Bieber met Sergei Ivanov in Moscow on Monday. {FILLER}\n" for i in range(5)}
    texts["odd"] = f"Justin Beiber met Sergey Ivanov in Moscow on Monday. {FILLER}\n"
    flags = _kinds(_run(texts), "spelling")
    assert [f.suggestion for f in flags if "Beiber" in f.evidence[0].text] == ["Bieber"]
    assert not [f for f in flags if "Sergey" in f.evidence[0].text]


def test_one_minority_spelling_is_one_flag_with_every_place_it_is_written():
    """Real coverage: 'Capt. Noorullah Aminy' in two sources, 'Aminyar' in five, was two identical flags."""
    texts = {f"s{i}": f"Capt. Noorullah Aminyar left camp on Monday. {FILLER}\n" for i in range(5)}
    texts["odd1"] = f"Capt. Noorullah Aminy left camp on Monday. Aminy was found later. {FILLER}\n"
    texts["odd2"] = f"Capt. Noorullah Aminy left the camp on Monday. {FILLER}\n"
    (flag,) = [f for f in _kinds(_run(texts), "spelling") if f.suggestion == "Aminyar"]
    assert [(e.source_id, e.text) for e in flag.evidence] == [("odd1", "Aminy"), ("odd1", "Aminy"), ("odd2", "Aminy")]
    assert flag.title == "Name spelt 'Aminy' in 2 sources, 'Aminyar' in 5 other sources"


def test_rare_real_words_are_not_misspellings_and_spanish_gets_no_english_corrections():
    english = "The judge said the plea would comport with the law; he pled guilty and wore parkas. " + FILLER
    spanish = ("El jefe del gobierno dijo que la visita coincidía con la celebración. La presidenta recibió a la "
               "familia en su despacho y encendieron las velas juntos, según informó la agencia oficial de noticias. "
               "Los periodistas preguntaron por el calendario de las reuniones y por los detalles del acuerdo.\n")
    assert language.detect(spanish) == "es" and language.detect(english * 3) == "en"
    flags = _kinds(_run({"en": english + "\n", "es": spanish}), "spelling")
    assert flags == []


def test_quote_given_to_confusable_outlets_is_an_attribution_conflict():
    report = _run({
        "a": "Jasmine Tridevil said the photo was real. Tridevil told the Express Times that she saw it. " + FILLER,
        "b": "Jasmine Tridevil said the photo was real. Speaking to the Daily Express, she claimed she saw it. "
             + FILLER,
    })
    assert [f for f in _kinds(report, "attribution_conflict") if f.detector == "attribution.outlet"]


def test_an_outlet_conflict_names_the_person_not_a_capitalised_word_or_a_place():
    """Real coverage (FNC 'crabzilla'): the title read "The's account" (from 'The Daily Express' and 'The
    Inquisitr', taken for a person) and then "Whitstable's account" (the town in both sentences)."""
    report = _run({
        "a": "The Inquisitr said the photo was real. Its curator, Quinton Winter, said he saw it in Whitstable. "
             "Winter, the curator of Weird Whitstable, told the Express Times that he saw it. " + FILLER,
        "b": "While crabbing in Whitstable harbor last year, Winter claims to have spotted the crab, as he related "
             "to The Daily Express. Winter explained, “At first all I could see was movement.” " + FILLER,
    })
    [flag] = [f for f in _kinds(report, "attribution_conflict") if f.detector == "attribution.outlet"]
    assert flag.title.startswith("Quinton Winter's account credited to")


def test_he_added_resolves_to_the_sentence_subject_not_the_last_quoted_speaker():
    doc = parse(source_from_text(
        "“It was unsettling,” said David Cypkin, a film producer.\n\n"
        "Speaking at the White House on Friday, Mr. Trump praised the police for the quick arrest.\n\n"
        "“These acts are despicable,” he said.\n\nHe added: “We must never allow political violence.”\n",
        path="x.txt"))
    last = [q for q in doc.quotes if "political violence" in q.text][0]
    assert last.speaker and "Trump" in last.speaker


def test_statuses_keyed_by_person_conflict():
    report = _run({
        "a": "Defense Secretary Jim Mattis resigned on Thursday in protest at the decision. " + FILLER,
        "b": "President Trump said that Defense Secretary Jim Mattis, one of Trump's first picks, would be retiring "
             "at the end of February. " + FILLER,
    })
    flags = [f for f in _kinds(report, "factual_conflict") if f.detector == "factual.outcome"]
    assert flags and {e.text for e in flags[0].evidence} == {"resigned", "would be retiring"}


def test_event_line_is_never_a_disputed_figure_and_non_english_articles_are_named(tmp_path):
    from reporter.config import Config
    from reporter.pipeline import build_brief

    texts = {
        "a": "Three people were treated in hospital after the blast in the market, police said.\n\n" + FILLER,
        "b": "Four people were injured in the blast in the market, officials said.\n\n" + FILLER,
        "c": "The blast in the market on Tuesday hurt several shoppers, the fire service said.\n\n" + FILLER,
        "es": ("El jefe del gobierno dijo que la explosión en el mercado hirió a varias personas. La policía "
               "investiga las causas y los bomberos trabajaron durante horas en el lugar según la agencia oficial. "
               "Los vecinos pidieron más seguridad y el alcalde prometió una respuesta rápida a las familias.\n"),
    }
    brief = build_brief([source_from_text(t, path=f"{k}.txt") for k, t in texts.items()],
                        Config(offline=True, use_cache=False))
    assert "Three people" not in brief.event and "Four people" not in brief.event
    notes = [p for p in brief.problems if p.source_id == "es"]
    assert notes and "Spanish" in notes[0].message and notes[0].step == "evidence"


def test_progress_lines_appear_only_after_the_delay(monkeypatch):
    import io
    import time

    from reporter import progress

    monkeypatch.setenv("REPORTER_PROGRESS", "1")
    progress.set_quiet(False)  # an earlier in-process `brief --quiet` may have set it
    quick = io.StringIO()
    with progress.Progress("analysing 2 articles", delay_s=5, stream=quick) as p:
        p.stage("aligning sources")
    assert quick.getvalue() == ""
    slow = io.StringIO()
    with progress.Progress("analysing 20 articles", delay_s=0.01, stream=slow) as p:
        time.sleep(0.2)
        progress.stage("checking factual")
    lines = slow.getvalue().splitlines()
    assert lines[0].startswith("reporter: analysing 20 articles: starting") and lines[-1].startswith(
        "reporter: analysing 20 articles: done")
    progress.set_quiet(True)
    try:
        assert not progress.enabled(slow)
    finally:
        progress.set_quiet(False)


def test_lost_words_are_garbled_text_but_inversions_are_not():
    report = _run({
        "a": "She been disowned by her mother, and she said paid $20,000 for it. Hodgkinson was member of the "
             "club. It would very exciting to see. " + FILLER,
        "b": "Had he been there, he would have voted. She has been a member of the club since 2001. " + FILLER,
    })
    lost = [f for f in _kinds(report, "garbled_text") if f.detector == "garbled.lost_word"]
    assert {f.evidence[0].text for f in lost} == {"She been", "said paid", "was member of", "would very exciting"}


def test_a_shared_title_is_no_point_of_agreement():
    """Real data (FNC bodies): every file opens with the same placeholder title, which the briefing listed as the
    first thing all eight sources agree on. Body sentences they share still count."""
    title = "[article body; the data set keeps no headline]\n\n"
    shared = "Hewlett-Packard said it would split into two listed companies on Monday. "
    report = _run({"a": title + shared + FILLER, "b": title + shared + "Shares rose in early trading.\n"})
    agreed = [c.text for c in report.consensus]
    assert shared.strip() in agreed and not any("placeholder" in t or "headline]" in t for t in agreed)


def test_a_verb_or_function_word_after_a_number_is_not_what_it_counts():
    """Real coverage: 'Employer of 300,000 will separate ...' listed the figure '300,000 will'."""
    from reporter.evidence.figures import find_figures

    text = "Employer of 300,000 will separate its units; of the 47 were killed, 3 said; it has 300,000 employees."
    assert [(text[f.start : f.end], f.unit) for f in find_figures(text)] == [
        ("300,000", None), ("47", None), ("3", None), ("300,000 employees", "employees")]


def test_a_sentence_two_articles_share_gives_its_facts_and_statuses_at_each_place():
    # facts and statuses are read once per distinct sentence, then placed where each copy stands
    from reporter.evidence.outcomes import outcomes

    line = "Defense Secretary Jim Mattis resigned in 2018 after six people were hurt, police said."
    one = parse(source_from_text(f"The committee met\n\n{line}\n", path="a.txt"))
    two = parse(source_from_text(f"The committee met\n\nIt met again later that week.\n\n{line}\n", path="b.txt"))
    (a_facts, a_statuses), (b_facts, b_statuses) = ((facts(doc), outcomes(doc)) for doc in (one, two))
    shift = two.text.index(line) - one.text.index(line)
    assert shift > 0 and {f.kind for f in a_facts} >= {"count", "year"}
    assert [(f.start + shift, f.end + shift, f.text, f.kind, f.lo, f.hi, f.unit, f.context, f.names)
            for f in a_facts] == [(f.start, f.end, f.text, f.kind, f.lo, f.hi, f.unit, f.context, f.names)
                                  for f in b_facts]
    assert [(o.start + shift, o.person, o.status) for o in a_statuses] == [
        (o.start, o.person, o.status) for o in b_statuses] == [(two.text.index("resigned"), "Mattis", "resigned")]


def test_the_cluster_vocabulary_counts_every_copy_of_a_repeated_sentence():
    # each distinct sentence is tokenized once; its word pairs still count once per place it stands
    from reporter.config import EvidenceThresholds
    from reporter.evidence.align import Alignment
    from reporter.evidence.flags import Cluster

    line = "Crews shored up the wall."
    one = parse(source_from_text(f"The flood\n\n{line}\n\nRain fell all night long there.\n\n{line}\n", path="a.txt"))
    two = parse(source_from_text(f"The storm\n\nWind blew hard.\n\n{line}\n", path="b.txt"))
    cluster = Cluster.build({"a": one, "b": two}, Alignment([], [], {}), EvidenceThresholds())
    assert cluster.bigrams[("shored", "up")] == 3
    assert cluster.word_docs["shored"] == {"a", "b"} and cluster.word_docs["rain"] == {"a"}
    assert cluster.attested_elsewhere("Shored", "a") and not cluster.attested_elsewhere("rain", "a")


@pytest.mark.parametrize("a, b", [
    ("Diane Foley spoke on Monday. Diane Foley also said US officials told her they would not exchange prisoners "
     "or carry out any military action to rescue her son. ",
     "Diane Foley spoke on Monday. She also says the government told her it would not exchange prisoners or "
     "conduct any military action to rescue her son. "),
    ("Dr. Gwen Korovin has denied taking a selfie photo in the procedure room while Joan Rivers was under "
     "anesthesia at the clinic. ",
     "A staff member at the Yorkville Endoscopy clinic said the doctor took a selfie photo in the procedure room "
     "while Joan Rivers was under anesthesia. "),
], ids=["relayed", "denied"])
def test_nested_speech_and_a_denial_are_no_statement_credited_to_different_people(a, b):
    """Real coverage: 'Diane Foley also said US officials told her they would not ...' against 'She says the
    government told her it would not ...' (both right: she relays what officials told her), and 'Korovin has
    denied taking a selfie ...' against 'a staff member told investigators the doctor took a selfie ...'
    (opposite claims, not one statement credited to two people) were high-severity attribution conflicts."""
    report = _run({"a": a + FILLER, "b": b + FILLER})
    assert not [f for f in _kinds(report, "attribution_conflict") if f.detector == "attribution.statement"]


def test_a_family_name_in_the_plural_is_no_missing_apostrophe():
    """Real coverage: '"The Sotloffs felt there was nothing they could do"' was flagged 'did you mean
    Sotloff’s?' because another source writes 'Sotloff's family'; 'Sotloffs mother' still is."""
    other = "Steven Sotloff's family said on Monday that Sotloff's mother had appealed for his release. "
    report = _run({"a": "The Sotloffs felt there was nothing they could do to help him. " + FILLER, "b": other})
    assert not _kinds(report, "spelling")
    report = _run({"a": "His friend said Sotloffs mother had appealed for his release. " + FILLER, "b": other})
    assert [f.suggestion for f in _kinds(report, "spelling")] == ["Sotloff’s"]


def test_a_speaker_read_from_he_said_is_no_ground_for_an_attribution_conflict():
    """Real coverage (the 2012 vice-presidential debate): NYT's '“I think the vice president very well knows
    that sometimes the words don’t come out of your mouth the right way,” he said' is Ryan's, but 'he' was read
    as Joe Biden, the last person named, and a high flag said HuffPost credits the wrong man."""
    a = ("Rep. Paul Ryan answered Joe Biden on Thursday. And he then added: “I think the vice president very well "
         "knows that sometimes the words don’t come out of your mouth the right way,” Ryan said. ")
    b = ("Paul Ryan spoke after Vice President Joe Biden mocked him on the stage. “I think the vice president very "
         "well knows that sometimes the words don’t come out of your mouth the right way,” he said. ")
    report = _run({"a": a + FILLER, "b": b + FILLER})
    assert not _kinds(report, "attribution_conflict")
    # the same remark credited by name to two people is flagged; worded alike only, it is no longer high
    b_named = b.replace("he said", "Biden said")
    [flag] = _kinds(_run({"a": a + FILLER, "b": b_named + FILLER}), "attribution_conflict")
    assert flag.severity == "high" and "Paul Ryan" in flag.explanation and "Joe Biden" in flag.explanation
    c = "“It's a power grab for the American people,” Lofgren said. "
    d = "“Yes it is a power grab -- a power grab on behalf of the people,” Pelosi said. "
    [flag] = _kinds(_run({"c": "Zoe Lofgren spoke. " + c + FILLER, "d": "Nancy Pelosi spoke. " + d + FILLER}),
                    "attribution_conflict")
    assert flag.severity == "medium"


def test_a_source_quoting_a_remark_and_a_longer_one_is_compared_on_the_remark():
    """Each source's quote closest in words to the others is compared, not its longest one sharing some words
    (real-news cases: basil/2014-ed8c136f, HuffPost quotes Holder's “I am the attorney general of the United
    States…” word for word and also “The same kid who got stopped … is now the attorney general…”, flagged high
    as a rewording; fnc/nhl-expansion-report, “We're not ready to expand” against a longer quote of Bettman's
    that has “we're not in a position to expand” in one of its own sentences, flagged high for negation)."""
    report = _run({
        "a": FILLER + "“I understand that anger,” Holder said. “I am the attorney general of this country. But I am "
             "also a farmer's son from the valley.” He spoke for an hour.\n\n"
             "“We're not ready to expand the programme,” Holder said in May.\n",
        "b": FILLER + "“I am the attorney general of this country. But I am also a farmer's son from the valley,” "
             "Holder said. “The same boy who worked the fields of the valley is now the attorney general of this "
             "country,” Holder added.\n\n"
             "“We're not in a position to expand the programme,” he said. “We're certainly not in position to "
             "expand it into the north. We have been candid about it. But we're not looking to move any offices, "
             "and we're not looking to expand the programme.”\n",
    })
    flags = _kinds(report, "wording_variant")
    assert not [f for f in flags if "farmer" in f.title or "same boy" in " ".join(e.text for e in f.evidence)]
    expand = [f for f in flags if "expand" in f.title]
    assert expand and all(f.severity != "high" and "negation" not in f.explanation for f in expand), expand


def test_a_round_figure_cut_down_from_the_exact_one_is_no_conflict():
    """Real coverage (the Clintons' taxes): '$43 million in federal taxes' against '$43,885,310 in federal
    taxes' was a high 'Different amount'; a round figure is often the exact one cut down. $5,687.75 against
    $5,587.75 still conflicts."""
    report = _run({"a": "The couple paid $43 million in federal taxes from 2007 through 2014. " + FILLER,
                   "b": "The couple paid $43,885,310 in federal taxes from 2007 through 2014. " + FILLER})
    assert not _kinds(report, "factual_conflict")
    report = _run({"a": "Jackson spent $5,687.75 of campaign money on a football signed by presidents. " + FILLER,
                   "b": "Jackson spent $5,587.75 of campaign money on a football signed by presidents. " + FILLER})
    assert [f.detector for f in _kinds(report, "factual_conflict")] == ["factual.money"]


def test_the_same_list_of_values_or_two_periods_is_no_conflict():
    """Real coverage: 'Romney leads with 21 percent, followed by Trump and Huckabee at 17 percent each' against
    'Trump tied with Huckabee at 17 percent (Romney leads at 21 percent)' was '21 percent vs 17 percent'; a
    rate for 2014 against a rate from 2007 through 2014 are two periods."""
    report = _run({
        "a": "In the poll, Mitt Romney leads the field with 21 percent of voters, followed by Donald Trump and Mike "
             "Huckabee at 17 percent each. " + FILLER,
        "b": "The poll shows Donald Trump tied with Mike Huckabee at 17 percent (Mitt Romney leads the field at 21 "
             "percent). " + FILLER})
    assert not _kinds(report, "factual_conflict")
    report = _run({
        "a": "The Clintons' effective federal tax rate for 2014 was 35.7 percent, the campaign said. " + FILLER,
        "b": "From 2007 through 2014 the Clintons paid federal taxes at an effective tax rate of 31.55 percent, the "
             "campaign said. " + FILLER})
    assert not _kinds(report, "factual_conflict")


def test_an_unnamed_source_and_a_named_speaker_are_two_remarks():
    """Quotes sharing a frame ('there's a lot of') by an unnamed source and a named speaker are two people's
    remarks, not one reworded (real-news case: basil/2016-79bf99c6, HuffPost's “There’s a whole lot of anger,”
    said one Democrat who requested anonymity, against the Times' “I think there’s a lot of soul-searching,”
    said Representative Carolyn B. Maloney). A quote credited before it ('A senior aide said: …') counts too."""
    for credit_a, credit_b in (
        ("“There’s a whole lot of anger,” said one Democrat who opposed her, who requested anonymity.",
         "“I think there’s a lot of soul-searching,” said Representative Carolyn B. Maloney of New York."),
        ("A senior aide said: “There’s a whole lot of anger.”",
         "Representative Carolyn B. Maloney of New York said: “I think there’s a lot of soul-searching.”"),
    ):
        report = _run({"a": FILLER + credit_a + "\n", "b": FILLER + credit_b + "\n"})
        assert not _kinds(report, "wording_variant"), credit_a
    report = _run({"a": FILLER + "“There’s a whole lot of anger,” said Representative Carolyn B. Maloney.\n",
                   "b": FILLER + "“There’s a lot of anger,” said Representative Carolyn B. Maloney.\n"})
    assert _kinds(report, "wording_variant")  # one person's remark, one word dropped: still a variant


def test_two_named_speakers_quoted_alike_are_two_remarks_not_one_reworded():
    """Real coverage (2019, House Democrats' bill): Fox's “Yes it is a power grab -- a power grab on behalf of the
    people,” Pelosi said, and the Times' “It’s a power grab for the American people,” Lofgren said, were one
    remark 'worded differently'. Two people named by the sources said two things; a remark credited word for
    word to both would be an attribution conflict."""
    c = "Zoe Lofgren spoke on Friday. “It’s a power grab for the American people,” Lofgren said. "
    d = "Nancy Pelosi spoke on Friday. “Yes it is a power grab -- a power grab on behalf of the people,” Pelosi said. "
    report = _run({"c": c + FILLER, "d": d + FILLER})
    assert not _kinds(report, "wording_variant")
    same = "Zoe Lofgren spoke on Friday. “It’s a power grab on behalf of all the American people,” Lofgren said. "
    assert _kinds(_run({"c": c + FILLER, "d": same + FILLER}), "wording_variant")
