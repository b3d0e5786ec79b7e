"""exporter.regen.plan on its own: identities and times from cards and a lock, no files."""

from __future__ import annotations

from dataclasses import replace

from cards import Card, guid_for
from exporter.lock import Lock, dump_lock, parse_lock
from exporter.package import PackagedNote
from exporter.regen import (
    MISSING_ANSWER,
    REMOVED_TAG,
    Plan,
    content_hash,
    notes_summary,
    plan,
    tombstone_note,
)

DECK = 99
T = 1_800_000_000


def card(question: str, answer: str = "A.", key: str = "", kind: str = "basic", **more: object) -> Card:
    return Card(
        question=question,
        answer=answer,
        key=key or question.casefold(),
        kind=kind,  # type: ignore[arg-type]
        source="n.md",
        line=1,
        tags=("D::C",),
        **more,  # type: ignore[arg-type]
    )


def run(cards: list[Card], previous: Lock | None, now: int, fingerprint: str = "fp", **kw: object) -> Plan:
    result = plan(
        cards,
        ["D"] * len(cards),
        deck_id=DECK,
        root_deck="D",
        previous=previous,
        now=now,
        fingerprint=fingerprint,
        **kw,  # type: ignore[arg-type]
    )
    assert parse_lock(dump_lock(result.lock), shown="x") == result.lock  # always round-trips
    return result


def by_question(result: Plan) -> dict[str, PackagedNote]:
    return {n.question: n for n in result.notes}


def test_first_build_uses_key_guids_and_now() -> None:
    result = run([card("Q1?"), card("Q2?")], None, T)
    assert [n.guid for n in result.notes] == [guid_for(DECK, "q1?"), guid_for(DECK, "q2?")]
    assert {n.mod for n in result.notes} == {T} and result.note_type_mod == T
    assert [n.due for n in result.notes] == [0, 1]


def test_unchanged_keeps_time_changed_moves_strictly_forward() -> None:
    first = run([card("Q1?"), card("Q2?")], None, T)
    second = run([card("Q1?"), card("Q2?", "New answer.")], first.lock, T)  # same second
    assert by_question(second)["Q1?"].mod == T
    assert by_question(second)["Q2?"].mod == T + 1
    third = run([card("Q1?"), card("Q2?", "Newer answer.")], second.lock, T)  # same second again
    assert by_question(third)["Q2?"].mod == T + 2
    later = run([card("Q1?"), card("Q2?", "Later.")], third.lock, T + 100)
    assert by_question(later)["Q2?"].mod == T + 100
    assert by_question(later)["Q1?"].mod == T


def test_tags_and_deck_are_content_but_the_source_line_is_not() -> None:
    first = run([card("Q?")], None, T)
    moved = run([replace(card("Q?"), line=40, source="other.md")], first.lock, T + 5)
    assert moved.notes[0].mod == T and moved.notes[0].source == "other.md:40"
    retagged = run([replace(card("Q?"), tags=("D::Other",))], first.lock, T + 5)
    assert retagged.notes[0].mod == T + 5
    other_deck = plan(
        [card("Q?")],
        ["D::Sub"],
        deck_id=DECK,
        root_deck="D",
        previous=first.lock,
        now=T + 5,
        fingerprint="fp",
    )
    assert other_deck.notes[0].mod == T + 5


def test_reordering_changes_only_due() -> None:
    first = run([card("Q1?"), card("Q2?")], None, T)
    swapped = run([card("Q2?"), card("Q1?")], first.lock, T + 9)
    assert {n.question: (n.guid, n.mod) for n in swapped.notes} == {
        n.question: (n.guid, n.mod) for n in first.notes
    }
    assert swapped.lock == first.lock


def test_note_type_time_moves_exactly_when_its_fingerprint_changes() -> None:
    first = run([card("Q?")], None, T)
    assert run([card("Q?")], first.lock, T + 50).note_type_mod == T
    restyled = run([card("Q?")], first.lock, T, fingerprint="fp2")
    assert restyled.note_type_mod == T + 1
    assert restyled.lock.note_type_fingerprint == "fp2"
    assert restyled.notes[0].mod == T  # notes untouched by a style change


def test_rewording_keeps_guid_and_reports_it() -> None:
    first = run([card("Can word embedding overfit?"), card("Q2?")], None, T)
    second = run([card("Can word embeddings overfit?"), card("Q2?")], first.lock, T + 1)
    assert second.notes[0].guid == first.notes[0].guid
    assert second.notes[0].mod == T + 1
    assert second.rematches == (("Can word embedding overfit?", "Can word embeddings overfit?"),)
    assert second.tombstones == ()


