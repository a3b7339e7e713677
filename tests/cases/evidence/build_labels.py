"""Writes labels.json: hand labels of the seeds' real problems plus small hand-made cases per detector.

Labels are authored by hand (not produced by the engine). Each expected flag is a kind plus anchors
(source, verbatim text); a flag matches when it has that kind and its evidence overlaps enough anchors.
`split` is "tune" (looked at while building the engine) or "heldout" (written before running the engine on
them and never tuned on).
"""

import json
from pathlib import Path

S0, S1, S2, S3, S4 = (
    "000_682df135ee5f2b03",
    "001_b41261e48053f856",
    "002_dfce30cfe0989a0b",
    "003_14d04cea5f721a04",
    "004_bc07cf1c3775fde8",
)


def a(source, text):
    return {"source": source, "text": text}


SEED_LABELS = [
    # spelling
    {"kind": "spelling", "anchors": [a(S2, "shore op")], "note": "real-word slip for 'shore up'"},
    {"kind": "spelling", "anchors": [a(S3, "offical")]},
    {"kind": "spelling", "anchors": [a(S3, "suprise")]},
    {"kind": "spelling", "anchors": [a(S3, "impliciting")]},
    {"kind": "spelling", "anchors": [a(S1, "Chinas top diplomat")], "note": "missing apostrophe"},
    {"kind": "spelling", "anchors": [a(S1, "the US and his allies")], "note": "'his' for 'its'"},
    # garbled
    {"kind": "garbled_text", "anchors": [a(S1, "both military and military forces")]},
    {"kind": "garbled_text", "anchors": [a(S1, "in the spring to visit in 2023")]},
    {"kind": "garbled_text", "anchors": [a(S1, "Kremlin invasion visited")]},
    {"kind": "garbled_text", "anchors": [a(S1, "development interests.” ”")], "note": "stray quotation mark"},
    {"kind": "garbled_text", "anchors": [a(S1, "confront the… improve")], "note": "quote cut mid-phrase"},
    {
        "kind": "garbled_text",
        "anchors": [a(S1, "Chinas top diplomat vows to strengthen ties with Russia ahead\n")],
        "note": "headline repeated and cut",
    },
    {"kind": "garbled_text", "anchors": [a(S1, "Wang Nikolai Patrushev")], "note": "verb lost between names"},
    {"kind": "garbled_text", "anchors": [a(S1, "its NATO passed on to allies")], "note": "spliced clause"},
    {"kind": "garbled_text", "anchors": [a(S1, "nuclear weapons deal suspend the US")]},
    {"kind": "garbled_text", "anchors": [a(S1, "just a few days later US officials")]},
    {"kind": "garbled_text", "anchors": [a(S0, "coincides with the countries that support Ukraine’s desire")]},
    {
        "kind": "garbled_text",
        "anchors": [a(S3, "position themselves alongside the US")],
        "note": "meaning inverted (against the US)",
    },
    # attribution
    {
        "kind": "attribution_conflict",
        "anchors": [a(S2, "$200 billion as early"), a(S3, "$200 billion annually"), a(S4, "US$200 billion (S$")],
        "note": "Putin vs Wang",
    },
    {
        "kind": "attribution_conflict",
        "anchors": [
            a(S3, "Putin said that Beijing could provide material support"),
            a(S4, "the United States warned Beijing against providing"),
        ],
        "note": "a US warning credited to Putin",
    },
    # wording
    {"kind": "wording_variant", "anchors": [a(S0, "strong as a rock"), a(S1, "solid as a rock")]},
    {
        "kind": "wording_variant",
        "anchors": [
            a(S0, "has been and remains determined"),
            a(S4, "has been and remains committed"),
            a(S1, "China has been and is willing"),
        ],
    },
    {"kind": "wording_variant", "anchors": [a(S2, "Everything is moving forward"), a(S4, "Everything is progressing")]},
    {"kind": "wording_variant", "anchors": [a(S1, "exchanged views"), a(S3, "exchanged their opinions")]},
    {
        "kind": "wording_variant",
        "anchors": [
            a(S0, "not intended against any third nations"),
            a(S2, "never been directed against third countries"),
            a(S4, "not succumb to pressure from third parties"),
        ],
    },
    {
        "kind": "wording_variant",
        "anchors": [
            a(S2, "withstood pressure from the international community"),
            a(S4, "withstood the pressure from a volatile international"),
        ],
    },
    {
        "kind": "wording_variant",
        "anchors": [
            a(S0, "stand the test of the unpredictable international scenario"),
            a(S1, "stand the test of the changing international situation"),
        ],
    },
    # factual
    {
        "kind": "factual_conflict",
        "anchors": [a(S2, "the meeting had yet to be confirmed"), a(S4, "we have agreed on this")],
        "note": "visit confirmed or not",
    },
    {
        "kind": "factual_conflict",
        "anchors": [
            a(S3, "reportedly also closed new agreements"),
            a(S4, "looked forward to clinching new agreements"),
        ],
    },
    {
        "kind": "factual_conflict",
        "anchors": [
            a(S0, "from maintaining their hegemony over the world"),
            a(S1, "campaign to contain Russia and China"),
        ],
    },
    # boilerplate
    {"kind": "boilerplate", "anchors": [a(S2, "top of page")]},
    {"kind": "boilerplate", "anchors": [a(S2, "15 views0 comments")]},
    {"kind": "boilerplate", "anchors": [a(S3, "More than 3,000 Ukrainian prisoners join army")]},
    {"kind": "boilerplate", "anchors": [a(S3, "photo: Reuters")]},
    {"kind": "boilerplate", "anchors": [a(S1, "CNN’s Anna Chernova contributed to this report")]},
]
SEED_FORBID = [
    {"kind": "factual_conflict", "anchors": [a(S2, "$185 billion last year"), a(S4, "US$185 billion in 2022")]},
    {
        "kind": "garbled_text",
        "anchors": [a(S4, "than the Chinese representatives have already done.")],
        "note": "quote continued in the next paragraph by convention",
    },
    {"kind": "spelling", "anchors": [a(S2, "Troianovski")]},
]


