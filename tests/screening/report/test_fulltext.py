from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from screening.report.fulltext import render_full_text
from screening.report.model import PassageEntry, Section


class _Reader(HTMLParser):
    """Recovers the thesis text and, per character, the sources and class marking it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.marks: list[tuple[str, set[int]] | None] = []
        self.pages: dict[int, int] = {}
        self.labels: dict[str, int] = {}
        self._stack: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div" and "pgb" in a.get("class", ""):
            self.pages[int(a["id"].removeprefix("page-"))] = len(self.text)
        self._stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        tag, a = self._stack[-1] if self._stack else ("", {})
        if tag == "span" and a.get("class") == "pg":
            return
        if tag == "a" and "lbl" in a.get("class", ""):
            self.labels[data] = len(self.text)
            return
        mark = None
        if tag == "mark":
            cls = a["class"].removeprefix("c-")
            mark = (cls, {int(s) for s in a["data-s"].split()})
        for ch in data:
            self.text.append(ch)
            self.marks.append(mark)


def _passage(number: int, seq: int, start: int, end: int, cls: str) -> PassageEntry:
    return PassageEntry(
        label=f"{number}-{seq}",
        source_number=number,
        thesis_start=start,
        thesis_end=end,
        page=None,
        page_end=None,
        source_start=None,
        source_end=None,
        match_class=cls if cls in ("identical", "minor_changes", "paraphrase") else "identical",
        display_class=cls,
        similarity=None,
        excluded=None if cls in ("identical", "minor_changes", "paraphrase") else "quote",
        thesis_text="",
        source_text=None,
    )


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def test_passages_are_coloured_numbered_and_pages_marked() -> None:
    text = "第一页文字。\n第二页有一段抄袭的内容<b>&。\n第三页"
    passages = [
        _passage(1, 1, 11, 17, "identical"),
        _passage(2, 1, 14, 20, "paraphrase"),
    ]
    html = str(render_full_text(text, passages, [0, 7, 24], [Section("第二页", "chapter", 7, 24)]))
    reader = _read(html)
    assert "".join(reader.text) == text
    assert reader.pages == {1: 0, 2: 7, 3: 24}
    assert reader.labels == {"1-1": 11, "2-1": 14}
    assert reader.marks[12] == ("identical", {1})
    assert reader.marks[15] == ("identical", {1, 2})  # overlap shows the stronger class
    assert reader.marks[18] == ("paraphrase", {2})
    assert reader.marks[10] is None and reader.marks[21] is None
    assert "<b>" not in html and "&lt;b" in html and "&gt;&amp;" in html
    assert 'id="sec-1"' in html


CLASSES = ("identical", "minor_changes", "paraphrase", "quote", "excluded")
PRIORITY = {c: i for i, c in enumerate(reversed(CLASSES))}


@st.composite
def documents(draw):
    text = draw(st.text(alphabet="论文抄袭ab <>&\n\"'", min_size=0, max_size=120))
    n = len(text)
    cut = st.integers(0, n)
    pages = sorted(set(draw(st.lists(cut, max_size=5))) | {0}) if n else [0]
    spans = draw(
        st.lists(st.tuples(cut, cut, st.integers(1, 3), st.sampled_from(CLASSES)), max_size=8)
    )
    passages = []
    for i, (a, b, source, cls) in enumerate(spans):
        start, end = min(a, b), max(a, b)
        passages.append(_passage(source, i + 1, start, end, cls))
    return text, pages, passages


@given(documents())
def test_every_character_is_kept_once_and_marked_by_exactly_its_passages(doc) -> None:
    text, pages, passages = doc
    reader = _read(str(render_full_text(text, passages, pages)))
    assert "".join(reader.text) == text
    for i in range(len(text)):
        covering = [p for p in passages if p.thesis_start <= i < p.thesis_end]
        if not covering:
            assert reader.marks[i] is None
            continue
        cls, sources = reader.marks[i]
        assert sources == {p.source_number for p in covering}
        assert cls == max((p.display_class for p in covering), key=PRIORITY.__getitem__)
    non_empty = [p for p in passages if p.thesis_end > p.thesis_start]
    assert set(reader.labels) == {p.label for p in non_empty}
