"""A small reader of rendered pages for web tests: menus, controls' names, forms, messages."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""
    children: list = field(default_factory=list)

    @property
    def name(self) -> str:
        """The accessible name as a person hears it: aria-label, else the visible text."""
        return (self.attrs.get("aria-label") or " ".join(self.text.split())).strip()


@dataclass
class Form:
    method: str
    action: str
    fields: list = field(default_factory=list)  # (name, type, first option value)


class Page(HTMLParser):
    """Parse once, then read `navs` (label -> links), `controls`, `forms` and `messages`."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.navs: dict[str, list[Element]] = {}
        self.controls: list[Element] = []  # links and buttons
        self.forms: list[Form] = []
        self.landmarks: list[str] = []  # navigation and search regions, by their names
        self.messages: list[str] = []  # field errors, flashes and alerts
        self._open: list[Element] = []
        self._nav: str | None = None
        self._select: list | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        element = Element(tag, attrs)
        classes = attrs.get("class", "").split()
        if tag == "nav":
            self._nav = attrs.get("aria-label", "")
            self.navs.setdefault(self._nav, [])
            self.landmarks.append(f"navigation {self._nav}")
        if attrs.get("role") == "search":
            self.landmarks.append(f"search {attrs.get('aria-label', '')}")
        if tag in ("a", "button"):
            self.controls.append(element)
            if tag == "a" and self._nav is not None:
                self.navs[self._nav].append(element)
        if tag == "form":
            self.forms.append(Form(attrs.get("method", "get").lower(), attrs.get("action", "")))
        if self.forms and tag in ("input", "textarea", "select") and attrs.get("name"):
            entry = [attrs["name"], attrs.get("type", tag), attrs.get("value", "")]
            self.forms[-1].fields.append(entry)
            self._select = entry if tag == "select" else None
        if tag == "option" and self._select is not None and not self._select[2]:
            self._select[2] = attrs.get("value", "")
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.controls.append(Element("button", attrs, attrs.get("value", "")))
        if {"error", "flash"} & set(classes) or attrs.get("role") == "alert":
            element.attrs["_message"] = "1"
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav = None
        if tag == "select":
            self._select = None
        while self._open:
            element = self._open.pop()
            if element.attrs.get("_message"):
                self.messages.append(" ".join(element.text.split()))
            if self._open:
                self._open[-1].text += " " + element.text + " "
            if element.tag == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1].text += data
