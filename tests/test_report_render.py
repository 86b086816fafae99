"""Renderers: Markdown sections, a self-contained and escaped HTML file, JSON that validates against the schema."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from report_samples import HOSTILE, empty_report, sample_report

from gap_engine.models import GapReport
from gap_engine.render import json_schema, to_html, to_json, to_markdown
from question_bank.loader import Bank

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "docs" / "gap-report.schema.json"


class _Collector(HTMLParser):
    """Collects tags, attributes and text; complains about unbalanced tags the report should never produce."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})  # HTML void elements; SVG ones here are written self-closed

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Collector:
    parser = _Collector()
    parser.feed(document)
    parser.close()
    return parser


def test_markdown_has_every_section_and_the_evidence(bank: Bank) -> None:
    text = to_markdown(sample_report(bank))
    for heading in ("# Gap report: LLM inference engineer", "## Summary", "## Readiness", "## What to study next",
                    "## Reviews due", "## Mastery by module", "## Mastery by topic", "## Self-assessment against measured",
                    "## Progress", "### CUDA problems solved: 3 / 8", "### Weeks", "## Notes"):
        assert heading in text, heading
    assert "**Projected final assessment: 88 / 150** (interval 71-104)" in text
    assert "Ready for a real interview: **Not Yet**" in text
    assert "[retry] Retry the coalescing question (`cuda_performance.coalescing`)" in text
    assert "cuda_performance.coalescing, answer #7" in text and "missed: Explains why strided access wastes sectors" in text
    assert "`██░░░░░░░░` | 24% | 12-40%" in text  # the weak topic's text bar, mean and interval
    assert "| CUDA Kernels | 5 | 5 | 2.0 | 1.5-2.6 | over-confident | +3.0 |" in text
    assert "| PagedAttention | 2 | 5 | 4.4 | 4.0-4.8 | under-confident | -2.4 |" in text
    assert "| Basic | 2/5 | - | - |" in text


def test_markdown_keeps_hostile_text_inert_and_tables_intact(bank: Bank) -> None:
    text = to_markdown(sample_report(bank))
    assert "<script" not in text and "<img" not in text
    assert "&lt;script>" in text
    for line in text.splitlines():
        if line.startswith("| Coalescing"):
            pytest.fail("a title broke out of its table cell")
        if line.startswith("|") and "cuda_performance.coalescing" in line:
            assert line.count(" | ") == 4, line  # the review row keeps its five cells


def test_markdown_without_history_says_what_to_do_first(bank: Bank) -> None:
    text = to_markdown(empty_report(bank))
    assert "**Nothing has been tested yet**" in text
    assert "`tutor interview`" in text and "tutor self-assess set" in text
    assert "None of the 115 topics has been tested yet." in text
    assert "weak" not in text.split("## Mastery by module")[1].split("## Self-assessment")[0]


def test_html_is_one_self_contained_file(bank: Bank) -> None:
    document = to_html(sample_report(bank))
    parsed = _parse(document)
    assert parsed.open == ["html"] or parsed.open == [], parsed.open  # every element closed
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    for tag, attributes in parsed.tags:
        for name, value in attributes.items():
            if name in ("src", "href", "xlink:href", "action", "srcset"):
                assert value is not None and value.startswith("#"), f"<{tag} {name}={value}> loads or links outside"
    assert "http://" not in document and "https://" not in document
    assert "@import" not in document and "url(" not in document
    assert names.count("svg") >= 5  # module bars, topic bars, gauge, score trend, CUDA solved


def test_html_escapes_learner_and_content_text(bank: Bank) -> None:
    document = to_html(sample_report(bank))
    assert "<script" not in document and "<img" not in document
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in document
    assert "Coalescing &lt;and&gt; banks" in document
    text = "".join(_parse(document).text)
    assert HOSTILE in text  # shown to the reader as the text it was, not run


def test_html_charts_carry_the_numbers(bank: Bank) -> None:
    document = to_html(sample_report(bank))
    assert 'aria-label="Projected 88 of 150"' in document
    assert ">88 / 150</text>" in document
    for mark in ("105", "120", "135"):
        assert f">{mark}</text>" in document
    assert "<polyline" in document  # the trend line through the two sessions
    assert document.count('class="whisker"') == 3  # module m3 and the two tested topics
    assert ">2 / 5</text>" in document  # easy CUDA problems solved


