"""Text structure: sentences, headline, quotes and speakers, figures, names, boilerplate, exact offsets."""

from __future__ import annotations

import pytest
from evidence_support import make_source, seed_sources

from reporter.evidence.structure import parse


def test_abbreviations_and_quotes_do_not_break_sentences():
    text = (
        "Mr Putin met U.S. officials on Feb. 24 in Moscow. “It went well,” he said. "
        "Then Mr Wang left.\nHeadline with no full stop\nBy Jane Doe\n"
    )
    doc = parse(make_source("a", text))
    body = [s.text for s in doc.sentences if s.role == "body"]
    assert body == [
        "Mr Putin met U.S. officials on Feb. 24 in Moscow.",
        "“It went well,” he said.",
        "Then Mr Wang left.",
    ]
    assert doc.byline == "By Jane Doe"


def test_clergy_and_military_titles_do_not_end_a_sentence():
    """Real coverage: 'his father, civil rights leader Rev. Jesse Jackson, and ...' is one sentence."""
    text = ("Wilkins backed the campaign of civil rights leader Rev. Jesse Jackson, and Maj. Gen. Ann Lee agreed. "
            "Then Det. Ray Cole spoke.\n")
    body = [s.text for s in parse(make_source("a", text)).sentences if s.role == "body"]
    assert body == ["Wilkins backed the campaign of civil rights leader Rev. Jesse Jackson, and Maj. Gen. Ann Lee "
                    "agreed.", "Then Det. Ray Cole spoke."]


def test_a_place_written_as_initials_ends_a_sentence_when_a_new_one_starts():
    """Real coverage: '... Judge Robert L. Wilkins in Washington, D.C. Jackson's wife spent ...' was one
    sentence. 'U.S. officials' and 'D.C. Council' stay inside theirs."""
    text = ("They appeared in Washington, D.C. The judge agreed. U.S. officials met D.C. Council members in "
            "the U.S. He left.\n")
    body = [s.text for s in parse(make_source("a", text)).sentences if s.role == "body"]
    assert body == ["They appeared in Washington, D.C.", "The judge agreed.",
                    "U.S. officials met D.C. Council members in the U.S.", "He left."]


def test_headline_line_without_final_punctuation_is_its_own_sentence():
    doc = parse(make_source("h", "Wang and Putin meet in Moscow\n\nWang Yi met Vladimir Putin. He smiled.\n"))
    assert doc.headline is not None and doc.headline.text == "Wang and Putin meet in Moscow"
    assert [s.text for s in doc.sentences] == [
        "Wang and Putin meet in Moscow",
        "Wang Yi met Vladimir Putin.",
        "He smiled.",
    ]


def test_quote_speakers_full_names_pronouns_and_continuation():
    text = (
        "Russian Foreign Minister Sergei Lavrov met Wang Yi on Monday.\n"
        "“We are friends,” Lavrov said.\n"
        "Later he added that “ties are strong”.\n"
        "“Nothing will change.”\n"
        "According to Wang, the talks were “frank”.\n"
    )
    doc = parse(make_source("q", text))
    got = {q.text: q.speaker for q in doc.quotes}
    assert got["We are friends"] == "Sergei Lavrov"
    assert got["ties are strong"] == "Sergei Lavrov"
    assert got["Nothing will change."] == "Sergei Lavrov"
    assert got["frank"] == "Wang Yi"
    assert any(st.verb == "according to" and st.speaker == "Wang Yi" for st in doc.statements)


def test_quote_spanning_paragraphs_by_convention_is_not_stray_but_unbalanced_mark_is():
    text = "Peskov said: “I don’t think so.\n\n“They have denied it.”\n\nHe added: “Fine.” ”\n"
    doc = parse(make_source("c", text))
    assert [text[i] for i in doc.stray_quotes] == ["”"]
    assert doc.stray_quotes[0] == text.rindex("”")


def test_a_quote_inside_a_quote_with_double_marks_is_balanced_but_a_third_level_is_not():
    """Real coverage (FNC-1) nests “ ” inside “ ”: “The myth began among “gauchos,” the cowboys,” said B."""
    text = "He spoke. “The myth began among the “gauchos,” the cowboys of the Pampas,” said Balmaceda.\n"
    doc = parse(make_source("n", text))
    assert doc.stray_quotes == []
    assert {text[q.start:q.end] for q in doc.quotes} >= {"gauchos"}
    damaged = "She said: “one “two “three” and more.\n"
    assert parse(make_source("d", damaged)).stray_quotes  # marks that cannot all pair up are still flagged


def test_a_quote_continued_past_a_pull_quote_left_out_as_page_chrome_is_not_stray():
    """The paragraph that reopens the quote may itself be left out (a pull quote with its credit line)."""
    pull = "“I don’t think anyone seriously believes there is a 50ft crab in Whitstable. What would it eat?”"
    text = ("Mr Winter said he did not expect it.\n\nHe said: “Sometimes you put stuff out there and no one "
            f"takes any notice. It has been a strange reaction.\n\n{pull} - Quinton Winter\n{pull}\n\n"
            "The boys were unaware.\n")
    doc = parse(make_source("w", text))
    assert all(pull not in text[ps:pe] for ps, pe in doc.paragraphs)  # the pull quote is page chrome
    assert doc.stray_quotes == []


