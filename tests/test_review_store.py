"""The decisions file and re-attaching decisions to flags, with hand-built briefings."""

from __future__ import annotations

import json
import os
import threading

import pytest
from review_fixtures import by_title, make_brief

from reporter import review as rv
from reporter.errors import ReviewStoreError
from reporter.ids import discrepancy_id


def test_decision_round_trips_in_a_stable_diff_friendly_file(tmp_path):
    brief = make_brief(["a", "b"])
    quote = by_title(brief, "quote")
    rv.record_decision(tmp_path, quote, "confirmed", note="Two translations", reviewer="alice", decided_at="T1")
    path = tmp_path / "review.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    entry = data["decisions"][quote.id]
    assert entry["status"] == "confirmed" and entry["note"] == "Two translations"
    assert entry["reviewer"] == "alice" and entry["decided_at"] == "T1"
    assert entry["kind"] == "wording_variant" and entry["title"] == "The quote differs"
    assert entry["evidence"] == [
        {"source_id": "a", "text": "constructive and frank"},
        {"source_id": "b", "text": "frank and constructive"},
    ]
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    # Writing the same decisions again gives the same bytes: nothing churns under version control.
    rv.write_text_atomic(path, rv.dump_decisions(rv.load_decisions(path)))
    assert path.read_text(encoding="utf-8") == text


def test_decided_at_is_utc_iso_and_reviewer_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTER_REVIEWER", "erin")
    assert rv.default_reviewer("frank") == "frank"
    assert rv.default_reviewer(None) == "erin"
    monkeypatch.delenv("REPORTER_REVIEWER")
    monkeypatch.setenv("USER", "login-name")
    monkeypatch.setenv("LOGNAME", "login-name")
    assert rv.default_reviewer(None) == "login-name"
    stamp = rv.now_utc()
    assert stamp.endswith("Z") and stamp[4] == "-" and stamp[10] == "T"


def test_exact_ids_attach_and_the_summary_counts_statuses(tmp_path):
    brief = make_brief(["a", "b"])
    rv.record_decision(tmp_path, by_title(brief, "quote"), "confirmed", reviewer="a")
    rv.record_decision(tmp_path, by_title(brief, "misspelled"), "dismissed", note="house style", reviewer="a")
    out = rv.apply_reviews(brief, tmp_path)
    assert by_title(out, "quote").review.status == "confirmed"
    assert by_title(out, "misspelled").review.note == "house style"
    assert by_title(out, "money").review is None
    assert out.orphaned_reviews == []
    assert rv.review_summary_line(out) == "3 flags: 1 confirmed, 1 dismissed, 1 open"


def test_no_store_means_no_reviews_and_no_file(tmp_path):
    brief = make_brief(["a", "b"])
    out = rv.apply_reviews(brief, tmp_path)
    assert all(f.review is None for f in out.discrepancies)
    assert not (tmp_path / "review.json").exists()
    assert rv.review_summary_line(out) == "3 flags: 3 open"


def test_a_decision_follows_its_flag_when_an_added_source_changes_the_id(tmp_path):
    before = make_brief(["a", "b"])
    quote = by_title(before, "quote")
    rv.record_decision(tmp_path, quote, "needs-check", note="ask TASS", reviewer="alice")
    after = make_brief(["a", "b", "c"])
    new_quote = by_title(after, "quote")
    assert new_quote.id != quote.id  # c's wording joined the flag's evidence
    # the typo flag does not involve c, so its id is unchanged
    assert by_title(after, "misspelled").id == by_title(before, "misspelled").id

    out = rv.apply_reviews(after, tmp_path)
    assert by_title(out, "quote").review.note == "ask TASS"
    assert out.orphaned_reviews == []
    stored = rv.load_decisions(tmp_path / "review.json")
    assert list(stored) == [new_quote.id]
    assert stored[new_quote.id].previous_ids == [quote.id]
    assert {k.source_id for k in stored[new_quote.id].evidence} == {"a", "b", "c"}
    # and the next run, with the same sources, matches it exactly
    assert by_title(rv.apply_reviews(after, tmp_path), "quote").review.status == "needs-check"


def test_removing_the_cited_source_orphans_the_decision_and_keeps_it(tmp_path):
    brief = make_brief(["a", "b"])
    typo = by_title(brief, "misspelled")
    rv.record_decision(tmp_path, typo, "confirmed", note="fix it", reviewer="alice")
    out = rv.apply_reviews(make_brief(["a", "c"]), tmp_path)
    assert [o.discrepancy_id for o in out.orphaned_reviews] == [typo.id]
    assert out.orphaned_reviews[0].title == "'Teh' is misspelled"
    assert out.orphaned_reviews[0].review.note == "fix it"
    assert rv.review_summary_line(out) == "1 flag: 1 open"
    assert typo.id in rv.load_decisions(tmp_path / "review.json")  # never deleted
    # with b back, the decision is back on its flag
    back = rv.apply_reviews(make_brief(["a", "b"]), tmp_path)
    assert by_title(back, "misspelled").review.note == "fix it" and back.orphaned_reviews == []


def test_one_side_of_a_disagreement_does_not_carry_the_decision(tmp_path):
    # a-vs-b quote decision; b removed, c added: the a-vs-c flag contains a's side but is another question
    brief = make_brief(["a", "b"])
    quote = by_title(brief, "quote")
    rv.record_decision(tmp_path, quote, "dismissed", reviewer="alice")
    out = rv.apply_reviews(make_brief(["a", "c"]), tmp_path)
    assert by_title(out, "quote").review is None
    assert [o.discrepancy_id for o in out.orphaned_reviews] == [quote.id]