def test_html_without_history(bank: Bank) -> None:
    document = to_html(empty_report(bank))
    _parse(document)
    assert "Nothing has been tested yet" in document
    assert document.count("not yet tested</text>") == 9  # every module bar says so


def test_json_round_trips_and_validates_against_the_schema(bank: Bank) -> None:
    report = sample_report(bank)
    exported = to_json(report)
    jsonschema.validate(json.loads(exported), json_schema(), cls=jsonschema.Draft202012Validator)
    assert GapReport.model_validate_json(exported) == report


def test_schema_rejects_a_broken_export(bank: Bank) -> None:
    document = json.loads(to_json(sample_report(bank)))
    document["topics"][0]["mean"] = 1.7
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema(), cls=jsonschema.Draft202012Validator)
    del document["readiness"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema(), cls=jsonschema.Draft202012Validator)


def test_published_schema_file_is_current() -> None:
    written = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert written == json_schema(), f"{SCHEMA_FILE} is stale: run `tutor report --schema --out docs/gap-report.schema.json`"


def test_renderers_handle_a_report_with_no_progress_or_self_assessment(bank: Bank) -> None:
    bare = empty_report(bank).model_copy(update={"self_assessment": []})
    assert "No self-assessment in this report." in to_markdown(bare)
    assert "No self-assessment in this report." in to_html(bare)
    assert re.search(r"Streak: 0 day", to_markdown(bare))


def test_charts_stay_well_formed_at_the_edges() -> None:
    from datetime import UTC, datetime

    from gap_engine import svg

    moment = datetime(2026, 11, 20, tzinfo=UTC)
    charts = [
        svg.score_trend([], [], title="empty"),
        svg.score_trend([(moment, 7.0)], [], title="one answer"),
        svg.score_trend([(moment, 12.0), (moment, -1.0)], [], title="same moment, out-of-range scores"),
        svg.readiness_gauge(170.0, (140.0, 190.0), 150, [(0, "low"), (135, "high")], title="over the top"),
        svg.readiness_gauge(0.0, (0.0, 0.0), 150, [], title="no bands"),
        svg.mastery_bars([], title="no rows"),
        svg.mastery_bars([svg.Bar(label="x" * 80, mean=1.3, lower=-0.2, upper=1.5, status="strong")], title="clamped"),
        svg.solved_bars([("easy", 0, 0)], title="no problems"),
    ]
    for chart in charts:
        _parse(chart)
        assert "nan" not in chart and "inf" not in chart.lower().replace("info", "")
        numbers = [float(value) for value in re.findall(r'(?:x|x1|x2|width)="(-?[\d.]+)"', chart)]
        assert all(0 <= value <= 1000 for value in numbers), chart
    assert "no scored answers yet" in charts[0]
    assert "x" * 43 + "…" in charts[6] and "<title>" + "x" * 80 + "</title>" in charts[6]


def test_long_lists_are_capped_and_evidence_shown_once(bank: Bank) -> None:
    report = sample_report(bank)
    review = report.reviews_due[0]
    recommendation = report.recommendations[0]
    crowded = report.model_copy(update={
        "reviews_due": [review.model_copy(update={"item_id": f"core.item-{number}"}) for number in range(40)],
        "recommendations": [recommendation.model_copy(update={"evidence": recommendation.evidence * 3})]})
    text, document = to_markdown(crowded), to_html(crowded)
    assert "40 question(s) due" in text and "... and 25 more" in text and "`core.item-14`" in text
    assert "`core.item-15`" not in text
    assert "... and 25 more" in document
    assert text.count("cuda_performance.coalescing, answer #7") == 2  # once under the recommendation, once under its topic
    assert "Evidence (2)" in document


def test_a_measured_but_unrated_component_reads_not_rated(bank: Bank) -> None:
    report = sample_report(bank)
    rows = [row.model_copy(update={"rating": None, "verdict": "untested", "gap": None}) if row.component == "CUDA Kernels"
            else row for row in report.self_assessment]
    text = to_markdown(report.model_copy(update={"self_assessment": rows}))
    assert "| CUDA Kernels | - | 5 | 2.0 | 1.5-2.6 | not rated yet | - |" in text
    assert "| Scheduler | - | 4 | - | - | not yet tested | - |" in text
