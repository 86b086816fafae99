"""The gap report: mastery by module and topic with its uncertainty, the evidence behind each topic, what to do next,
reviews due and readiness on the 150-point final assessment; exports to Markdown, HTML or JSON.

The report is built in a thread worker: the first build loads the embedding model (seconds), and the screen shows
which step it is on. Highlighting a topic shows its evidence: the answers, their scores and the rubric points missed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    LoadingIndicator,
    Static,
    TabbedContent,
    TabPane,
)

from gap_engine.models import EvidenceRef, GapReport, ModuleMastery, TopicMastery
from tutor.widgets.mastery_bars import STATUS_STYLES, mastery_bar

if TYPE_CHECKING:
    from question_bank.loader import Bank
    from tutor.app import TutorApp

ExportFormat = Literal["md", "html", "json"]
BAR_WIDTH = 16
STATUS_LABELS = {"strong": "strong", "developing": "developing", "weak": "weak", "not_tested": "not yet tested"}


def default_export_path(data_dir: Path, extension: ExportFormat, when: datetime) -> Path:
    return data_dir / "exports" / f"gap-report-{when:%Y%m%d-%H%M%S}.{extension}"


def export_report(report: GapReport, extension: ExportFormat, path: Path) -> Path:
    """Writes the report in one format; returns the absolute path written."""
    from gap_engine.render import to_html, to_json, to_markdown

    render = {"md": to_markdown, "html": to_html, "json": to_json}[extension]
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path


class ExportDialog(ModalScreen[Path | None]):
    """Asks where to write the export; Enter accepts the proposed path."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 80%; max-width: 100; height: auto; border: thick $primary; background: $surface;
                              padding: 1 2; }
    ExportDialog Horizontal { height: auto; margin-top: 1; }
    ExportDialog Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, extension: ExportFormat, proposed: Path) -> None:
        super().__init__()
        self.extension = extension
        self.proposed = proposed

    def compose(self) -> ComposeResult:
        names = {"md": "Markdown", "html": "HTML (one self-contained file)", "json": "JSON (published schema)"}
        with Vertical():
            yield Label(Text.assemble(("Export the gap report as ", "bold"), (names[self.extension], "bold")))
            yield Input(str(self.proposed), id="export-path")
            with Horizontal():
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def _accept(self) -> None:
        value = self.query_one(Input).value.strip()
        if not value:
            self.notify("Type a file path.", severity="warning")
            return
        self.dismiss(Path(value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class GapReportScreen(Screen[None]):
    CSS_PATH = "gap_report.tcss"
    TITLE = "Gap report"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "export('md')", "Export .md"),
        Binding("h", "export('html')", "Export .html"),
        Binding("j", "export('json')", "Export .json"),
        Binding("u", "toggle_untested", "Untested topics"),
        Binding("r", "rebuild", "Rebuild"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, *, now: datetime | None = None) -> None:
        super().__init__()
        self.now = now  # None: the time the report is built; snapshots pass a fixed time
        self.report: GapReport | None = None
        self.show_untested = False
        self.selected_key = ""  # the topics table's row shown in the evidence pane
        self._built_for: tuple[object, ...] | None = None  # the history mark and the day the report was built for

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="readiness-line")
        with TabbedContent(id="tabs"):
            with TabPane("Mastery", id="tab-mastery"), Horizontal(id="mastery"):
                yield DataTable(id="topics", cursor_type="row", zebra_stripes=False)
                yield VerticalScroll(Static(id="evidence-body"), id="evidence")
            with TabPane("Next steps", id="tab-recommendations"):
                yield VerticalScroll(Static(id="recommendations-body"), id="recommendations")
            with TabPane("Reviews due", id="tab-reviews"):
                yield DataTable(id="reviews", cursor_type="row")
            with TabPane("Readiness", id="tab-readiness"):
                yield VerticalScroll(Static(id="readiness-body"), id="readiness")
        with Vertical(id="loading"):
            yield LoadingIndicator()
            yield Static("Building the report…", id="loading-step")
        yield Footer()

    def on_mount(self) -> None:
        topics = self.query_one("#topics", DataTable)
        topics.add_columns("mastery", "%", "n", "module / topic")
        self.query_one("#evidence", VerticalScroll).border_title = "Evidence"
        reviews = self.query_one("#reviews", DataTable)
        reviews.add_columns("due", "question", "last score", "last rating")

    def on_screen_resume(self) -> None:
        """The screen is kept between visits (and may be built before the first): the report is built when the
        screen is shown, and rebuilt on a later visit only if answers, runs or ratings changed or the day turned.
        The last report stays on screen while a new one is built."""
        if self.report is None:
            self.query_one("#loading").display = True
        self._build(force=False)

    # --- building --------------------------------------------------------------------------------------------

    def action_rebuild(self) -> None:
        self.query_one("#loading").display = True
        self._build(force=True)

    @work(thread=True, exclusive=True, group="gap-report")
    def _build(self, *, force: bool) -> None:
        services = self.tutor.services
        step = self.query_one("#loading-step", Static)
        try:
            from gap_engine.report import build_report

            built_for = (services.storage.history_mark(), (self.now or datetime.now(UTC)).date())
            if not force and self.report is not None and built_for == self._built_for:
                return
            self.app.call_from_thread(step.update, "Loading the question bank…")
            bank = services.bank()
            embedder = services.embedder()
            if not embedder.loaded:
                self.app.call_from_thread(step.update, "Loading the embedding model (a few seconds the first time)…")
                embedder.warm()
            self.app.call_from_thread(step.update, "Computing mastery, recommendations and readiness…")
            report = build_report(services.storage, bank, role=services.settings.target_role, now=self.now,
                                  embedder=embedder)
        except Exception as error:  # a notification with the cause, never a traceback
            self.app.call_from_thread(self._build_failed, error)
            return
        self._built_for = built_for
        self.app.call_from_thread(self.show_report, report, bank)

    def _build_failed(self, error: Exception) -> None:
        self.query_one("#loading-step", Static).update(Text(f"The report could not be built: {error}", style="red"))
        self.query_one("#loading").query_one(LoadingIndicator).display = False
        self.notify(f"The gap report failed: {error}", severity="error", timeout=12)

    def show_report(self, report: GapReport, bank: Bank) -> None:
        self.report = report
        self.bank = bank
        self.query_one("#loading").display = False
        self.query_one("#readiness-line", Static).update(readiness_line(report))
        self._fill_topics()
        self.query_one("#recommendations-body", Static).update(recommendations_renderable(report, bank))
        self._fill_reviews()
        self.query_one("#readiness-body", Static).update(readiness_renderable(report))
        self.query_one("#topics", DataTable).focus()

    def _fill_topics(self) -> None:
        assert self.report is not None
        table = self.query_one("#topics", DataTable)
        table.clear()
        topics_by_module: dict[str, list[TopicMastery]] = {}
        for topic in self.report.topics:
            topics_by_module.setdefault(topic.module_id, []).append(topic)
        for module in self.report.modules:
            table.add_row(*module_cells(module), key=f"module:{module.module_id}")
            for topic in topics_by_module.get(module.module_id, []):
                if topic.status == "not_tested" and not self.show_untested:
                    continue
                table.add_row(*topic_cells(topic), key=f"topic:{topic.topic_id}")
        if table.row_count:
            keys = [str(row.key.value) for row in table.ordered_rows]
            row = keys.index(self.selected_key) if self.selected_key in keys else 0  # a rebuild keeps your place
            table.move_cursor(row=row)
            self._show_row(row)

    def _fill_reviews(self) -> None:
        assert self.report is not None
        table = self.query_one("#reviews", DataTable)
        table.clear()
        for review in self.report.reviews_due:
            due = "today" if review.overdue_days < 1 else f"{review.overdue_days:.0f} d overdue"
            score = f"{review.last_score:.1f}/10" if review.last_score is not None else "-"
            table.add_row(due, review.title, score, review.last_rating or "-", key=review.item_id)
        if not self.report.reviews_due:
            table.add_row("-", "Nothing due. Questions answered badly are scheduled here.", "", "")

    def action_toggle_untested(self) -> None:
        if self.report is None:
            return
        self.show_untested = not self.show_untested
        self._fill_topics()
        self.notify("Showing untested topics." if self.show_untested else "Hiding untested topics.", timeout=2)

    # --- drill-down ------------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#topics")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_row(event.cursor_row)

    @on(DataTable.RowSelected, "#topics")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._show_row(event.cursor_row)
        self.query_one("#evidence", VerticalScroll).focus()

    def _show_row(self, row: int) -> None:
        if self.report is None:
            return
        table = self.query_one("#topics", DataTable)
        key = str(table.ordered_rows[row].key.value)
        kind, _, ident = key.partition(":")
        body = self.query_one("#evidence-body", Static)
        if kind == "module":
            module = next(m for m in self.report.modules if m.module_id == ident)
            body.update(module_detail(module, self.report))
        else:
            topic = next(t for t in self.report.topics if t.topic_id == ident)
            body.update(topic_detail(topic, self.bank, self._answer_text))
        self.selected_key = key

    def _answer_text(self, answer_id: int) -> str | None:
        try:
            return self.tutor.services.storage.get_answer(answer_id).text
        except KeyError:
            return None

    # --- export ----------------------------------------------------------------------------------------------

    def action_export(self, extension: ExportFormat) -> None:
        if self.report is None:
            self.notify("The report is still being built.", timeout=3)
            return
        report = self.report
        proposed = default_export_path(self.tutor.services.settings.data_dir, extension, report.generated_at)

        def write(path: Path | None) -> None:
            if path is None:
                return
            try:
                written = export_report(report, extension, path)
            except OSError as error:
                self.notify(f"Could not write {path}: {error.strerror or error}", severity="error", timeout=10)
                return
            except Exception as error:  # a renderer bug is a notification, not a traceback
                self.notify(f"The {extension} export failed: {error}", severity="error", timeout=10)
                return
            self.notify(f"Exported to {written}", title="Gap report", timeout=8)

        self.app.push_screen(ExportDialog(extension, proposed), write)


