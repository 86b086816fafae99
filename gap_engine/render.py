"""The gap report as Markdown, as one self-contained HTML file, and as JSON following the published schema.

Renderers read only the GapReport: nothing here touches storage, settings or the network. The HTML has its CSS and
SVG charts inline and loads nothing (no script, no stylesheet link, no image URL); every text that came from content
or from the learner is escaped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from gap_engine import svg
from gap_engine.models import (
    EvidenceRef,
    GapReport,
    ModuleMastery,
    Progress,
    Readiness,
    Recommendation,
    SelfAssessmentRow,
    TopicMastery,
)
from gap_engine.self_assessment import READINESS_AVERAGE, average_rating

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
VERDICT_WORDS = {"over": "over-confident", "under": "under-confident", "aligned": "aligned", "untested": "not yet tested"}
REVIEWS_SHOWN = 15
READY_CLASSES = {"Not Yet": "weak", "Almost": "developing", "Ready!": "strong", "Very Confident": "strong"}
STATUS_WORDS = {"not_tested": "not yet tested", "weak": "weak", "developing": "developing", "strong": "strong"}
FIRST_STEPS = (
    "Run a mock interview: `tutor interview` (add `--plain` to answer in this terminal); the default format is the "
    "sixty-minute technical deep dive.",
    "Or practise single questions in the app's Practice screen; `tutor bank list --category core_concepts` lists them.",
    "Solve an easy CUDA problem in the app's CUDA screen (`tutor bank list --category cuda_coding --difficulty easy` "
    "lists them); every judged run counts toward the report.",
    "Rate yourself on the ten components: `tutor self-assess set \"CUDA Kernels\" 3`; the report will set your "
    "ratings beside what your answers show.",
)


# --- JSON --------------------------------------------------------------------------------------------------------


def to_json(report: GapReport) -> str:
    return report.model_dump_json(indent=2)


def json_schema() -> dict[str, Any]:
    """The published schema every JSON export validates against (docs/gap-report.schema.json is this, written out)."""
    return {"$schema": JSON_SCHEMA_DIALECT, **GapReport.model_json_schema()}


# --- shared wording ----------------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _span(lower: float | None, upper: float | None) -> str:
    return "-" if lower is None or upper is None else f"{lower * 100:.0f}-{upper * 100:.0f}%"


def _day(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d")


def _text_bar(mean: float | None, width: int = 10) -> str:
    if mean is None:
        return "·" * width
    filled = round(max(0.0, min(1.0, mean)) * width)
    return "█" * filled + "░" * (width - filled)


def _minutes(minutes: float) -> str:
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _nothing_tested(report: GapReport) -> bool:
    return report.learner.answers_scored == 0 and report.learner.judge_runs == 0


def _evidence_line(evidence: EvidenceRef) -> tuple[str, str, list[str]]:
    """(what it is, outcome, missed rubric points) in plain words."""
    if evidence.kind == "judge":
        source = f"judge run #{evidence.judge_run_id}" if evidence.judge_run_id is not None else "judge run"
    else:
        source = f"answer #{evidence.answer_id}" if evidence.answer_id is not None else "answer"
    outcome = f"{_percent(evidence.score)} on this topic" + (f"; {evidence.detail}" if evidence.detail else "")
    missed = [point.text + (f" (missing: {point.missing})" if point.missing else "") for point in evidence.missed_points]
    return f"{evidence.item_id}, {source}, {_day(evidence.when)}", outcome, missed


def _solved_by_difficulty(progress: Progress) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = {"easy": [0, 0], "medium": [0, 0], "hard": [0, 0]}
    for count in progress.cuda_solved:
        totals[count.difficulty][0] += count.solved
        totals[count.difficulty][1] += count.total
    return [(difficulty, solved, total) for difficulty, (solved, total) in totals.items() if total]


def _solved_by_group(progress: Progress) -> dict[str, dict[str, tuple[int, int]]]:
    groups: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for count in progress.cuda_solved:
        groups[count.group][count.difficulty] = (count.solved, count.total)
    return groups


def _weakest(report: GapReport) -> list[TopicMastery]:
    """The three weakest tested topics, leaving out strong ones (a strong topic is nobody's weak spot)."""
    return [topic for topic in report.weakest_topics(3) if topic.status != "strong"]


def _verdict_words(row: SelfAssessmentRow) -> str:
    if row.verdict == "untested" and row.measured is not None:
        return "not rated yet"
    return VERDICT_WORDS[row.verdict]


def _distinct(evidence: Sequence[EvidenceRef]) -> list[EvidenceRef]:
    """Each answer or judge run once, even when it reached a recommendation through several of its topics."""
    seen: set[tuple[str, int | None, int | None, str]] = set()
    distinct = []
    for reference in evidence:
        key = (reference.kind, reference.answer_id, reference.judge_run_id, reference.item_id)
        if key not in seen:
            seen.add(key)
            distinct.append(reference)
    return distinct


def _difficulty_cells(cells: dict[str, tuple[int, int]]) -> list[str]:
    return [f"{cells[d][0]}/{cells[d][1]}" if d in cells else "-" for d in ("easy", "medium", "hard")]


def _trend_words(trend: float | None) -> str:
    if trend is None:
        return "no trend yet"
    direction = "rising" if trend > 0.05 else "falling" if trend < -0.05 else "flat"
    return f"{direction} ({trend:+.2f} per session)"


# --- Markdown ----------------------------------------------------------------------------------------------------

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item: one line, pipes escaped, nothing a renderer takes as HTML."""
    one_line = " ".join(text.split())
    return _TAG_START.sub("&lt;", one_line.replace("|", "\\|"))


def to_markdown(report: GapReport) -> str:
    lines = [f"# Gap report: {_md(report.role_title)}", "",
             f"Generated {report.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()} · schema v{report.schema_version} · "
             f"intervals are {report.interval_mass * 100:.0f}% credible · evidence half-life {report.half_life_days:g} days", ""]
    lines += _md_summary(report)
    lines += _md_readiness(report.readiness)
    lines += _md_recommendations(report.recommendations)
    lines += _md_reviews(report)
    lines += _md_modules(report.modules)
    lines += _md_topics(report)
    lines += _md_self_assessment(report.self_assessment)
    lines += _md_progress(report.progress)
    if report.notes:
        lines += ["## Notes", "", *(f"- {_md(note)}" for note in report.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_summary(report: GapReport) -> list[str]:
    learner = report.learner
    lines = ["## Summary", ""]
    if _nothing_tested(report):
        return [*lines, "**Nothing has been tested yet**, so every topic is *not yet tested* (never *weak*). "
                "The report fills in as you answer. What to do first:", "",
                *(f"{number}. {step}" for number, step in enumerate(FIRST_STEPS, 1)), ""]
    average = "-" if learner.overall_average is None else f"{learner.overall_average:.1f}/10"
    return [*lines,
            f"- Answers scored: {learner.answers_scored} on {learner.items_answered} items; judge runs: {learner.judge_runs}",
            f"- Topics tested: {learner.topics_tested} of {learner.topics_total}",
            f"- Average score: {average}",
            f"- Activity: {_day(learner.first_activity)} to {_day(learner.last_activity)}", ""]


def _md_readiness(readiness: Readiness) -> list[str]:
    low, high = readiness.interval
    lines = ["## Readiness", "",
             f"**Projected final assessment: {readiness.projected_150:.0f} / {readiness.total_points}** "
             f"(interval {low:.0f}-{high:.0f}), band **{_md(readiness.band)}**."
             + (f" {_md(readiness.band_advice)}" if readiness.band_advice else ""), "",
             f"- Coverage: {_percent(readiness.coverage)} of the assessment's points have evidence on their topics",
             "- Mock interviews: " + (f"{readiness.mock_count}, average {readiness.mock_average:.1f}/10, "
                                       f"trend {_trend_words(readiness.trend)}" if readiness.mock_average is not None
                                       else "none finished yet"),
             f"- Ready for a real interview: **{readiness.ready_scale}**"
             + (f": {_md(readiness.ready_reason)}" if readiness.ready_reason else ""), ""]
    if readiness.parts:
        lines += ["| Part | Points | Projected | Interval | Items with evidence |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {_md(part.title)} | {part.points} | {part.projected:.1f} | {part.lower:.1f}-{part.upper:.1f} | "
                  f"{part.items_with_evidence}/{part.items_total} |" for part in readiness.parts]
        lines.append("")
    return lines


def _md_recommendations(recommendations: Sequence[Recommendation]) -> list[str]:
    lines = ["## What to study next", ""]
    if not recommendations:
        return [*lines, "No recommendation yet: answer a few questions first.", ""]
    for recommendation in recommendations:
        scope = recommendation.topic_id or recommendation.module_id
        lines += [f"### {recommendation.rank}. {_md(recommendation.title)}", "",
                  f"`{scope}` · mastery {_percent(recommendation.mastery_mean)} · expected gain "
                  f"{recommendation.expected_gain:.2f} · role weight {recommendation.role_weight:.2f}", "",
                  _md(recommendation.why), ""]
        if recommendation.evidence:
            lines.append("Evidence:")
            for evidence in _distinct(recommendation.evidence):
                lines += _md_evidence(evidence)
            lines.append("")
        if recommendation.actions:
            lines.append("Next actions:")
            lines += [f"- [{action.kind}] {_md(action.text)} (`{_md(action.target)}`)" for action in recommendation.actions]
            lines.append("")
    return lines


def _md_evidence(evidence: EvidenceRef, indent: str = "") -> list[str]:
    source, outcome, missed = _evidence_line(evidence)
    return [f"{indent}- {_md(source)}: {_md(outcome)}", *(f"{indent}  - missed: {_md(point)}" for point in missed)]


def _md_reviews(report: GapReport) -> list[str]:
    lines = ["## Reviews due", ""]
    if not report.reviews_due:
        return [*lines, "Nothing is due for review.", ""]
    shown = report.reviews_due[:REVIEWS_SHOWN]
    lines += [f"{len(report.reviews_due)} question(s) due, most overdue first.", "",
              "| Item | Title | Due | Overdue (days) | Last score |", "|---|---|---|---:|---:|"]
    lines += [f"| `{_md(review.item_id)}` | {_md(review.title)} | {_day(review.due_at)} | {review.overdue_days:.1f} | "
              f"{'-' if review.last_score is None else f'{review.last_score:.1f}/10'} |" for review in shown]
    if len(report.reviews_due) > len(shown):
        lines += ["", f"... and {len(report.reviews_due) - len(shown)} more (the JSON export lists every one)."]
    return [*lines, ""]


def _md_modules(modules: Sequence[ModuleMastery]) -> list[str]:
    lines = ["## Mastery by module", "", "| Module | Mastery | Mean | Interval | Topics tested | Status |",
             "|---|---|---:|---:|---:|---|"]
    lines += [f"| {module.number}. {_md(module.title)} | `{_text_bar(module.mean)}` | {_percent(module.mean)} | "
              f"{_span(module.lower, module.upper)} | {module.topics_tested}/{module.topics_total} | "
              f"{STATUS_WORDS[module.status]} |" for module in modules]
    return [*lines, ""]


def _md_topics(report: GapReport) -> list[str]:
    tested = [topic for topic in report.topics if topic.status != "not_tested"]
    lines = ["## Mastery by topic", ""]
    if not tested:
        return [*lines, f"None of the {len(report.topics)} topics has been tested yet.", ""]
    lines += ["| Topic | Mastery | Mean | Interval | Evidence | Status |", "|---|---|---:|---:|---:|---|"]
    lines += [f"| {_md(topic.title)} (`{topic.topic_id}`) | `{_text_bar(topic.mean)}` | {_percent(topic.mean)} | "
              f"{_span(topic.lower, topic.upper)} | {topic.evidence_count} | {STATUS_WORDS[topic.status]} |" for topic in tested]
    lines += ["", f"{len(report.topics) - len(tested)} of {len(report.topics)} topics are not yet tested.", ""]
    weakest = _weakest(report)
    lines += ["### Weakest topics and the evidence behind them", ""]
    if not weakest:
        lines.append("No tested topic is weak or developing.")
    for topic in weakest:
        lines.append(f"- **{_md(topic.title)}**: {_percent(topic.mean)} ({_span(topic.lower, topic.upper)}), "
                     f"{topic.evidence_count} observation(s)")
        for evidence in topic.evidence:
            lines += _md_evidence(evidence, indent="  ")
    return [*lines, ""]


def _md_self_assessment(rows: Sequence[SelfAssessmentRow]) -> list[str]:
    lines = ["## Self-assessment against measured mastery", ""]
    if not rows:
        return [*lines, "No self-assessment in this report.", ""]
    lines += ["| Component | Your rating | Target | Measured (1-5) | Interval | Verdict | Gap |",
              "|---|---:|---:|---:|---:|---|---:|"]
    for row in rows:
        interval = "-" if row.measured_interval is None else f"{row.measured_interval[0]:.1f}-{row.measured_interval[1]:.1f}"
        lines.append(f"| {_md(row.component)} | {'-' if row.rating is None else row.rating} | {row.target} | "
                     f"{'-' if row.measured is None else f'{row.measured:.1f}'} | {interval} | {_verdict_words(row)} | "
                     f"{'-' if row.gap is None else f'{row.gap:+.1f}'} |")
    average = average_rating(rows)
    lines += ["", "Overall self-rated average: " + ("not rated yet" if average is None else
              f"{average:.1f}/5 (the tracker's bar for interview readiness is {READINESS_AVERAGE:.1f}+)"), ""]
    lines += [f"- {_md(row.component)}: {_md(row.note)}" for row in rows if row.verdict in ("over", "under")]
    return [*lines, ""]


def _md_progress(progress: Progress) -> list[str]:
    lines = ["## Progress", "",
             f"- Streak: {progress.streak_days} day(s); active days: {progress.active_days}",
             f"- Time spent: {_minutes(progress.minutes_spent)}",
             f"- Answers submitted: {progress.answers_submitted}; sessions finished: {progress.sessions_finished}; "
             f"judge runs: {progress.judge_runs}", ""]
    groups = _solved_by_group(progress)
    if groups:
        solved = sum(count.solved for count in progress.cuda_solved)
        total = sum(count.total for count in progress.cuda_solved)
        lines += [f"### CUDA problems solved: {solved} / {total}", "", "| Group | Easy | Medium | Hard |", "|---|---:|---:|---:|"]
        for group, cells in groups.items():
            lines.append(f"| {_md(group)} | " + " | ".join(_difficulty_cells(cells)) + " |")
        lines.append("")
    if progress.session_scores:
        lines += ["### Sessions", "", "| When | Kind | Format | Score | Answers | Minutes |", "|---|---|---|---:|---:|---:|"]
        lines += [f"| {_day(point.when)} | {point.kind} | {_md(point.format or '-')} | {point.overall:.1f} | "
                  f"{point.answers_scored} | {point.minutes:.0f} |" for point in progress.session_scores[-10:]]
        lines.append("")
    if progress.scores_over_time:
        recent = progress.scores_over_time[-10:]
        lines += [f"### Latest scores ({len(recent)} of {len(progress.scores_over_time)})", "", "| When | Item | Score |",
                  "|---|---|---:|"]
        lines += [f"| {_day(point.when)} | `{_md(point.item_id)}` | {point.overall:.1f}/10 |" for point in recent]
        lines.append("")
    if progress.weeks:
        lines += ["### Weeks", "", "| Week of | Active days | Answers | Judge runs | Solved | Time | Average |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {week.week_start.isoformat()} | {week.active_days}/7 | {week.answers} | {week.judge_runs} | "
                  f"{week.cuda_solved} | {_minutes(week.minutes)} | "
                  f"{'-' if week.average_score is None else f'{week.average_score:.1f}'} |" for week in progress.weeks[-8:]]
        lines.append("")
    return lines


# --- HTML --------------------------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6577; --bg: #ffffff; --panel: #f4f6f9; --line: #d5dae2;
  --weak: #d9534f; --developing: #e0a526; --strong: #3a9a5b; --untested: #c9ced6; --accent: #3867d6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa4b5; --bg: #161a21; --panel: #1f2530;
  --line: #343c4a; --untested: #3a4150; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  max-width: 1080px; margin: 0 auto; padding: 24px; }
h1 { margin-bottom: 4px; } h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 36px; }
.meta, .note, .muted { color: var(--muted); }
nav a { margin-right: 12px; color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { background: var(--panel); padding: 0 4px; border-radius: 3px; }
.card { background: var(--panel); border-radius: 8px; padding: 12px 16px; margin: 12px 0; }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; background: var(--untested); }
.pill.weak, .pill.over { background: var(--weak); color: #fff; } .pill.developing, .pill.under { background: var(--developing); }
.pill.strong, .pill.aligned { background: var(--strong); color: #fff; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
svg .label, svg .value, svg .axis, svg .note { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg .axis, svg .note { fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .bar.weak { fill: var(--weak); } svg .bar.developing { fill: var(--developing); }
svg .bar.strong { fill: var(--strong); } svg .bar.not_tested, svg .track { fill: var(--untested); opacity: .5; }
svg .whisker line { stroke: var(--fg); stroke-width: 1.5; }
svg .dot { fill: var(--accent); opacity: .55; } svg .trend { fill: none; stroke: var(--accent); stroke-width: 2; }
svg .gauge { fill: var(--panel); } svg .band0 { fill: var(--weak); opacity: .35; }
svg .band1 { fill: var(--developing); opacity: .35; }
svg .band2 { fill: var(--strong); opacity: .3; } svg .band3 { fill: var(--strong); opacity: .55; }
svg .mark { stroke: var(--fg); stroke-width: 1; } svg .interval { fill: var(--accent); opacity: .45; }
svg .pointer { fill: var(--fg); }
details { margin: 4px 0 8px; } summary { cursor: pointer; color: var(--accent); }
@media print { nav { display: none; } body { max-width: none; } }
"""


def _h(text: object) -> str:
    return escape(str(text), quote=True)


def to_html(report: GapReport) -> str:
    sections = [
        ("summary", "Summary", _html_summary(report)),
        ("readiness", "Readiness", _html_readiness(report.readiness)),
        ("recommendations", "What to study next", _html_recommendations(report.recommendations)),
        ("reviews", "Reviews due", _html_reviews(report)),
        ("modules", "Mastery by module", _html_modules(report.modules)),
        ("topics", "Mastery by topic", _html_topics(report)),
        ("self-assessment", "Self-assessment", _html_self_assessment(report.self_assessment)),
        ("progress", "Progress", _html_progress(report.progress)),
    ]
    if report.notes:
        sections.append(("notes", "Notes", "<ul>" + "".join(f"<li>{_h(note)}</li>" for note in report.notes) + "</ul>"))
    navigation = "".join(f'<a href="#{anchor}">{_h(title)}</a>' for anchor, title, _ in sections)
    body = "".join(f'<section id="{anchor}"><h2>{_h(title)}</h2>{content}</section>' for anchor, title, content in sections)
    title = f"Gap report: {report.role_title}"
    meta = (f"Generated {report.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()} · schema v{report.schema_version} · "
            f"intervals are {report.interval_mass * 100:.0f}% credible · evidence half-life {report.half_life_days:g} days")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_h(title)}</title><style>{_CSS}</style></head>\n"
            f'<body><header><h1>{_h(title)}</h1><p class="meta">{_h(meta)}</p><nav>{navigation}</nav></header>\n'
            f"{body}\n</body></html>\n")


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: frozenset[int] = frozenset()) -> str:
    """A table from already-escaped cells; ``numeric`` column indexes are right-aligned."""
    head = "".join(f'<th class="num">{_h(h)}</th>' if i in numeric else f"<th>{_h(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pill(kind: str, words: str) -> str:
    return f'<span class="pill {_h(kind)}">{_h(words)}</span>'


def _html_summary(report: GapReport) -> str:
    learner = report.learner
    if _nothing_tested(report):
        steps = "".join(f"<li>{_h(step)}</li>" for step in FIRST_STEPS)
        return ('<div class="card"><p><strong>Nothing has been tested yet</strong>, so every topic is <em>not yet '
                "tested</em> (never <em>weak</em>). The report fills in as you answer. What to do first:</p>"
                f"<ol>{steps}</ol></div>")
    average = "-" if learner.overall_average is None else f"{learner.overall_average:.1f}/10"
    items = [f"Answers scored: {learner.answers_scored} on {learner.items_answered} items; judge runs: {learner.judge_runs}",
             f"Topics tested: {learner.topics_tested} of {learner.topics_total}", f"Average score: {average}",
             f"Activity: {_day(learner.first_activity)} to {_day(learner.last_activity)}"]
    return "<ul>" + "".join(f"<li>{_h(item)}</li>" for item in items) + "</ul>"


def _html_readiness(readiness: Readiness) -> str:
    low, high = readiness.interval
    bands = [(mark.min_points, mark.label) for mark in readiness.band_marks]
    gauge = svg.readiness_gauge(readiness.projected_150, readiness.interval, readiness.total_points, bands,
                                title=f"Projected {readiness.projected_150:.0f} of {readiness.total_points}")
    mocks = (f"{readiness.mock_count}, average {readiness.mock_average:.1f}/10, trend {_trend_words(readiness.trend)}"
             if readiness.mock_average is not None else "none finished yet")
    ready = _pill(READY_CLASSES[readiness.ready_scale], readiness.ready_scale)
    html = (f'<div class="card"><p><strong>Projected final assessment: {readiness.projected_150:.0f} / '
            f"{readiness.total_points}</strong> (interval {low:.0f}-{high:.0f}), band <strong>{_h(readiness.band)}</strong>. "
            f"{_h(readiness.band_advice)}</p>{gauge}"
            f"<ul><li>Coverage: {_percent(readiness.coverage)} of the assessment's points have evidence on their topics</li>"
            f"<li>Mock interviews: {_h(mocks)}</li>"
            f"<li>Ready for a real interview: {ready} {_h(readiness.ready_reason)}</li></ul></div>")
    if readiness.parts:
        html += _table(["Part", "Points", "Projected", "Interval", "Items with evidence"],
                       ([_h(p.title), str(p.points), f"{p.projected:.1f}", f"{p.lower:.1f}-{p.upper:.1f}",
                         f"{p.items_with_evidence}/{p.items_total}"] for p in readiness.parts), frozenset({1, 2, 3, 4}))
    return html


def _html_evidence(evidence: Sequence[EvidenceRef]) -> str:
    items = []
    for reference in evidence:
        source, outcome, missed = _evidence_line(reference)
        missed_html = "".join(f"<li>missed: {_h(point)}</li>" for point in missed)
        items.append(f"<li><code>{_h(source)}</code>: {_h(outcome)}" + (f"<ul>{missed_html}</ul>" if missed else "") + "</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _html_recommendations(recommendations: Sequence[Recommendation]) -> str:
    if not recommendations:
        return '<p class="note">No recommendation yet: answer a few questions first.</p>'
    cards = []
    for recommendation in recommendations:
        scope = recommendation.topic_id or recommendation.module_id
        actions = "".join(f"<li>{_pill('developing', action.kind)} {_h(action.text)} <code>{_h(action.target)}</code></li>"
                          for action in recommendation.actions)
        distinct = _distinct(recommendation.evidence)
        evidence = (f"<details><summary>Evidence ({len(distinct)})</summary>{_html_evidence(distinct)}</details>"
                    if distinct else "")
        cards.append(f'<div class="card"><h3>{recommendation.rank}. {_h(recommendation.title)}</h3>'
                     f'<p class="meta"><code>{_h(scope)}</code> · mastery {_percent(recommendation.mastery_mean)} · '
                     f"expected gain {recommendation.expected_gain:.2f} · role weight {recommendation.role_weight:.2f}</p>"
                     f"<p>{_h(recommendation.why)}</p>{evidence}"
                     + (f"<p>Next actions:</p><ul>{actions}</ul>" if actions else "") + "</div>")
    return "".join(cards)


def _html_reviews(report: GapReport) -> str:
    if not report.reviews_due:
        return '<p class="note">Nothing is due for review.</p>'
    shown = report.reviews_due[:REVIEWS_SHOWN]
    more = len(report.reviews_due) - len(shown)
    return (f"<p>{len(report.reviews_due)} question(s) due, most overdue first.</p>"
            + _table(["Item", "Title", "Due", "Overdue (days)", "Last score"],
                     ([f"<code>{_h(r.item_id)}</code>", _h(r.title), _day(r.due_at), f"{r.overdue_days:.1f}",
                       "-" if r.last_score is None else f"{r.last_score:.1f}/10"] for r in shown), frozenset({3, 4}))
            + (f'<p class="note">... and {more} more (the JSON export lists every one).</p>' if more else ""))


def _html_modules(modules: Sequence[ModuleMastery]) -> str:
    bars = [svg.Bar(label=f"{module.number}. {module.title}", mean=module.mean, lower=module.lower, upper=module.upper,
                    status=module.status, detail=f"{_percent(module.mean)} ({_span(module.lower, module.upper)})")
            for module in modules]
    table = _table(["Module", "Mean", "Interval", "Topics tested", "Status"],
                   ([_h(f"{m.number}. {m.title}"), _percent(m.mean), _span(m.lower, m.upper),
                     f"{m.topics_tested}/{m.topics_total}", _pill(m.status, STATUS_WORDS[m.status])] for m in modules),
                   frozenset({1, 2, 3}))
    return svg.mastery_bars(bars, title="Mastery by module with credible intervals") + table


def _topic_bar(topic: TopicMastery) -> svg.Bar:
    return svg.Bar(label=topic.title, mean=topic.mean, lower=topic.lower, upper=topic.upper, status=topic.status,
                   detail=f"{_percent(topic.mean)} ({_span(topic.lower, topic.upper)}) n={topic.evidence_count}")


def _html_topics(report: GapReport) -> str:
    tested = [topic for topic in report.topics if topic.status != "not_tested"]
    if not tested:
        return f'<p class="note">None of the {len(report.topics)} topics has been tested yet.</p>'
    chart = svg.mastery_bars([_topic_bar(topic) for topic in tested], title="Mastery by tested topic with credible intervals")
    weakest = "".join(
        f'<div class="card"><h3>{_h(topic.title)} {_pill(topic.status, STATUS_WORDS[topic.status])}</h3>'
        f'<p class="meta"><code>{_h(topic.topic_id)}</code> · {_percent(topic.mean)} ({_span(topic.lower, topic.upper)}) · '
        f"{topic.evidence_count} observation(s)</p>{_html_evidence(topic.evidence)}</div>" for topic in _weakest(report)
    ) or '<p class="note">No tested topic is weak or developing.</p>'
    untested_by_module: dict[str, int] = defaultdict(int)
    for topic in report.topics:
        if topic.status == "not_tested":
            untested_by_module[topic.module_id] += 1
    untested = ", ".join(f"{module_id}: {count}" for module_id, count in untested_by_module.items())
    return (chart + f'<p class="note">{len(report.topics) - len(tested)} of {len(report.topics)} topics are not yet tested'
            + (f" ({_h(untested)})" if untested else "") + ".</p><h3>Weakest topics and the evidence behind them</h3>" + weakest)


def _html_self_assessment(rows: Sequence[SelfAssessmentRow]) -> str:
    if not rows:
        return '<p class="note">No self-assessment in this report.</p>'
    table = _table(
        ["Component", "Your rating", "Target", "Measured (1-5)", "Interval", "Verdict", "Gap", "Note"],
        ([_h(row.component), "-" if row.rating is None else str(row.rating), str(row.target),
          "-" if row.measured is None else f"{row.measured:.1f}",
          "-" if row.measured_interval is None else f"{row.measured_interval[0]:.1f}-{row.measured_interval[1]:.1f}",
          _pill(row.verdict, _verdict_words(row)), "-" if row.gap is None else f"{row.gap:+.1f}", _h(row.note)]
         for row in rows), frozenset({1, 2, 3, 4, 6}))
    average = average_rating(rows)
    summary = ("Overall self-rated average: not rated yet" if average is None else
               f"Overall self-rated average: {average:.1f}/5 (the tracker's bar for interview readiness is "
               f"{READINESS_AVERAGE:.1f}+)")
    return table + f"<p>{_h(summary)}</p>"


def _html_progress(progress: Progress) -> str:
    facts = [f"Streak: {progress.streak_days} day(s); active days: {progress.active_days}",
             f"Time spent: {_minutes(progress.minutes_spent)}",
             f"Answers submitted: {progress.answers_submitted}; sessions finished: {progress.sessions_finished}; "
             f"judge runs: {progress.judge_runs}"]
    html = "<ul>" + "".join(f"<li>{_h(fact)}</li>" for fact in facts) + "</ul>"
    html += "<h3>Scores over time</h3>" + svg.score_trend(
        [(point.when, point.overall) for point in progress.scores_over_time],
        [(point.when, point.overall) for point in progress.session_scores],
        title="Scores out of 10 over time: dots are answers, the line joins session averages")
    by_difficulty = _solved_by_difficulty(progress)
    if by_difficulty:
        solved = sum(solved for _, solved, _ in by_difficulty)
        total = sum(total for _, _, total in by_difficulty)
        groups = _solved_by_group(progress)
        html += (f"<h3>CUDA problems solved: {solved} / {total}</h3>"
                 + svg.solved_bars(by_difficulty, title="CUDA problems solved by difficulty")
                 + _table(["Group", "Easy", "Medium", "Hard"],
                          ([_h(group), *_difficulty_cells(cells)] for group, cells in groups.items()), frozenset({1, 2, 3})))
    if progress.weeks:
        html += "<h3>Weeks</h3>" + _table(
            ["Week of", "Active days", "Answers", "Judge runs", "Solved", "Time", "Average"],
            ([week.week_start.isoformat(), f"{week.active_days}/7", str(week.answers), str(week.judge_runs),
              str(week.cuda_solved), _h(_minutes(week.minutes)),
              "-" if week.average_score is None else f"{week.average_score:.1f}"] for week in progress.weeks[-12:]),
            frozenset({1, 2, 3, 4, 5, 6}))
    return html
