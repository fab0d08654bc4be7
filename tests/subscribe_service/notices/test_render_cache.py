"""render_cache's substitution: every personal value reaches its slot, escaped in HTML."""

from __future__ import annotations

import dataclasses

from subscribe_service.mail.message import RenderedMail
from subscribe_service.notices import render_cache
from subscribe_service.notices.render_cache import PLACEHOLDERS, Personal

PERSON = Personal(
    email="ann+<b>@client.example",
    object_url="https://s.example/object/T1?a=1&b=2",
    manage_url="https://s.example/manage/T2",
    unsubscribe_url="https://s.example/unsubscribe/T3",
    unsubscribe_all_url="https://s.example/unsubscribe/T4?all=1",
)


def template() -> RenderedMail:
    slots = dataclasses.astuple(PLACEHOLDERS)
    return RenderedMail(
        subject=f"For {PLACEHOLDERS.email}",
        text=" | ".join(slots),
        html=" | ".join(slots),
        list_id="List <l.example>",
        unsubscribe_url=PLACEHOLDERS.unsubscribe_url,
    )


def test_the_values_are_every_field_in_order():
    assert render_cache._values(PERSON) == dataclasses.astuple(PERSON)
    assert dataclasses.astuple(PLACEHOLDERS) == render_cache._SLOTS


def test_fill_puts_each_value_in_its_slot_and_escapes_html():
    filled = render_cache._fill(template(), PERSON)
    assert filled.text == " | ".join(dataclasses.astuple(PERSON))
    assert filled.subject == f"For {PERSON.email}"
    assert "ann+&lt;b&gt;@client.example" in filled.html
    assert "https://s.example/object/T1?a=1&amp;b=2" in filled.html
    assert "trustsiteslot" not in filled.text + filled.html + filled.subject
    assert filled.unsubscribe_url == PERSON.unsubscribe_url


def test_a_missing_object_link_leaves_its_slot_alone():
    without = dataclasses.replace(PERSON, object_url=None)
    filled = render_cache._fill(template(), without)
    assert PLACEHOLDERS.object_url in filled.text  # the template has no such link then
    assert PERSON.manage_url in filled.text and PERSON.email in filled.text