# --- renderables (plain functions of the report, so tests and other screens can reuse them) -----------------------


def module_cells(module: ModuleMastery) -> tuple[Text, str, str, Text]:
    label = Text(f"{module.number}. {module.title}", style="bold")
    if module.mean is None or module.lower is None or module.upper is None:
        bar = mastery_bar(0, 0, 0, width=BAR_WIDTH, status="not_tested")
        return bar, "-", f"0/{module.topics_total}", label
    bar = mastery_bar(module.mean, module.lower, module.upper, width=BAR_WIDTH, status=module.status)
    return bar, f"{module.mean * 100:.0f}", f"{module.topics_tested}/{module.topics_total}", label


def topic_cells(topic: TopicMastery) -> tuple[Text, str, str, Text]:
    label = Text("  " + topic.title, style="grey50" if topic.status == "not_tested" else "")
    bar = mastery_bar(topic.mean, topic.lower, topic.upper, width=BAR_WIDTH, status=topic.status)
    percent = "-" if topic.status == "not_tested" else f"{topic.mean * 100:.0f}"
    return bar, percent, str(topic.evidence_count), label


def readiness_line(report: GapReport) -> Text:
    readiness = report.readiness
    low, high = readiness.interval
    line = Text()
    line.append(" Readiness ", style="bold reverse")
    line.append(f" {readiness.projected_150:.0f}/{readiness.total_points}", style="bold")
    line.append(f" ({low:.0f}-{high:.0f})  ", style="dim")
    line.append(readiness.band, style="bold")
    line.append("   mock average ", style="dim")
    line.append(f"{readiness.mock_average:.1f}/10" if readiness.mock_average is not None else "none yet")
    line.append("   ready: ", style="dim")
    line.append(readiness.ready_scale, style="bold")
    line.append(f"   {report.learner.topics_tested}/{report.learner.topics_total} topics tested", style="dim")
    return line