def case(name, split, sources, expect=(), forbid=()):
    return {"name": name, "split": split, "sources": sources, "expect": list(expect), "forbid": list(forbid)}


CASES = [
    # ---- spelling
    case(
        "nonword-typo",
        "tune",
        {
            "a": "The minister said the goverment would act soon.\n",
            "b": "The minister said the government would act soon.\n",
        },
        [{"kind": "spelling", "anchors": [a("a", "goverment")]}],
    ),
    case(
        "name-attested-elsewhere",
        "tune",
        {"a": "Peskov met Zakharova in Moscow on Monday.\n", "b": "Zakharova later spoke to reporters.\n"},
        forbid=[{"kind": "spelling", "anchors": [a("a", "Zakharova")]}],
    ),
    case(
        "particle-slip",
        "tune",
        {
            "a": "The bank moved to shore op the currency.\n",
            "b": "The bank moved to shore up the currency on Friday.\n",
        },
        [{"kind": "spelling", "anchors": [a("a", "shore op")]}],
    ),
    case(
        "rare-real-word",
        "tune",
        {"a": "The unipolar hegemony was parroted by officials.\n", "b": "Officials spoke about the world order.\n"},
        forbid=[
            {"kind": "spelling", "anchors": [a("a", "parroted")]},
            {"kind": "spelling", "anchors": [a("a", "unipolar")]},
        ],
    ),
    case(
        "heldout-typos",
        "heldout",
        {"a": "The comittee recieved the report on Tuesday.\n", "b": "The committee received the report on Tuesday.\n"},
        [{"kind": "spelling", "anchors": [a("a", "comittee")]}, {"kind": "spelling", "anchors": [a("a", "recieved")]}],
    ),
    case(
        "heldout-british-spelling",
        "heldout",
        {
            "a": "The programme will prioritise colourful neighbourhoods.\n",
            "b": "The program is about neighborhoods.\n",
        },
        forbid=[
            {"kind": "spelling", "anchors": [a("a", "programme")]},
            {"kind": "spelling", "anchors": [a("a", "prioritise")]},
            {"kind": "spelling", "anchors": [a("a", "neighbourhoods")]},
        ],
    ),
    case(
        "heldout-slip-off",
        "heldout",
        {"a": "Protesters tried to seal of the square.\n", "b": "Police tried to seal off the square.\n"},
        [{"kind": "spelling", "anchors": [a("a", "seal of")]}],
    ),
    # ---- garbled
    case(
        "repeated-word",
        "tune",
        {"a": "The army sent tanks and tanks troops to the border.\n"},
        [{"kind": "garbled_text", "anchors": [a("a", "tanks and tanks")]}],
    ),
    case(
        "idiom-not-garbled",
        "tune",
        {"a": "Prices rose more and more over the year. They talked again and again.\n"},
        forbid=[
            {"kind": "garbled_text", "anchors": [a("a", "more and more")]},
            {"kind": "garbled_text", "anchors": [a("a", "again and again")]},
        ],
    ),
    case(
        "stray-quote",
        "tune",
        {"a": "He said the talks were “useful.” ” Then he left.\n"},
        [{"kind": "garbled_text", "anchors": [a("a", "“useful.” ”")]}],
    ),
    case(
        "paragraph-quote-convention",
        "tune",
        {"a": "Peskov said: “We have nothing to add.\n\n“They have denied it.”\n"},
        forbid=[{"kind": "garbled_text", "anchors": [a("a", "nothing to add.")]}],
    ),
    case(
        "heldout-double-word",
        "heldout",
        {"a": "Officials said the the talks would resume on Monday.\n"},
        [{"kind": "garbled_text", "anchors": [a("a", "the the talks")]}],
    ),
    case(
        "heldout-cut-quote",
        "heldout",
        {"a": "The ministers agreed to “strengthen the… ties between both” nations.\n"},
        [{"kind": "garbled_text", "anchors": [a("a", "strengthen the… ties")]}],
    ),
    case(
        "heldout-clean-text",
        "heldout",
        {"a": "The president met the prime minister on Monday. They discussed trade and security.\n"},
    ),
    # ---- wording
    case(
        "quote-variant",
        "tune",
        {
            "a": "Smith said the plan was “a serious step forward for the region”.\n",
            "b": "Smith said the plan was “a major step forward for the region”.\n",
        },
        [{"kind": "wording_variant", "anchors": [a("a", "serious step"), a("b", "major step")]}],
    ),
    case(
        "quote-excerpt-not-variant",
        "tune",
        {
            "a": "Smith called it “a serious step forward for the region and for peace”.\n",
            "b": "Smith called it “a serious step forward”.\n",
        },
        forbid=[{"kind": "wording_variant", "anchors": [a("a", "a serious step"), a("b", "a serious step")]}],
    ),
    case(
        "heldout-negation-variant",
        "heldout",
        {
            "a": "Jones told reporters: “We will not accept these terms under any circumstances.”\n",
            "b": "Jones told reporters: “We will accept these terms under any circumstances.”\n",
        },
        [{"kind": "wording_variant", "anchors": [a("a", "We will not accept"), a("b", "We will accept")]}],
    ),
    case(
        "heldout-same-quote",
        "heldout",
        {
            "a": "“The economy is growing faster than expected,” Lee said on Monday.\n",
            "b": "Lee said: “The economy is growing faster than expected.”\n",
        },
        forbid=[{"kind": "wording_variant", "anchors": [a("a", "The economy"), a("b", "The economy")]}],
    ),
    # ---- attribution
    case(
        "figure-credited-differently",
        "tune",
        {
            "a": "Finance Minister Anna Berg said exports could reach $50 billion next year.\n",
            "b": "Central bank governor Tom Hale said exports could reach $50 billion next year.\n",
        },
        [{"kind": "attribution_conflict", "anchors": [a("a", "$50 billion"), a("b", "$50 billion")]}],
    ),
    case(
        "same-speaker-same-figure",
        "tune",
        {
            "a": "Finance Minister Anna Berg said exports could reach $50 billion next year.\n",
            "b": "Exports may hit $50 billion next year, Ms Berg said.\n",
        },
        forbid=[{"kind": "attribution_conflict", "anchors": [a("a", "$50 billion"), a("b", "$50 billion")]}],
    ),
    case(
        "heldout-quote-credited-differently",
        "heldout",
        {
            "a": "Defence Minister Paul Ruiz said: “Our forces are ready to respond to any attack on our soil.”\n",
            "b": "Army chief Maria Lopez said: “Our forces are ready to respond to any attack on our soil.”\n",
        },
        [{"kind": "attribution_conflict", "anchors": [a("a", "Our forces"), a("b", "Our forces")]}],
    ),
    # ---- factual
    case(
        "figure-conflict",
        "tune",
        {
            "a": "The storm killed 12 people in the northern province, officials said.\n",
            "b": "The storm killed 21 people in the northern province, officials said.\n",
        },
        [{"kind": "factual_conflict", "anchors": [a("a", "12 people"), a("b", "21 people")]}],
    ),
    case(
        "same-figure-other-words",
        "tune",
        {
            "a": "Trade reached $185 billion last year, up from $147 billion.\n",
            "b": "Trade reached US$185 billion (S$248 billion) in 2022, up from US$147 billion in 2021.\n",
        },
        forbid=[{"kind": "factual_conflict", "anchors": [a("a", "$185 billion"), a("b", "US$185 billion")]}],
    ),
    case(
        "heldout-percent-conflict",
        "heldout",
        {
            "a": "Turnout in the regional election was 64 percent, the electoral commission said.\n",
            "b": "The electoral commission said turnout in the regional election was 46 percent.\n",
        },
        [{"kind": "factual_conflict", "anchors": [a("a", "64 percent"), a("b", "46 percent")]}],
    ),
    case(
        "heldout-rounding-not-conflict",
        "heldout",
        {
            "a": "The company said revenue rose to $3.2 billion in the third quarter.\n",
            "b": "Revenue rose to $3.2 billion in the third quarter, the company said on Thursday.\n",
        },
        forbid=[{"kind": "factual_conflict", "anchors": [a("a", "$3.2 billion"), a("b", "$3.2 billion")]}],
    ),
    # ---- boilerplate
    case(
        "chrome-lines",
        "tune",
        {"a": "Share this article\nThe council approved the budget on Monday.\nPhoto: AFP\n"},
        [
            {"kind": "boilerplate", "anchors": [a("a", "Share this article")]},
            {"kind": "boilerplate", "anchors": [a("a", "Photo: AFP")]},
        ],
    ),
    case(
        "heldout-related-list",
        "heldout",
        {
            "a": "The council approved the budget on Monday after a long debate.\n\nRead more\n\n"
            "Local team wins the cup final\n\nWeather: heavy rain expected\n"
        },
        [{"kind": "boilerplate", "anchors": [a("a", "Local team wins the cup final")]}],
    ),
    case(
        "heldout-no-chrome",
        "heldout",
        {"a": "News of the agreement spread quickly.\nThe council approved the budget on Monday.\n"},
        forbid=[{"kind": "boilerplate", "anchors": [a("a", "News of the agreement")]}],
    ),
    # ---- second held-out batch (written after the engine was built, run once, not tuned on)
    case("heldout2-nonword", "heldout", {"a": "The ministry said the agreemnet would be signed next week.\n",
                                         "b": "The ministry said the deal would be signed next week.\n"},
         [{"kind": "spelling", "anchors": [a("a", "agreemnet")]}]),
    case("heldout2-name-variants", "heldout", {"a": "Sergei Lavrov met Dmytro Kuleba in Antalya.\n",
                                               "b": "Sergey Lavrov met Dmitry Kuleba in Antalya.\n"},
         forbid=[{"kind": "spelling", "anchors": [a("a", "Sergei")]},
                 {"kind": "spelling", "anchors": [a("b", "Sergey")]}]),
    case("heldout2-repeated-phrase", "heldout",
         {"a": "The rebels agreed to lay down their arms to lay down by Friday, officials said.\n"},
         [{"kind": "garbled_text", "anchors": [a("a", "to lay down their arms to lay down")]}]),
    case("heldout2-fused-names", "heldout",
         {"a": "Emmanuel Macron arrived in Berlin. On Monday, Macron Olaf Scholz, the German chancellor, said "
               "the talks were constructive.\n",
          "b": "On Monday, Macron met Olaf Scholz, the German chancellor, who said the talks were constructive.\n"},
         [{"kind": "garbled_text", "anchors": [a("a", "Macron Olaf Scholz")]}]),
    case("heldout2-wording-number", "heldout",
         {"a": "Ms Chen said: “We expect growth of around five percent this year and more next year.”\n",
          "b": "Ms Chen said: “We expect growth of around three percent this year and more next year.”\n"},
         [{"kind": "wording_variant", "anchors": [a("a", "five percent"), a("b", "three percent")]}]),
    case("heldout2-figure-attribution", "heldout",
         {"a": "Prime Minister Ravi Kumar said the dam would cost $4.5 billion and open in 2027.\n",
          "b": "Energy Minister Priya Nair said the dam would cost $4.5 billion and open in 2027.\n"},
         [{"kind": "attribution_conflict", "anchors": [a("a", "$4.5 billion"), a("b", "$4.5 billion")]}]),
    case("heldout2-count-conflict", "heldout",
         {"a": "Rescuers said 340 homes were destroyed by the flood in the coastal district.\n",
          "b": "The flood destroyed 430 homes in the coastal district, rescuers said.\n"},
         [{"kind": "factual_conflict", "anchors": [a("a", "340 homes"), a("b", "430 homes")]}]),
    case("heldout2-same-facts", "heldout",
         {"a": "Rescuers said 340 homes were destroyed by the flood in the coastal district on Sunday.\n",
          "b": "The flood destroyed 340 homes in the coastal district on Sunday, rescuers said.\n"},
         forbid=[{"kind": "factual_conflict", "anchors": [a("a", "340 homes"), a("b", "340 homes")]}]),
    case("heldout2-chrome", "heldout",
         {"a": "Advertisement\nThe court ruled in favour of the union on Tuesday.\nAll rights reserved 2024\n"},
         [{"kind": "boilerplate", "anchors": [a("a", "Advertisement")]},
          {"kind": "boilerplate", "anchors": [a("a", "All rights reserved 2024")]}]),
    case("heldout2-clean-pair", "heldout",
         {"a": "The central bank kept interest rates at 4.5 percent on Thursday, citing slowing inflation.\n",
          "b": "On Thursday the central bank held its key rate at 4.5 percent as inflation slowed.\n"}),
]

out = {
    "about": __doc__,
    "seeds": {"dir": "seeds", "split": "tune", "labels": SEED_LABELS, "forbid": SEED_FORBID},
    "cases": CASES,
}
path = Path(__file__).with_name("labels.json")
path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {path}: {len(SEED_LABELS)} seed labels, {len(CASES)} cases")
