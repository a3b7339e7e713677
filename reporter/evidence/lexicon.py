"""Word lists and token helpers shared by the evidence modules (one place, no duplicated logic)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from wordfreq import zipf_frequency


def _wordset(words: str) -> frozenset[str]:
    """A set of words from a white-space separated list."""
    return frozenset(words.split())


WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:['’][A-Za-z]+)?(?:-[A-Za-z\u00C0-\u024F]+)*")

STOPWORDS = _wordset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says told added stated mr mrs ms one two also would
    could may might must shall us its it's ’s 's
    """
)

# Contractions ("can’t", "won’t") are written out by `expand_contractions` before this set is asked.
NEGATIONS = _wordset(
    """
    not no never none nothing nobody nowhere neither nor
    """
)
# English clitics, so that "we’ll" and "we will" or "don’t" and "do not" count as the same words when
# a difference is weighed (a dozen fixed forms: a contractions package would add a dependency for this).
_IRREGULAR_NEGATIVES = {"won’t": ("will", "not"), "can’t": ("can", "not"), "cannot": ("can", "not"),
                        "shan’t": ("shall", "not"), "ain’t": ("is", "not")}
_CLITICS = (("n’t", "not"), ("’ll", "will"), ("’ve", "have"), ("’re", "are"), ("’m", "am"), ("’d", "would"))


def without_accents(text: str) -> str:
    """The text with its accents and other combining marks taken off ('lobizón' -> 'lobizon')."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def expand_contractions(words: list[str]) -> list[str]:
    """Lower-case words with "’" (or "'") clitics written out: ["we’ll"] -> ["we", "will"]."""
    out: list[str] = []
    for word in words:
        w = word.lower().replace("'", "’")
        if w in _IRREGULAR_NEGATIVES:
            out.extend(_IRREGULAR_NEGATIVES[w])
            continue
        for clitic, full in _CLITICS:
            if w.endswith(clitic) and len(w) > len(clitic):
                out.extend((w[: -len(clitic)], full))
                break
        else:
            out.append(w)
    return out


MODALS = _wordset(
    """
    can could may might must shall should will would
    """
)

SPEECH_VERBS = _wordset(
    """
    said says say told tells added adds stated states warned warns noted notes insisted insists claimed
    claims predicted predicting predicts telling saying explained explains responded responds continued
    reiterated reiterates announced announces argued argues stressed stresses underlined underlines
    highlighted highlights emphasised emphasized urged urges vowed vows pledged asserted declared
    remarked commented replied suggested suggests acknowledged admitted confirmed denied wrote writes
    quoted cautioned testified testifies
    """
)

# Words that open a sentence without being a name, even where the article never writes them in lower case
# ('Yet AARP said' is AARP speaking).
SENTENCE_ADVERBS = _wordset(
    """
    yet still meanwhile however instead today later thus hence indeed moreover furthermore nonetheless
    nevertheless otherwise earlier finally afterward afterwards separately overall
    """
)

# Words that introduce a person's name when they stand right before it ("Foreign Minister Sergei Lavrov").
TITLE_WORDS = _wordset(
    """
    president minister secretary spokesman spokeswoman spokesperson diplomat leader adviser advisor
    chancellor premier prime foreign deputy chief head general senator governor ambassador envoy mr mrs
    ms dr prof king queen prince pope justice state defence defense interior finance trade chairman
    chair director commissioner mayor official officer correspondent reporter editor analyst professor
    writer counterpart
    rep sen gov representative congressman congresswoman lawmaker speaker whip lt col gen sgt capt maj adm
    attorney judge rev
    """
)
DEMONYMS = _wordset(
    """
    russian chinese ukrainian us u.s. american british french german european japanese indian kremlin
    turkish iranian polish nato eu un soviet western
    """
)
ORG_WORDS = _wordset(
    """
    council ministry agency union conference journal times post news party committee commission
    parliament congress senate assembly office department bank fund court army navy forces organization
    organisation institute university corporation company group association alliance nato un eu cnn bbc
    tass reuters sputnik kremlin pentagon whitehouse government television tv
    """
)
PLACE_WORDS = _wordset(
    """
    russia china ukraine moscow beijing kyiv kiev washington warsaw poland munich germany europe asia
    africa america taiwan london paris brussels afghanistan iran india japan france britain america
    united states kingdom singapore
    """
)
PRONOUNS = _wordset(
    """
    he she they
    """
)
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"


def words(text: str) -> list[re.Match[str]]:
    """Word tokens of a text with their positions."""
    return list(WORD.finditer(text))


@lru_cache(maxsize=200_000)
@lru_cache(maxsize=200_000)  # wordfreq's own cache is cleared whole when full: long runs kept missing it
def zipf(word: str) -> float:
    """English Zipf frequency of a word (0 for words wordfreq has never seen)."""
    return zipf_frequency(word.replace("’", "'"), "en")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude, fast stem so that 'relations'/'relationship'/'related' block together."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix in (
        "ationship",
        "ation",
        "ments",
        "ment",
        "ness",
        "ingly",
        "ing",
        "edly",
        "ied",
        "ies",
        "ed",
        "ly",
        "es",
        "s",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the content words of a text, in order."""
    return list(_content_stems(text))


@lru_cache(maxsize=65_536)  # every sentence is asked about twice: by the unrelated-tail check and the alignment
def _content_stems(text: str) -> tuple[str, ...]:
    return tuple(stem(m.group()) for m in WORD.finditer(text) if m.group().lower() not in STOPWORDS)


@lru_cache(maxsize=8)
def _dictionary(language: str) -> frozenset[str]:
    """The word list of pyspellchecker for a language (160,000 English words, curated: real words only)."""
    from spellchecker import SpellChecker  # imported on first use: loading the list takes ~0.3 s

    return frozenset(SpellChecker(language=language, distance=1).word_frequency.dictionary)


def english_word(word: str) -> bool:
    """The word (any case) is in the English dictionary: legal and technical words ('comport', 'pled') too."""
    return word.lower().replace("’", "'") in _dictionary("en")


def english_count(words: list[str]) -> int:
    """How many of `words`, each already lower-case with straight apostrophes, are English words (`english_word`
    of each: the dictionary lookups alone, in C)."""
    return sum(map(_dictionary("en").__contains__, words))


def dictionary_word(word: str, language: str) -> bool:
    """The word is in the dictionary of another language pyspellchecker knows (es, fr, de, pt, it, nl, ru...)."""
    try:
        return word.lower() in _dictionary(language)
    except (ValueError, OSError):  # a language it has no list for
        return False


def compound(word: str) -> bool:
    """Two dictionary words run together as a legitimate compound ('cleareyed', 'monthslong', 'beasthood'):
    both parts at least three letters and neither a function word ('detainedat' is two words run together)."""
    w = word.lower()
    for i in range(3, len(w) - 2):
        a, b = w[:i], w[i:]
        if a in STOPWORDS or b in STOPWORDS:
            continue
        if len(b) < 4 and b not in ("ago", "eye", "man", "men", "way"):
            continue  # 'impliciting' is not implicit + ing
        if english_word(a) and (english_word(b) or b in ("hood", "less", "long", "ship", "like", "wise")):
            return True
    return False
