"""Attribution conflicts: the same quote, figure or statement credited to different people."""

from __future__ import annotations

import re
from collections import defaultdict

from reporter.evidence.align import Unit, cluster_units, figure_key
from reporter.evidence.flags import Cluster, evidence, make_flag, sentence_evidence
from reporter.evidence.lexicon import STOPWORDS, content_stems, english_word
from reporter.evidence.structure import Document, FigureSpan
from reporter.models import Discrepancy

_STATEMENT_SIMILARITY = 0.45
_MIN_SHARED = 4  # content words two statements must share to be one statement


def figure_speaker(doc: Document, fig: FigureSpan) -> str | None:
    """Who the sentence credits with the figure: the speech verb nearest before it, else any in the sentence."""
    cands = [st for st in doc.statements if st.sentence == fig.sentence]
    before = [st for st in cands if st.verb_start <= fig.start]
    chosen = before[-1] if before else (cands[0] if cands else None)
    return chosen.speaker if chosen else None


def _distinct(cluster: Cluster, speakers: list[str]) -> list[str]:
    out: list[str] = []
    for s in speakers:
        if not any(cluster.same_person(s, o) for o in out):
            out.append(s)
    return out


def _figure_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """Money and percentage figures that aligned sentences credit to different people."""
    flags = []
    # each document's money and percentage figures by sentence, in text order (not every figure per unit)
    by_sentence: dict[tuple[str, int], list[FigureSpan]] = defaultdict(list)
    for sid, doc in cluster.docs.items():
        for f in doc.figures:
            if f.kind in ("money", "percent") and f.value is not None:
                by_sentence[(sid, f.sentence)].append(f)
    for group in cluster.alignment.cross_source("sentence"):
        by_key: dict[str, list[tuple[Document, FigureSpan, str]]] = defaultdict(list)
        for u in group.units:
            doc = cluster.docs[u.doc]
            for f in by_sentence.get((u.doc, u.index), ()):
                who = figure_speaker(doc, f)
                if who and cluster.is_person(who):
                    by_key[figure_key(f.value, f.unit)].append((doc, f, who))
        for items in by_key.values():
            people = _distinct(cluster, [who for _, _, who in items])
            if len(people) < 2 or len({d.source_id for d, _, _ in items}) < 2:
                continue
            credit = defaultdict(list)
            for d, _, who in items:
                credit[next(p for p in people if cluster.same_person(p, who))].append(d.source_id)
            told = "; ".join(f"{p} in {', '.join(sorted(set(s)))}" for p, s in credit.items())
            fig = items[0][1]
            spans = [sentence_evidence(d, f.sentence) for d, f, _ in items]
            flags.append(
                make_flag(
                    "attribution_conflict",
                    "attribution.figure",
                    "high",
                    f"The figure {fig.text} is credited to different people",
                    f"The sources agree on the figure but not on who gave it: {told}.",
                    spans,
                    0.85,
                    "Check who gave the figure and credit it consistently.",
                )
            )
    return flags


_SAME_WORDS = 0.8  # alignment score from which two quotes read as one remark word for word


def _quote_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """One remark quoted by several sources with different speakers."""
    flags = []
    for group in cluster.alignment.cross_source("quote"):
        # a phrase of one or two words ('politically motivated') is said by many: no evidence of one remark; a
        # speaker read from 'he said' is a guess ('he' was Ryan, taken for Biden), not what the source credits
        units = [u for u in group.units if cluster.is_person(cluster.named_speaker(u)) and len(u.text.split()) >= 3]
        clash = any(
            a.doc != b.doc and not cluster.same_person(a.speaker or "", b.speaker or "") for a in units for b in units
        )
        if not clash:
            continue
        told = "; ".join(f"{u.speaker} in {u.doc}" for u in units)
        spans = [evidence(cluster.docs[u.doc], u.start, u.end) for u in units]
        # two people may say alike ('It's a power grab for the American people'): only a remark quoted word for
        # word is surely one remark
        alike = min(group.scores) >= _SAME_WORDS
        flags.append(
            make_flag(
                "attribution_conflict",
                "attribution.quote",
                "high" if alike else "medium",
                f"Quote credited to different speakers: '{units[0].text[:60]}'",
                f"The same remark is put in different mouths: {told}.",
                spans,
                0.6 + 0.3 * min(group.scores),
                "Check who said it and credit the quote consistently.",
            )
        )
    return flags


