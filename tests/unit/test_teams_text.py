"""People's text in a Teams card prints as typed: links, emphasis, lists, headings, tags and mentions a
customer writes stay text under any Markdown parser a Teams client uses, and control characters, line
breaks and overlong text cannot reshape the card."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from npsloop.notify.teams_text import ELLIPSIS, WORD_JOINER, teams_text

# What opens Markdown or HTML in Teams' subset (and in CommonMark, a superset of it) when typed as ASCII.
SYNTAX = set("*_~`[]\\<>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)


def parsers() -> list[MarkdownIt]:
    """Two Markdown renderers of card text: a full CommonMark with GitHub's tables and strikethrough, and one
    set up as Microsoft's own Adaptive Card samples do (markdown-it with only its text, emphasis and link
    rules), which knows no backslash escapes."""
    sample = MarkdownIt()
    sample.block.ruler.enableOnly(["list", "blockquote", "reference", "paragraph"])
    sample.inline.ruler.enableOnly(["text", "emphasis", "link"])
    return [MarkdownIt("commonmark").enable(["table", "strikethrough"]), sample]


def markup(rendered: str) -> str:
    """What a renderer made of a text beyond the one paragraph every text becomes: any tag left is markup."""
    inner = rendered.removeprefix("<p>").removesuffix("</p>\n")
    return inner if "<" in inner else ""


def visible(text: str) -> str:
    """What a reader sees: the look-alikes read as what was typed, the word joiner not at all."""
    back = str.maketrans("∗＿∼ˋ［］＼＜＞", "*_~`[]\\<>")
    return text.replace(WORD_JOINER, "").translate(back)


@pytest.mark.parametrize(
    "typed",
    [
        "[click here](https://evil.example/sso)",
        "![tracker](https://evil.example/pixel.png)",
        "[bank][1] [1]: https://evil.example",
        "<https://evil.example>",
        "**urgent** and __very__ and *this* _that_",
        "~~struck~~ and `code` and ```fence```",
        "<at>Marta</at> please look",
        "<b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)>",
        "\\[escaped\\](https://evil.example)",
        "&lt;at&gt;Marta&lt;/at&gt; &#60;b&#62; &amp;",
    ],
)
def test_inline_markup_a_customer_types_is_shown_not_obeyed(typed):
    shown = teams_text(typed)
    assert not SYNTAX & set(shown), shown
    assert not ENTITY.search(shown), shown  # no entity left for a renderer to decode into a tag
    assert visible(shown) == typed


@pytest.mark.parametrize(
    "typed",
    [
        "- first\n- second",
        "+ plus item",
        "* star item",
        "1. one\n2. two",
        "3) three",
        "# Heading",
        "### smaller",
        "> quoted",
        "---",
        "===",
        "Title\n=====",
        "text\n\n- a list after a blank line",
        "[ref]: https://evil.example\n[ref]",
    ],
)
def test_block_markup_cannot_start_a_line(typed):
    shown = teams_text(typed)
    assert "\n" not in shown and "\r" not in shown
    assert not re.match(r"[-+*#=>]|\d+[.)]", shown), shown  # the first character opens no block
    assert visible(shown) == " ".join(typed.split())


@pytest.mark.parametrize(
    "typed",
    [
        "[click](https://evil.example) **x** _y_ ~~z~~ `c` <at>Marta</at> <b>b</b> &lt;i&gt;",
        "- a\n- b",
        "1. a\n2. b",
        "# h",
        "> q",
        "---",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "<https://evil.example>",
        "![i](https://evil.example/i.png)",
        "[r]: https://evil.example\n\n[r]",
    ],
)
def test_markdown_renderers_make_no_markup_of_it(typed):
    full = parsers()[0]
    assert markup(full.render(typed)), typed  # as typed, it is markup
    for parser in parsers():
        assert markup(parser.render(teams_text(typed))) == "", parser.render(teams_text(typed))


def test_a_backslash_escape_is_no_defence_where_the_renderer_ignores_it():
    """Why the look-alikes: the samples' renderer still links a backslash-escaped link."""
    sample = parsers()[1]
    assert '<a href="https://evil.example">' in sample.render("\\[x\\](https://evil.example)")
    assert "<a " not in sample.render(teams_text("[x](https://evil.example)"))


def test_line_breaks_tabs_and_unicode_separators_become_one_space():
    assert teams_text("a\r\nb\tc\u2028d\u2029e\x0bf\x0cg\x85h   i") == "a b c d e f g h i"


def test_control_characters_and_bidirectional_overrides_are_dropped():
    # U+202E would show "exe.txt" as "txt.exe"; NUL, BEL, ESC and C1 controls have no business in a card.
    assert teams_text("invoice\u202etxt.exe\u202c") == "invoicetxt.exe"
    assert teams_text("a\x00b\x07c\x1bd\x7fe\x9bf") == "abcdef"
    assert teams_text("\u2066isolated\u2069 \u200emark\u200f \u061carabic") == "isolated mark arabic"


def test_emoji_and_letters_of_any_script_pass_unchanged():
    for typed in ["Muy mal 😡👎🏽", "👨‍👩‍👧 family", "Ça n'a pas marché", "配送が遅い", "Доставка ❤️"]:
        assert teams_text(typed) == typed


def test_an_ampersand_stays_visible_but_opens_no_entity():
    shown = teams_text("Billing & Co &lt;3")
    assert visible(shown) == "Billing & Co &lt;3" and "&lt;" not in shown


def test_long_text_is_cut_to_the_limit_with_an_ellipsis_before_the_look_alikes_go_in():
    assert teams_text("x" * 5000, 200) == "x" * 199 + ELLIPSIS
    assert len(teams_text("*" * 5000, 200)) == 200  # the limit counts what was typed
    assert teams_text("exactly ten", 11) == "exactly ten"
    assert teams_text("a   b", 3) == "a b"  # whitespace collapses before the cut


def test_blank_or_control_only_text_is_empty():
    assert teams_text("") == "" and teams_text(" \n\t ") == "" and teams_text("\x00\u202e") == ""


@given(st.text())
def test_no_text_whatever_its_content_leaves_markup_or_a_line_break(typed):
    shown = teams_text(typed, 300)
    assert all(markup(parser.render(shown)) == "" for parser in parsers())
    assert not SYNTAX & set(shown)
    assert not ENTITY.search(shown)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert not re.match(r"[-+*#=>]|\d+[.)]", shown)
    assert len(shown) <= 300 + shown.count(WORD_JOINER)
