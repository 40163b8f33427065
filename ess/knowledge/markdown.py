"""Article bodies: Markdown to safe HTML (markdown-it-py, then nh3), a table of contents, plain text."""
from __future__ import annotations

from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "ol": {"start"},
}


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: Markup
    toc: list[Heading]
    text: str


def _parser() -> MarkdownIt:
    # Raw HTML in Markdown is not passed through at all; nh3 cleans whatever markdown-it makes.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render(source: str) -> Rendered:
    md = _parser()
    tokens = md.parse(source or "")
    toc: list[Heading] = []
    text_parts: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            # A page has one h1 (the title): headings in the body start at h2.
            level = max(level, 2)
            token.tag = f"h{level}"
            tokens[index + 2].tag = f"h{level}"
            anchor = f"s-{len(toc) + 1}"
            token.attrSet("id", anchor)
            inline = tokens[index + 1]
            toc.append(Heading(level, anchor, inline.content))
        if token.type == "inline":
            text_parts.append("".join(
                child.content if child.type in ("text", "code_inline") else "\n"
                for child in token.children or [] if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            ))
        elif token.type in ("code_block", "fence"):
            text_parts.append(token.content)
    html = md.renderer.render(tokens, md.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Rendered(html=Markup(clean), toc=[h for h in toc if h.level <= 3], text="\n".join(text_parts))


def plain_text(source: str) -> str:
    return render(source).text
