"""An XSS payload list and a checker that parses HTML (html.parser) and lists every active part left in it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

XSS_PAYLOADS: tuple[str, ...] = (
    "<script>alert('xss-1')</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert('xss-2')>",
    "<body onload=alert('xss-3')>",
    "<details open ontoggle=alert('xss-4')>",
    '<a href="javascript:alert(\'xss-5\')">click</a>',
    '<a href="JaVaScRiPt:alert(\'xss-6\')">click</a>',
    '<a href="jav&#x09;ascript:alert(\'xss-7\')">click</a>',
    "[click](javascript:alert('xss-8'))",
    "![pic](javascript:alert('xss-9'))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(\'xss-10\')</script>">click</a>',
    '<a href="vbscript:msgbox(\'xss-11\')">click</a>',
    "<svg onload=alert('xss-12')><circle r=5 /></svg>",
    "<svg><script>alert('xss-13')</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-14')>",
    '<div style="width: expression(alert(\'xss-15\'))">css</div>',
    "<style>@import 'javascript:alert(\"xss-16\")'; body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(\'xss-17\'))">css</p>',
    "<iframe src=\"javascript:alert('xss-18')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss-19')</script>\"></iframe>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-20\')">',
    "<object data=\"javascript:alert('xss-21')\"></object>",
    "<embed src=\"javascript:alert('xss-22')\">",
    "<form action=\"javascript:alert('xss-23')\"><input type=submit formaction=javascript:alert(1)></form>",
    "<<script>script>alert('xss-24')<</script>/script>",
    "\"><script>alert('xss-25')</script>",
    '<link rel=stylesheet href="javascript:alert(\'xss-26\')">',
    "<base href=\"javascript:alert('xss-27')//\">",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('xss-28')\">x</a>",
)

_ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base",
                "link", "meta", "form", "input", "button", "textarea", "select", "style", "template",
                "noscript", "portal"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "poster", "background",
              "lowsrc", "dynsrc", "ping", "cite", "longdesc", "usemap", "codebase", "srcset"}
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data|livescript):", re.IGNORECASE)
_CSS_ACTIVE = re.compile(r"expression\s*\(|javascript:|vbscript:|url\s*\(|@import|behavior\s*:|-moz-binding",
                         re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Scanner(HTMLParser):
    """Collects every active element, event handler, dangerous URL and active CSS in a document."""

    def __init__(self, allowed_styles: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_styles = allowed_styles
        self.found: list[str] = []
        self._in_style = False
        self._style_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self._in_style, self._style_text = True, []
        elif tag == "meta" and not any(name == "http-equiv" for name, _ in attrs):
            pass  # <meta charset> / <meta name=viewport> in the page template are harmless
        elif tag in _ACTIVE_TAGS:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            value = html.unescape(value or "")
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            elif name in _URL_ATTRS and _BAD_SCHEME.match(_INVISIBLE.sub("", value)):
                self.found.append(f"<{tag} {name}={value[:40]!r}> dangerous URL")
            elif name == "style" and _CSS_ACTIVE.search(value):
                self.found.append(f"<{tag} style={value[:40]!r}> active CSS")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._in_style:
            self._in_style = False
            css = "".join(self._style_text)
            if css.strip() not in self.allowed_styles or _CSS_ACTIVE.search(css):
                self.found.append("<style> element not from the page template")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._style_text.append(data)


def unsafe_parts(document: str, allowed_styles: tuple[str, ...] = ()) -> list[str]:
    """Every active part of `document`: script-capable elements, on* attributes, js/data URLs, active CSS.

    `allowed_styles` are stylesheet texts the page template itself carries (exactly), which are fine.
    """
    scanner = _Scanner(tuple(s.strip() for s in allowed_styles))
    scanner.feed(document)
    scanner.close()
    return scanner.found


def page_text(page: str) -> str:
    """The text a reader sees in an HTML page, white space collapsed."""
    parser = HTMLParser(convert_charrefs=True)
    chunks: list[str] = []
    parser.handle_data = chunks.append  # type: ignore[method-assign]
    parser.feed(page)
    return " ".join("".join(chunks).split())
