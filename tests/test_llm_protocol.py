"""The request key: stable, and sensitive only to what the model sees."""

from reporter.llm.protocol import ChatMessage, ModelRequest


def _request(**overrides) -> ModelRequest:
    fields = dict(
        prompt_name="summary",
        prompt_version="1",
        source_id="a",
        model="gpt-4o-mini",
        messages=[ChatMessage(role="system", content="s"), ChatMessage(role="user", content="u")],
        schema_name="SummaryOutput",
        json_schema={"type": "object"},
        params={"temperature": 0},
    )
    fields.update(overrides)
    return ModelRequest(**fields)


def test_key_ignores_provenance_fields():
    assert _request().key() == _request(prompt_name="other", source_id="b", schema_name=None).key()


def test_key_changes_with_what_the_model_sees():
    base = _request().key()
    assert len(base) == 64
    assert _request(model="gpt-4o").key() != base
    assert _request(messages=[ChatMessage(role="user", content="u")]).key() != base
    assert _request(json_schema={"type": "array"}).key() != base
    assert _request(params={"temperature": 0.5}).key() != base