def test_a_pinned_id_always_wins() -> None:
    # The pinned card keeps its id's identity even though its question now
    # looks like another card that disappeared in the same build.
    first = run([card("What is dropout?", key="drop"), card("What is a dropout layer?")], None, T)
    second = run([card("What is a dropout layer?", key="drop")], first.lock, T + 1)
    assert second.notes[0].guid == guid_for(DECK, "drop") == first.notes[0].guid
    assert second.rematches == ()
    assert [t.key for t in second.tombstones] == ["what is a dropout layer?"]


def test_pinning_an_id_on_an_existing_card_keeps_its_note() -> None:
    first = run([card("What is dropout?"), card("Q2?")], None, T)
    pinned = run([card("What is dropout?", key="dropout"), card("Q2?")], first.lock, T + 1)
    assert pinned.notes[0].guid == first.notes[0].guid
    assert pinned.notes[0].mod == T  # same content: Anki is not even asked to update it
    assert pinned.tombstones == () and pinned.rematches == ()
    renamed = run([card("What is dropout?", key="drop-out"), card("Q2?")], pinned.lock, T + 2)
    assert renamed.notes[0].guid == first.notes[0].guid
    # Two cards reading the same cannot tell which one was pinned: no guess.
    twins = run([card("Q2?", key="a"), card("Q2?", key="b")], first.lock, T + 3)
    assert first.notes[1].guid not in {n.guid for n in twins.notes}


def test_a_new_card_never_reuses_a_guid_kept_by_a_rewording() -> None:
    first = run([card("Can word embedding overfit?")], None, T)
    reworded = run([card("Can word embeddings overfit?")], first.lock, T + 1)
    # The old question comes back as a new card next to the reworded one.
    both = run(
        [card("Can word embeddings overfit?"), card("Can word embedding overfit?")], reworded.lock, T + 2
    )
    guids = [n.guid for n in both.notes]
    assert guids[0] == first.notes[0].guid
    assert len(set(guids)) == 2


def test_disappeared_card_becomes_a_stable_tombstone_with_last_content() -> None:
    q1 = card("Q1?", "<p>Answer one</p>", context="<p>ctx</p>")
    first = run([q1, card("Q2?")], None, T)
    last = {n.guid: n for n in first.notes}
    gone = run([card("Q2?")], first.lock, T, recover=lambda entries: last)
    (tomb,) = gone.tombstones
    assert (tomb.guid, tomb.mod, tomb.question, tomb.answer, tomb.context) == (
        first.notes[0].guid,
        T + 1,
        "Q1?",
        "<p>Answer one</p>",
        "<p>ctx</p>",
    )
    assert tombstone_note(tomb, 7).tags == (REMOVED_TAG,)
    assert gone.unrecovered == 0
    again = run([card("Q2?")], gone.lock, T + 500)
    assert again.tombstones == gone.tombstones  # same time: Anki is not asked again


def test_tombstone_without_the_previous_package_keeps_the_question() -> None:
    first = run([card("Q1 &amp; more?"), card("Q2?")], None, T)
    gone = run([card("Q2?")], first.lock, T + 3)  # recover finds nothing
    (tomb,) = gone.tombstones
    assert (tomb.question, tomb.answer, tomb.deck, tomb.mod) == ("Q1 &amp; more?", MISSING_ANSWER, "D", T + 3)
    assert gone.unrecovered == 1


def test_tombstone_ignores_a_previous_package_that_does_not_match_the_lock() -> None:
    first = run([card("Q1?", "old answer"), card("Q2?")], None, T)
    stale = {n.guid: n._replace(answer="something older") for n in first.notes}
    gone = run([card("Q2?")], first.lock, T + 3, recover=lambda entries: stale)
    assert gone.tombstones[0].answer == MISSING_ANSWER


def test_a_card_that_comes_back_takes_its_tombstone_guid() -> None:
    first = run([card("Q1?"), card("Q2?")], None, T)
    gone = run([card("Q2?")], first.lock, T + 1)
    back = run([card("Q1?"), card("Q2?")], gone.lock, T + 1)  # same second as the burial
    assert back.notes[0].guid == first.notes[0].guid
    assert back.notes[0].mod == T + 2  # newer than the tombstone
    assert back.tombstones == ()


