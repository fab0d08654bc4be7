"""`trustsite check` refuses markup the site would not publish as written, at the text itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.load.errors import DataError
from generator.load.loader import load_data

SMALL = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "data-small"

FAQ = """\
version: "1.1"
title: GDPR and CCPA FAQ
announced: 2024-01-20
effective: 2024-03-01
summary: Fixes a typo; wording only.
editorial: false
sections:
  - id: our-role
    title: What is our role?
    body: |
      Our clients are controllers; we are their processor.

      Really: <script>alert(1)</script> while `<code>` and &copy; are fine.
  - id: contact
    title: How do I reach the privacy team?
    body: |
      Write to <privacy@larkspur.example> or [call us](tel:+31201234567).
      [link](javascript:alert(1)) or [x](java&#115;cript:alert(1))

      ![logo](https://evil.example/x.png)
"""


def _issues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faq: str, name: str) -> list[str]:
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    (data / "faq" / "1.1.yaml").write_text(faq, encoding="utf-8")
    site = data / "site.yaml"
    site.write_text(site.read_text().replace("  name: Larkspur Relay\n", f"  name: {name}\n"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as caught:
        load_data(data)
    return [str(issue) for issue in caught.value.issues]


def test_each_refusal_points_at_the_text_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = _issues(tmp_path, monkeypatch, FAQ, "Larkspur <img src=x onerror=alert(1)>")
    assert issues == [
        "data/faq/1.1.yaml:13:15: sections[0].body: '<script>' is HTML, which the site shows "
        "as plain text, not as markup; write it in Markdown (**bold**, *italic*, "
        "[text](https://...), lists with - ) or, to show the characters, put them in "
        "backticks: `<b>`",
        "data/faq/1.1.yaml:18:14: sections[1].body: 'javascript:alert(1)' is a javascript: "
        "link, which the site does not publish; links may only start with https://, http://, "
        "mailto: or tel: (or be a path on this site)",
        "data/faq/1.1.yaml:18:42: sections[1].body: 'java&#115;cript:alert(1)' is a "
        "javascript: link, which the site does not publish; links may only start with "
        "https://, http://, mailto: or tel: (or be a path on this site)",
        "data/faq/1.1.yaml:20:15: sections[1].body: 'https://evil.example/x.png' is an image; "
        "the site shows no images in documents (nothing is loaded from elsewhere); link to it "
        "instead: [description](https://...)",
        "data/site.yaml:2:18: company.name: '<img src=x onerror=alert(1)>' looks like HTML "
        "markup; this field is plain text and is shown exactly as written, so remove the "
        "markup (write < and > only with spaces around them, like 'a < b')",
    ]


def test_a_control_character_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    faq = FAQ.replace("summary: Fixes a typo; wording only.", 'summary: "Fixes a \\e typo"')
    issues = _issues(tmp_path, monkeypatch, faq, "Larkspur Relay")
    assert (
        "data/faq/1.1.yaml:5:10: summary: holds an invisible control character (U+001B), "
        "which no page or feed can show; delete it (in quotes it is written as a backslash "
        "escape such as \\e or \\x07)"
    ) in issues


def test_plain_angle_brackets_tel_links_and_code_pass(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    faq = data / "faq" / "1.1.yaml"
    # A substantive version (an editorial one may not add this much, generator.load.editorial).
    text = faq.read_text().replace("editorial: true", "editorial: false")
    text = text.replace("announced: 2024-03-01", "announced: 2024-01-20")
    faq.write_text(
        text + "\n      Call [us](tel:+31201234567), see [the DPA](../dpa/) or `<b>`; 1 < 2.\n"
    )
    load_data(data)