def test_figures_money_percent_dates_counts():
    text = (
        "Trade could reach US$200 billion (S$268 billion), up 5.5 per cent from 2022, "
        "with 3,000 prisoners freed on Feb 24, 2022."
    )
    doc = parse(make_source("f", text))
    got = [(f.text, f.kind, f.value, f.unit) for f in doc.figures]
    assert ("US$200 billion", "money", 200e9, "USD") in got
    assert ("S$268 billion", "money", 268e9, "SGD") in got
    assert ("5.5 per cent", "percent", 5.5, "%") in got
    assert ("3,000 prisoners", "count", 3000.0, "prisoners") in got
    assert ("Feb 24, 2022", "date", 2022.0, "year") in got


def test_a_surname_with_of_and_a_place_is_not_two_names_run_together():
    """NYT: 'Mitch McConnell, Republican of Kentucky, and Mr. Schumer of New York' (real coverage)."""
    text = "Chuck Schumer spoke first. The leaders, Mitch McConnell and Mr. Schumer of New York, did the same.\n"
    doc = parse(make_source("s", text))
    assert doc.fused_names == []


def test_us_titles_after_a_state_or_party_introduce_the_person_and_quotes_get_their_speaker():
    """Fox/NYT style (real coverage): 'Ohio Rep. Tim Ryan', 'California Democratic Rep. Nancy Pelosi',
    'Rep. Ruben Gallego of Arizona'; a later 'Ryan said' credits Tim Ryan, not nobody."""
    text = ("California Democratic Rep. Nancy Pelosi was re-elected. She was challenged by Ohio Rep. Tim Ryan.\n\n"
            "“Clearly, this didn’t turn out the way we wanted,” Ryan said after the vote.\n\n"
            "“We know how to win elections,” Pelosi said.\n\n"
            "\"We must do more,\" said Rep. Ruben Gallego of Arizona.\n")
    doc = parse(make_source("us", text))
    assert doc.persons["Ryan"] == "Tim Ryan" and doc.persons["Pelosi"] == "Nancy Pelosi"
    assert [q.speaker for q in doc.quotes] == ["Tim Ryan", "Nancy Pelosi", "Ruben Gallego"]


def test_a_title_after_a_chamber_or_state_introduces_the_person():
    """Fox/AP style (real coverage): 'Senate Minority Leader Chuck Schumer', 'Nebraska Attorney General Jon
    Bruning': the person, not an organisation called 'Senate Minority Leader Chuck Schumer'."""
    text = ("Senate Minority Leader Chuck Schumer spoke first. Nebraska Attorney General Jon Bruning filed suit.\n\n"
            "“It is unseemly to be moving forward so fast,” Schumer said.\n\n"
            "\"Federal law undisputedly prohibits it,\" Bruning said Thursday.\n")
    doc = parse(make_source("us", text))
    assert doc.persons["Schumer"] == "Chuck Schumer" and doc.persons["Bruning"] == "Jon Bruning"
    assert [q.speaker for q in doc.quotes] == ["Chuck Schumer", "Jon Bruning"]


def test_the_name_in_a_quote_tag_is_the_speaker_even_when_common_as_a_word():
    """'Paul Ryan', 'Trump', 'Price' are frequent English words, so nothing marks them as persons; the slot
    beside a quote ('...,” Ryan said', 'said Price.', 'Trump said, “...') still names who spoke."""
    text = ("Paul Ryan and Donald Trump spoke at the event in the hall.\n\n"
            "\"This is not what a real recovery looks like,\" Ryan said.\n\n"
            "When asked about it, Trump said, \"I always take things seriously.\"\n\n"
            "“We will look at every option,” said Price.\n\n"
            "The hall said “nothing at all” in its notice, and Monday brought news.\n")
    doc = parse(make_source("us", text))
    assert [q.speaker for q in doc.quotes] == ["Ryan", "Trump", "Price", None]
    text = "\"It's not in our plans,\" TVA Sports quoted Bill Daly as saying in French. \"There is nothing new.\"\n"
    assert [q.speaker for q in parse(make_source("q", text)).quotes] == ["Bill Daly", "Bill Daly"]
    text = "Lis Smith, a spokeswoman for the Obama campaign, said, “Mitt Romney’s ad is dishonest.” Nothing else.\n"
    assert [q.speaker for q in parse(make_source("d", text)).quotes] == ["Lis Smith"]