def test_a_three_source_decision_follows_when_one_source_goes(tmp_path):
    brief = make_brief(["a", "b", "c"])
    money = by_title(brief, "money")
    rv.record_decision(tmp_path, money, "confirmed", reviewer="alice")
    out = rv.apply_reviews(make_brief(["a", "b"]), tmp_path)
    assert by_title(out, "money").review.status == "confirmed"
    assert out.orphaned_reviews == []


def test_a_decision_needs_the_same_kind_to_follow(tmp_path):
    brief = make_brief(["a", "b"])
    quote = by_title(brief, "quote")
    rv.record_decision(tmp_path, quote, "confirmed", reviewer="alice")
    changed = make_brief(["a", "b", "c"])
    for f in changed.discrepancies:
        if f.kind == "wording_variant":
            f.kind = "attribution_conflict"
            f.id = discrepancy_id(f.kind, f.evidence)
    out = rv.apply_reviews(changed, tmp_path)
    assert all(f.review is None for f in out.discrepancies)
    assert [o.discrepancy_id for o in out.orphaned_reviews] == [quote.id]


def test_ids_do_not_depend_on_evidence_order_or_quote_style():
    brief = make_brief(["a", "b"])
    quote = by_title(brief, "quote")
    assert discrepancy_id(quote.kind, list(reversed(quote.evidence))) == quote.id
    curly = [e.model_copy(update={"text": e.text.upper()}) for e in quote.evidence]
    assert discrepancy_id(quote.kind, curly) == quote.id
    assert make_brief(["b", "a"]).discrepancies[0].id == quote.id


def test_a_none_note_keeps_the_old_one_and_an_empty_one_clears_it(tmp_path):
    flag = make_brief(["a", "b"]).discrepancies[0]
    rv.record_decision(tmp_path, flag, "needs-check", note="ask", correction="fix", reviewer="a")
    kept = rv.record_decision(tmp_path, flag, "confirmed", reviewer="a")
    assert (kept.note, kept.correction) == ("ask", "fix")
    cleared = rv.record_decision(tmp_path, flag, "confirmed", note="", reviewer="a")
    assert cleared.note is None and cleared.correction == "fix"


def test_two_reviewers_one_after_the_other_lose_nothing(tmp_path):
    brief = make_brief(["a", "b"])  # both loaded the briefing before either decided
    quote, money = by_title(brief, "quote"), by_title(brief, "money")
    rv.record_decision(tmp_path, quote, "confirmed", note="alice's note", reviewer="alice")
    rv.record_decision(tmp_path, money, "dismissed", reviewer="bob")
    rv.record_decision(tmp_path, quote, "dismissed", note="bob disagrees", reviewer="bob")
    stored = rv.load_decisions(tmp_path / "review.json")
    assert stored[money.id].reviewer == "bob"
    assert (stored[quote.id].status, stored[quote.id].reviewer) == ("dismissed", "bob")
    assert [(h.reviewer, h.status, h.note) for h in stored[quote.id].history] == [
        ("alice", "confirmed", "alice's note")
    ]


def test_concurrent_writers_are_serialised_by_the_lock(tmp_path):
    base = make_brief(["a", "b"]).discrepancies[0]
    flags = [base.model_copy(update={"id": f"wo-{i:010d}"}) for i in range(12)]
    errors: list[BaseException] = []

    def decide(f):
        try:
            rv.record_decision(tmp_path, f, "confirmed", reviewer=f.id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(f,)) for f in flags]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(rv.load_decisions(tmp_path / "review.json")) == sorted(f.id for f in flags)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"decisions": {"x": ', "not valid JSON"),
        ('{"decisions": {"x": {"status": "maybe"}}}', "decisions.x.status"),
        ('{"format": "something-else", "decisions": {}}', "not a reporter review file"),
        ("[1, 2]", "damaged review file"),
    ],
)
def test_a_damaged_store_is_reported_in_one_line_and_never_overwritten(tmp_path, content, problem):
    path = tmp_path / "review.json"
    path.write_text(content, encoding="utf-8")
    flag = make_brief(["a", "b"]).discrepancies[0]
    with pytest.raises(ReviewStoreError) as info:
        rv.record_decision(tmp_path, flag, "confirmed", reviewer="alice")
    message = str(info.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message
    with pytest.raises(ReviewStoreError):
        rv.apply_reviews(make_brief(["a", "b"]), tmp_path)
    assert path.read_text(encoding="utf-8") == content


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch, failing):
    brief = make_brief(["a", "b"])
    rv.record_decision(tmp_path, by_title(brief, "quote"), "confirmed", reviewer="alice")
    path = tmp_path / "review.json"
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(ReviewStoreError, match="No space left"):
        rv.record_decision(tmp_path, by_title(brief, "money"), "dismissed", reviewer="bob")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".review.json.lock", "review.json"]
    assert os.access(path, os.R_OK)


def test_one_reviewers_own_steps_do_not_pile_up_in_history(tmp_path):
    flag = make_brief(["a", "b"]).discrepancies[0]
    rv.record_decision(tmp_path, flag, "open", note="first thoughts", reviewer="alice")
    rv.record_decision(tmp_path, flag, "confirmed", reviewer="alice")
    assert rv.load_decisions(tmp_path / "review.json")[flag.id].history == []
    rv.record_decision(tmp_path, flag, "dismissed", reviewer="alice")  # a real change of mind is kept
    assert [h.status for h in rv.load_decisions(tmp_path / "review.json")[flag.id].history] == ["confirmed"]