def statement_units(doc: Document) -> list[Unit]:
    """What each reported statement says: the words after the speech verb up to the next one in the sentence,
    or, for '“...,” X said', the words before it. Statements whose speaker was read from a pronoun give none:
    'he' is a guess, and a guess is no ground for telling a source it credits the wrong person."""
    units = []
    by_sentence: dict[int, list[int]] = defaultdict(list)
    for st in doc.statements:
        by_sentence[st.sentence].append(st.verb_start)
    for st in doc.statements:
        if st.inferred:
            continue
        sent = doc.sentences[st.sentence]
        later = [v for v in by_sentence[st.sentence] if v > st.verb_start]
        start, end = st.verb_start + len(st.verb), (later[0] if later else sent.end)
        if len(doc.text[start:end].split()) < 5:
            earlier = [v for v in by_sentence[st.sentence] if v < st.verb_start]
            start, end = (earlier[-1] if earlier else sent.start), st.verb_start
        stems = frozenset(content_stems(doc.text[start:end]))
        if len(stems) >= 4:
            units.append(
                Unit(doc.source_id, "sentence", st.sentence, start, end, doc.text[start:end], st.speaker, stems)
            )
    return units


def _statement_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """The same reported statement with different speakers ('Putin said Beijing could provide material support'
    vs 'the United States warned Beijing against providing material support')."""
    units = [u for doc in cluster.docs.values() for u in statement_units(doc)]
    groups = cluster_units(units, cluster.alignment.idf, _STATEMENT_SIMILARITY, "sentence")
    flags = []
    for group in groups:
        if len(group.docs) < 2:
            continue
        rep = group.units[0]
        for u, score in zip(group.units[1:], group.scores[1:], strict=True):
            if u.doc == rep.doc or not (rep.speaker and u.speaker) or cluster.same_person(rep.speaker, u.speaker):
                continue
            if len(rep.stems & u.stems) < _MIN_SHARED or not (
                cluster.is_person(rep.speaker) or cluster.is_person(u.speaker)
            ):
                continue
            if rep.speaker.split()[-1] in u.text or u.speaker.split()[-1] in rep.text:
                continue  # 'Wang told Putin that ...' and 'Putin said ...' may both be right
            da, db = cluster.docs[rep.doc], cluster.docs[u.doc]
            if _relays(cluster, rep.speaker, db, u) or _relays(cluster, u.speaker, da, rep):
                continue  # 'Foley said US officials told her ...' against 'Foley says the government told her ...'
            if _denies(da.text, rep.start) != _denies(db.text, u.start):
                continue  # 'X denied taking a selfie' against 'a staff member said X took one': opposite claims
            flags.append(
                make_flag(
                    "attribution_conflict",
                    "attribution.statement",
                    "high",
                    f"Statement credited to {rep.speaker} in one source and {u.speaker} in another",
                    f"{rep.doc} has {rep.speaker} say “{rep.text.strip()}”; {u.doc} has {u.speaker} say "
                    f"“{u.text.strip()}”.",
                    [sentence_evidence(da, rep.index), sentence_evidence(db, u.index)],
                    0.5 + 0.3 * score,
                    "Check who made the statement.",
                )
            )
            break
    return flags


def _relays(cluster: Cluster, speaker: str, doc: Document, unit: Unit) -> bool:
    """The speaker relays the statement: their speech verb comes just before it, in one clause ('Diane Foley
    also said US officials told her ...'), not in another ('Mr Putin said ..., days after the United States
    warned ...')."""
    return any(
        st.sentence == unit.index and st.verb_start < unit.start and cluster.same_person(speaker, st.speaker)
        and _ONE_CLAUSE.fullmatch(doc.text, st.verb_start + len(st.verb), unit.start) is not None
        for st in doc.statements
    )


_ONE_CLAUSE = re.compile(r"[^,;:“”\"]{0,60}")


def _denies(text: str, start: int) -> bool:
    """The statement starting at `start` is a denial ('has denied taking ...')."""
    return bool(re.search(r"\b(?:denied|denies|deny|denying)\s*$", text[max(0, start - 12) : start]))


_OUTLET = re.compile(
    r"\b(?i:told|tells|telling|speaking\sto|spoke\sto|related\sto|said\sto|in\san\sinterview\swith|"
    r"interviewed\sby)\s+(?:the\s+|The\s+)?((?:[A-Z][\w.&’'-]*)(?:\s(?:[A-Z][\w.&’'-]*|of|on)){0,3})")