def module_detail(module: ModuleMastery, report: GapReport) -> RenderableType:
    parts: list[RenderableType] = [Text(f"Module {module.number}: {module.title}", style="bold")]
    if module.mean is None:
        parts.append(Text("Not yet tested: answer questions tagged with this module's topics.", style="italic"))
    else:
        parts.append(Text(f"mastery {module.mean * 100:.0f}% ({(module.lower or 0) * 100:.0f}-"
                          f"{(module.upper or 0) * 100:.0f}), {module.topics_tested}/{module.topics_total} topics tested, "
                          f"{module.evidence_count} observations"))
    titles = {topic.topic_id: topic.title for topic in report.topics}
    if module.weak_topics:
        parts.append(Text("Weak topics:", style="bold red"))
        parts.extend(Text(f"  • {titles.get(topic_id, topic_id)}") for topic_id in module.weak_topics)
    for recommendation in report.recommendations:
        if recommendation.module_id == module.module_id:
            parts.append(Text(f"#{recommendation.rank} {recommendation.title}: {recommendation.why}", style="yellow"))
    return Group(*parts)


def topic_detail(topic: TopicMastery, bank: Bank, answer_text: object = None) -> RenderableType:
    """The topic's estimate and every piece of evidence behind it, with the rubric points missed."""
    parts: list[RenderableType] = [Text(topic.title, style="bold")]
    status = STATUS_LABELS[topic.status]
    if topic.status == "not_tested":
        parts.append(Text("Not yet tested: no answer has touched this topic, so it is not counted as weak.",
                          style="italic"))
        return Group(*parts)
    parts.append(Text.assemble((status, f"bold {STATUS_STYLES[topic.status]}"),
                               f"  mastery {topic.mean * 100:.0f}% ({topic.lower * 100:.0f}-{topic.upper * 100:.0f})",
                               f"  from {topic.evidence_count} observation(s)"))
    for evidence in topic.evidence:
        parts.append(Text(""))
        parts.extend(evidence_lines(evidence, bank, answer_text))
    return Group(*parts)


