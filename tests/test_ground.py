"""Grounding guard: model quotes are kept only where they occur, at offsets computed on the original text."""

from reporter.ground import Grounder
from reporter.ingest import source_from_text

TEXT = "Wang said that “the relations between\nChina and  Russia are strong.”\nPutin agreed."


def _grounder() -> Grounder:
    return Grounder({"a": source_from_text(TEXT, path="a.txt", source_id="a"),
                     "b": source_from_text("Nothing quoted here.", path="b.txt", source_id="b")})


def test_locate_tolerates_white_space_and_quote_style_and_returns_original_span():
    ev = _grounder().locate("a", '"the relations between China and Russia are strong."')
    assert ev is not None
    assert ev.text == TEXT[ev.start:ev.end]
    assert ev.text == "the relations between\nChina and  Russia are strong."


def test_locate_keeps_curly_quotes_of_the_original_when_model_types_straight_ones():
    ev = _grounder().locate("a", 'said that "the relations')
    assert ev is not None and ev.text == "said that “the relations"
    assert TEXT[ev.start:ev.end] == ev.text


def test_text_absent_or_in_another_source_is_not_found():
    g = _grounder()
    assert g.locate("a", "the relations are weak") is None
    assert g.locate("b", "Putin agreed.") is None  # it is in a, not in the source the model named
    assert g.locate("missing", "Putin agreed.") is None
    assert g.locate("a", '  ""  ') is None


def test_ground_splits_kept_and_removed_evidence():
    kept, removed = _grounder().ground([("a", "Putin agreed."), ("b", "an invented quote")], "Some flag")
    assert [(e.source_id, e.text) for e in kept] == [("a", "Putin agreed.")]
    assert [(r.source_id, r.text, r.discrepancy_title) for r in removed] == [("b", "an invented quote", "Some flag")]