def test_the_object_of_a_speech_verb_or_a_preposition_is_not_the_speaker():
    """Real coverage (Fox/NYT on the Hunter indictment): 'Prosecutors said Hunter and his wife “...”' is the
    prosecutors' word, not Hunter's; 'A spokesman for Mr. Hunter, Michael Harrison, said' credits Harrison;
    'continued to spend' reports no speech."""
    text = ("Duncan Hunter and his wife spent the money.\n\n"
            "Prosecutors said Hunter and his wife “mischaracterized” the purchases.\n\n"
            "Hunter knew it and continued to spend despite warnings about “questionable purchases.”\n\n"
            "A spokesman for Mr. Hunter, Michael Harrison, said the congressman “believes this is political.”\n\n"
            "Secretary of State John Kerry, however, said the word “war” did not matter.\n\n"
            "It drew scrutiny, even from President Trump, who said “they are treated better,” and more.\n")
    doc = parse(make_source("us", text))
    assert [q.speaker for q in doc.quotes] == [None, None, "Michael Harrison", "John Kerry", "Trump"]


def test_the_subject_slot_names_the_speaker_whatever_its_kind():
    """'Ryan told Fox News ...' (a frequent word at a sentence start, written as a name elsewhere) and 'Its
    curator, Quinton Winter, said' credit Ryan and Winter, not Fox News; 'Sources told ...' credits no one, and
    'John Cornyn, R-Texas, said' credits Cornyn, not his party."""
    text = ("Rep. Paul Ryan spoke on Monday.\n\n"
            "Ryan told Fox News the campaign shows the “clear contrast” between the plans.\n\n"
            "Its curator, Quinton Winter, said he saw “some faint movement” first.\n\n"
            "Sources told the paper he resigned “in protest” over the plan.\n\n"
            "Sen. John Cornyn, R-Texas, said, “This bill is about respect.”\n")
    doc = parse(make_source("us", text))
    assert [q.speaker for q in doc.quotes] == ["Paul Ryan", "Quinton Winter", None, "John Cornyn"]


def test_a_dateline_outlet_or_a_nationality_is_not_the_speaker():
    """Real coverage (CNN on the Foley family): '(CNN) -- The mother of James Foley -- an American journalist
    -- said ..., telling CNN that officials even suggested ...' credited the quote to CNN, then to 'American'."""
    text = ("(CNN) -- The mother of James Foley -- an American journalist -- said she is \"embarrassed and "
            "appalled\" by the case, telling CNN that officials even suggested \"charges\" were possible.\n")
    doc = parse(make_source("cnn", text))
    assert [q.speaker for q in doc.quotes] == [None, None]


def test_a_sentence_adverb_is_not_part_of_a_name():
    """Real coverage: 'Yet AARP said ...' made a person 'Yet AARP' (the article never writes 'yet' in lower
    case, which is how other sentence openers are told from names)."""
    text = ("The plan angered members of AARP on Thursday.\n\n"
            "Yet AARP said on Friday that “our position has not changed on Social Security.”\n")
    doc = parse(make_source("h", text))
    assert "Yet AARP" not in [n.text for n in doc.names] and doc.quotes[0].speaker == "AARP"


def test_initials_are_one_name_token():
    """'the U.S. Attorney’s Office said' credits the U.S. Attorney’s Office, not 'S. Attorney’s Office'."""
    text = "“No one is above the law,” the press release from the U.S. Attorney’s Office said.\n"
    assert [q.speaker for q in parse(make_source("us", text)).quotes] == ["U.S. Attorney’s Office"]


def test_a_titled_name_or_one_with_a_middle_initial_is_one_person_not_two_run_together():
    text = ("The officers were Maj. Jan Mohammad Arash and Capt. Mohammad Nasir Askarzada. Later, Mitch McConnell "
            "met Paul Ryan and Speaker Paul D. Ryan spoke.\n")
    assert parse(make_source("t", text)).fused_names == []


def test_fused_names_are_split_and_recorded():
    text = "Wang Yi met Putin. On Tuesday, Wang Nikolai Patrushev, the security chief, said ties were good.\n"
    doc = parse(make_source("n", text))
    assert [text[s:e] for s, e in doc.fused_names] == ["Wang Nikolai Patrushev"]
    assert doc.persons["Patrushev"] == "Nikolai Patrushev"


def test_seed_boilerplate_is_found_and_excluded():
    docs = {d.source_id[:3]: d for d in map(parse, seed_sources())}
    chrome = [docs["002"].text[s:e] for s, e in docs["002"].boilerplate]
    assert any("top of page" in c for c in chrome) and any("15 views0 comments" in c for c in chrome)
    appended = "".join(docs["003"].text[s:e] for s, e in docs["003"].boilerplate)
    assert "Ukrainian prisoners join army" in appended and "Borrell tells" in appended
    assert not any("prisoners" in s.text for s in docs["003"].sentences)
    assert docs["002"].headline.text.startswith("In meeting with China’s top diplomat")
    assert docs["002"].byline == "By Anton Troianovski"
    assert docs["004"].date == "2023-02-22" and docs["003"].date == "Wednesday (22 February)"


@pytest.mark.parametrize("source", seed_sources(), ids=lambda s: s.id[:3])
def test_every_span_is_verbatim(source):
    doc = parse(source)
    t = source.text
    for item in [*doc.sentences, *doc.quotes, *doc.figures, *doc.names]:
        assert item.text == t[item.start : item.end]
        assert item.text == item.text.strip()
    assert doc.sentences, "a real article has sentences"