def evidence_lines(evidence: EvidenceRef, bank: Bank, answer_text: object = None) -> list[RenderableType]:
    try:
        title = bank.get(evidence.item_id).title
    except KeyError:
        title = evidence.item_id
    kind = "judge run" if evidence.kind == "judge" else "answer"
    style = "green" if evidence.score >= 0.7 else "yellow" if evidence.score >= 0.4 else "red"
    lines: list[RenderableType] = [Text.assemble((f"{title}", "bold"), f"  {kind}, {evidence.when:%Y-%m-%d}  ",
                                                 (f"{evidence.score * 100:.0f}%", f"bold {style}"))]
    if evidence.placement < 1:
        lines.append(Text(f"  counts {evidence.placement:.0%} here (placed by similarity)", style="dim"))
    if evidence.detail:
        lines.append(Text("  " + evidence.detail, style="dim"))
    if evidence.answer_id is not None and callable(answer_text):
        text = answer_text(evidence.answer_id)
        if text:
            short = text.strip().replace("\n", " ")
            lines.append(Text("  “" + (short[:240] + "…" if len(short) > 240 else short) + "”", style="italic"))
    for missed in evidence.missed_points:
        line = Text("  ✗ ", style="red")
        line.append(missed.text)
        line.append(f" ({missed.score * 100:.0f}%)", style="dim")
        if missed.missing:
            line.append(f"\n      missing: {missed.missing}", style="yellow")
        lines.append(line)
    return lines


def recommendations_renderable(report: GapReport, bank: Bank) -> RenderableType:
    if not report.recommendations:
        return Text("No recommendations yet: answer a few questions (practice or a mock interview) first.",
                    style="italic")
    parts: list[RenderableType] = []
    for recommendation in report.recommendations:
        heading = Text()
        heading.append(f"{recommendation.rank}. ", style="bold")
        heading.append(recommendation.title, style="bold")
        if recommendation.mastery_mean is not None:
            heading.append(f"  mastery {recommendation.mastery_mean * 100:.0f}%", style="dim")
        heading.append(f"  gain {recommendation.expected_gain:.2f}  role weight {recommendation.role_weight:.1f}",
                       style="dim")
        parts.append(heading)
        parts.append(Text("   " + recommendation.why))
        for action in recommendation.actions:
            icon = {"study": "📖", "retry": "↻", "practice": "⌨"}[action.kind]
            parts.append(Text(f"   {icon} {action.kind}: {action.text}", style="cyan"))
        parts.append(Text(""))
    return Group(*parts)


def readiness_renderable(report: GapReport) -> RenderableType:
    readiness = report.readiness
    low, high = readiness.interval
    parts: list[RenderableType] = [
        Text.assemble(("Projected final assessment: ", "bold"),
                      (f"{readiness.projected_150:.0f}/{readiness.total_points}", "bold"),
                      f"  ({report.interval_mass:.0%} interval {low:.0f}-{high:.0f})"),
        Text.assemble(("Band: ", "bold"), readiness.band, "  ", (readiness.band_advice, "dim")),
        Text.assemble(("Ready for a real interview: ", "bold"), readiness.ready_scale, "  ", (readiness.ready_reason, "dim")),
        Text(f"Coverage: {readiness.coverage:.0%} of the assessment's points have evidence on their topics."),
    ]
    if readiness.mock_average is not None:
        trend = f", trend {readiness.trend:+.2f}/session" if readiness.trend is not None else ""
        parts.append(Text(f"Mock interviews: {readiness.mock_count}, average {readiness.mock_average:.1f}/10{trend}"))
    if readiness.parts:
        table = Table(expand=True)
        for column in ("part", "points", "projected", "interval", "items with evidence"):
            table.add_column(column, justify="left" if column == "part" else "right")
        for part in readiness.parts:
            table.add_row(part.title, str(part.points), f"{part.projected:.1f}", f"{part.lower:.0f}-{part.upper:.0f}",
                          f"{part.items_with_evidence}/{part.items_total}")
        parts.append(table)
    for note in report.notes:
        parts.append(Text("Note: " + note, style="dim italic"))
    return Group(*parts)


def utc_now() -> datetime:
    return datetime.now(UTC)