def test_generated_cards_follow_the_same_rules() -> None:
    def layer(name: str, answer: str) -> Card:
        return card(f"Output shape of {name}?", answer, key=f"keras:model-a:{name}:shape", kind="generated")

    first = run([layer("conv1", "(30, 30, 8)"), layer("pool1", "(15, 15, 8)")], None, T)
    assert first.notes[0].guid == guid_for(DECK, "keras:model-a:conv1:shape")
    edited = run([layer("conv1", "(28, 28, 8)"), layer("pool1", "(15, 15, 8)")], first.lock, T)
    assert [n.guid for n in edited.notes] == [n.guid for n in first.notes]
    assert [n.mod for n in edited.notes] == [T + 1, T]
    gone = run([layer("conv1", "(28, 28, 8)")], edited.lock, T + 4)
    assert [t.key for t in gone.tombstones] == ["keras:model-a:pool1:shape"]
    # Another model (another key) is another exercise, even with the same question text.
    other = run([replace(layer("conv1", "(28, 28, 8)"), key="keras:model-b:conv1:shape")], gone.lock, T + 5)
    assert other.notes[0].guid != gone.notes[0].guid
    assert other.rematches == ()


def test_repeated_keys_across_files_get_numbered_identities_and_a_warning() -> None:
    a = replace(card("Same?"), source="a.md", line=3)
    b = replace(card("Same?", "Other."), source="b.md", line=8)
    result = run([a, b], None, T)
    assert [n.guid for n in result.notes] == [guid_for(DECK, "same?"), guid_for(DECK, "same? #2")]
    assert [str(w) for w in result.warnings] == [
        "b.md:8: same question as a.md:3 — reword one or pin an id with <!-- card id: NAME --> "
        "(until then the copies keep their identities by order)"
    ]
    again = run([a, b], result.lock, T + 1)
    assert [n.guid for n in again.notes] == [n.guid for n in result.notes]


def test_plan_is_deterministic() -> None:
    cards = [card(f"Question number {i} about things?") for i in range(20)]
    first = run(cards, None, T)
    edited = [card("Question number 3 about thing?"), *cards[5:], card("Brand new?")]
    one = run(edited, first.lock, T + 1)
    two = run(edited, first.lock, T + 1)
    assert one == two
    assert dump_lock(one.lock) == dump_lock(two.lock)


def test_lock_hashes_are_the_content_hash_of_what_anki_shows() -> None:
    """The lock's hash is :func:`content_hash` of fields, tags and deck (locks of older builds stay valid)."""
    cards = [replace(card("Q1?", context="<p>setup</p>"), tags=("D::C", "x")), card("Q2?", "B.")]
    result = run(cards, None, T)
    hashes = {e.key: e.hash for e in result.lock.cards}
    for c in cards:
        assert hashes[c.key] == content_hash(c.question, c.context, c.answer, c.tags, "D")
    assert (
        content_hash("Q?", "", "A.", ("T",), "D") == "9bb48978484c6311"
    )  # sha256 of the fields joined by \\x1f


def test_the_notes_summary_tells_every_field_of_a_note_apart() -> None:
    """A package is skipped on an equal summary, so any change to a note must change it."""
    base = PackagedNote("g", "Q", "C", "A", "n.md:1", ("t",), "D", 1, 0)

    def summary(notes: list[PackagedNote]) -> bytes:
        return notes_summary(
            notes, [content_hash(n.question, n.context, n.answer, n.tags, n.deck) for n in notes]
        )

    changes: dict[str, object] = {
        "guid": "h",
        "question": "Q2",
        "context": "C2",
        "answer": "A2",
        "source": "n.md:2",
        "tags": ("u",),
        "deck": "E",
        "mod": 2,
        "due": 1,
        "family": "cloze",
    }
    assert set(changes) == set(PackagedNote._fields)
    variants = [base._replace(**{name: value}) for name, value in changes.items()]
    assert len({summary([base]), *(summary([v]) for v in variants)}) == 1 + len(variants)
    assert summary([base, base._replace(guid="h")]) != summary([base._replace(guid="h"), base])
    assert summary([base]) == summary([PackagedNote(*base)])


def test_content_hashes_handed_in_are_used_and_empty_ones_computed() -> None:
    cards = [card("Q1?"), card("Q2?")]
    own = run(cards, None, T)
    handed = run(cards, None, T, content=[own.content[0], ""])
    assert handed == own
    assert run(cards, None, T, content=["f" * 16, ""]).content == ("f" * 16, own.content[1])
