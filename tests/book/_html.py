"""A small static reader for the built html pages (standard library only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

# Attributes through which a page *loads* something (as opposed to linking to it).
_RESOURCE_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# <link rel=...> values that make the browser fetch the target.
_FETCHING_LINK_RELS = {
    "stylesheet",
    "preload",
    "prefetch",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
}
_CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)


@dataclass
class Page:
    """What the tests need from one html file."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # <a href>
    resources: list[tuple[str, str]] = field(default_factory=list)  # (tag, url) that load
    images: list[dict[str, str | bool]] = field(default_factory=list)  # src, alt, in_article
    scripts: list[dict[str, str]] = field(default_factory=list)  # type, src, text
    inline_css: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._article_depth = 0  # >0 while inside the page's <article> (the content)
        self._script: dict[str, str] | None = None
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.page.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.page.links.append(a["href"])
        for attr in _RESOURCE_ATTRS.get(tag, ()):
            if a.get(attr):
                self.page.resources.append((tag, a[attr]))
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if rels & _FETCHING_LINK_RELS:
                self.page.resources.append(("link", a["href"]))
        if "style" in a:
            self.page.inline_css.append(a["style"])
        if tag == "article":
            self._article_depth += 1
        if tag == "img":
            self.page.images.append(
                {
                    "src": a.get("src", ""),
                    "alt": a.get("alt"),
                    "has_alt": "alt" in a,
                    "in_article": self._article_depth > 0,
                }
            )
        if tag == "script":
            self._script = {"type": a.get("type", ""), "src": a.get("src", ""), "text": ""}
        if tag == "style":
            self._style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article_depth = max(0, self._article_depth - 1)
        if tag == "script" and self._script is not None:
            self.page.scripts.append(self._script)
            self._script = None
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script["text"] += data
        if self._style:
            self.page.inline_css.append(data)


@cache
def read_page(path: Path) -> Page:
    """Parse one html file (cached: several tests read the same pages)."""
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.page


def remote_urls_in_css(text: str) -> list[str]:
    """``url(http...)`` and ``@import "http..."`` references in a css text."""
    return _CSS_REMOTE.findall(text)


def is_remote(url: str) -> bool:
    """True for an absolute http(s) or protocol-relative URL."""
    return bool(re.match(r"^(?:https?:)?//", url.strip(), re.I))