_MEDIA = re.compile(r"\b(?:Times|Express|News|Post|Radio|TV|Online|Daily|Journal|Herald|Telegraph|Mail|Guardian|"
                    r"Star|Tribune|Globe|Sun|Press|Network|Magazine|Agency|Television|Channel|Gazette|Chronicle|"
                    r"Inquirer|Observer|Independent|Standard|Mirror|Examiner|Review|Show|FM|[A-Z]{3,5})\b|"
                    r"[a-z](?:Online|News|Post)\b")
_NAME_WORD = re.compile(r"\b[A-Z][a-z]{2,}\b")
_NOT_OUTLET = frozenset(["He", "She", "They", "Him", "Her", "Them", "Reporters", "Me", "Us"])


_CAPITALISED_STOP = frozenset(w.title() for w in STOPWORDS)


def _outlet_claims(doc: Document) -> list[tuple[str, int, int, set[str]]]:
    """(outlet, start, end, names of the people around) for 'told the X' / 'speaking to the X'."""
    out = []
    for si, sent in enumerate(doc.sentences):
        if sent.role != "body":
            continue
        context = sent.text + " " + (doc.sentences[si - 1].text if si else "")
        for m in _OUTLET.finditer(doc.text, sent.start, sent.end):
            outlet = re.sub(r"[\s.,]*(?:\d[\d.]*)?[\s.,]*$", "", m.group(1).strip())
            if outlet.split()[0] in _NOT_OUTLET or len(outlet) < 3 or not _MEDIA.search(outlet):
                continue  # 'told Putin' names a person, not a reporting chain
            names = {w for w in _NAME_WORD.findall(context) if w not in outlet.split()}
            out.append((outlet, m.start(), m.end(), names))
    return out


def _outlet_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """The same person's account credited to outlets with confusable names ('told the Express Times' vs
    'speaking to the Daily Express'): one of the reporting chains is misnamed."""
    full_names = {st.speaker for d in cluster.docs.values() for st in d.statements}
    speakers = {w for full in full_names for w in full.split()}
    full_names |= {full for d in cluster.docs.values() for full in d.persons.values()}
    people = {w for full in full_names for w in full.split()} - _CAPITALISED_STOP
    claims = {sid: [(o, s, e, (names & people) | {w for w in names if not english_word(w)})
                    for o, s, e, names in _outlet_claims(doc)]
              for sid, doc in cluster.docs.items()}
    by_token: dict[str, list[tuple[str, str, int, int, set[str]]]] = defaultdict(list)
    for sid, items in claims.items():
        for outlet, s, e, names in items:
            for tok in outlet.split():
                if len(tok) >= 4 and tok.lower() not in ("news", "times", "post", "daily", "online"):
                    by_token[tok].append((sid, outlet, s, e, names))
    flags, seen = [], set()
    for posting in by_token.values():
        for i, (sa, oa, s1, e1, na) in enumerate(posting):
            for sb, ob, s2, e2, nb in posting[i + 1 :]:
                same = re.sub(r"\W", "", oa.lower()) == re.sub(r"\W", "", ob.lower())
                prefix = oa.lower().startswith(ob.lower()) or ob.lower().startswith(oa.lower())
                if sa == sb or same or prefix or not (na & nb) or (sa, sb, oa, ob) in seen:
                    continue
                seen.add((sa, sb, oa, ob))
                # the shared name most likely to be the person: one the cluster quotes ('Winter explained'),
                # else the first the sentence writes
                shared = na & nb
                sentence = next(t.text for t in cluster.docs[sa].sentences if t.start <= s1 < t.end)
                word = min(shared, key=lambda w: (w not in speakers, sentence.find(w) % (len(sentence) + 1), w))
                who = max((f for f in full_names if word in f.split()), key=lambda f: (len(f), f), default=word)
                flags.append(make_flag(
                    "attribution_conflict", "attribution.outlet", "medium",
                    f"{who}'s account credited to '{oa}' and to '{ob}'",
                    f"{sa} says {who} spoke to {oa}; {sb} says {ob}. The names are alike but differ: one reporting "
                    "chain is probably misnamed.",
                    [evidence(cluster.docs[sa], s1, e1), evidence(cluster.docs[sb], s2, e2)], 0.6,
                    "Check which outlet the account was given to."))
    return flags


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Attribution-conflict flags."""
    return [*_figure_conflicts(cluster), *_quote_conflicts(cluster), *_statement_conflicts(cluster),
            *_outlet_conflicts(cluster)]
