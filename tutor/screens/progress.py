"""Progress dashboard: the score trend, CUDA problems solved by category and difficulty, streak and time spent, and
the self-assessment matrix of 003_* (ten components rated 1-5 against a target), editable and saved as you change it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static
from textual_plotext import PlotextPlot

from gap_engine.models import Progress, SelfAssessmentRow, TopicMastery
from tutor.records import SelfRating

if TYPE_CHECKING:
    from tutor.app import TutorApp


class ProgressScreen(Screen[None]):
    CSS_PATH = "progress.tcss"
    TITLE = "Progress"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign", "rate(1)", "Rating +1"),
        Binding("minus", "rate(-1)", "Rating -1"),
        Binding("right_square_bracket", "target(1)", "Target +1"),
        Binding("left_square_bracket", "target(-1)", "Target -1"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, *, now: datetime | None = None) -> None:
        super().__init__()
        self.now = now
        self.ratings: dict[str, SelfRating] = {}
        self.topics: list[TopicMastery] = []
        self._loaded_for: tuple[object, ...] | None = None  # the history mark and the day last loaded for

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="totals")
        with Horizontal(id="top"):
            yield PlotextPlot(id="trend")
            with Vertical(id="solved-pane"):
                yield Label("CUDA problems solved", classes="section-title")
                yield DataTable(id="solved", cursor_type="none", zebra_stripes=True)
        yield Label(Text.assemble(("Self-assessment", "bold"),
                                  ("   + - rate yourself 1-5, [ ] move the target; saved at once", "dim")),
                    classes="section-title")
        yield DataTable(id="self-assessment", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#solved", DataTable).add_columns("group", "easy", "medium", "hard")
        self.query_one("#self-assessment", DataTable).add_columns(
            "component", "your rating", "target", "measured", "verdict")
        self.query_one("#totals", Static).update(Text("Loading progress…", style="dim"))
        self.query_one("#solved", DataTable).can_focus = False
        self.query_one("#self-assessment", DataTable).focus()

    def on_screen_resume(self) -> None:
        """Kept between visits (and possibly built before the first): loaded when shown, reloaded on a later visit
        only if the history changed or the day turned."""
        self._load()

    @work(thread=True, exclusive=True, group="progress")
    def _load(self) -> None:
        """Progress first (fast); then the topic mastery that the self-assessment is measured against (the gap
        engine, which may load the embedding model)."""
        from gap_engine.progress import progress

        services = self.tutor.services
        try:
            loaded_for = (services.storage.history_mark(), (self.now or datetime.now(UTC)).date())
            if loaded_for == self._loaded_for:
                return
            bank = services.bank()
            data = progress(services.storage, bank, self.now)
            ratings = services.storage.self_ratings()
        except Exception as error:
            self.app.call_from_thread(self.notify, f"Progress could not be read: {error}", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.show_progress, data, ratings)
        try:
            from gap_engine.report import build_report

            report = build_report(services.storage, bank, role=services.settings.target_role, now=self.now,
                                  embedder=services.embedder())
        except Exception as error:
            self.app.call_from_thread(self.notify, f"Measured mastery is unavailable: {error}", severity="warning",
                                      timeout=8)
            return
        self._loaded_for = loaded_for
        self.app.call_from_thread(self.show_measured, list(report.topics))

    def show_progress(self, data: Progress, ratings: list[SelfRating]) -> None:
        self.progress = data
        totals = Text()
        totals.append(" Streak ", style="bold reverse")
        totals.append(f" {data.streak_days} day(s)   ", style="bold")
        totals.append(f"time spent {data.minutes_spent / 60:.1f} h   ")
        totals.append(f"answers {data.answers_submitted}   mock interviews {data.sessions_finished}   "
                      f"active days {data.active_days}", style="dim")
        self.query_one("#totals", Static).update(totals)
        self._plot(data)
        self._fill_solved(data)
        self.ratings = {rating.component: rating for rating in ratings}
        self._fill_self_assessment()

    def show_measured(self, topics: list[TopicMastery]) -> None:
        self.topics = topics
        self._fill_self_assessment()

    def _plot(self, data: Progress) -> None:
        plot = self.query_one("#trend", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.title("Score /10")
        plt.ylim(0, 10)
        if data.scores_over_time:
            plt.scatter(list(range(1, len(data.scores_over_time) + 1)), [p.overall for p in data.scores_over_time],
                        label="answers")
        if data.mock_scores:
            index = {id(point): n for n, point in enumerate(data.scores_over_time, start=1)}
            xs = [index.get(id(point), n) for n, point in enumerate(data.mock_scores, start=1)]
            plt.plot(xs, [p.overall for p in data.mock_scores], label="mock interviews", marker="braille")
        if not data.scores_over_time:
            plt.title("Score /10: nothing scored yet")
        plt.xlabel("answer #")
        plot.refresh()

    def _fill_solved(self, data: Progress) -> None:
        table = self.query_one("#solved", DataTable)
        table.clear()
        groups: dict[str, dict[str, str]] = {}
        for count in data.cuda_solved:
            groups.setdefault(count.group, {})[count.difficulty] = f"{count.solved}/{count.total}"
        for group, cells in groups.items():
            table.add_row(group, cells.get("easy", "-"), cells.get("medium", "-"), cells.get("hard", "-"))
        if not groups:
            table.add_row("no CUDA problems yet", "", "", "")

    # --- the self-assessment matrix --------------------------------------------------------------------------

    def rows(self) -> list[SelfAssessmentRow]:
        """The matrix as the gap engine compares it: ratings beside measured mastery (untested until it is known)."""
        from gap_engine.self_assessment import compare

        return compare(self.ratings.values(), self.topics)

    def _fill_self_assessment(self) -> None:
        table = self.query_one("#self-assessment", DataTable)
        row = table.cursor_row
        table.clear()
        for entry in self.rows():
            measured = f"{entry.measured:.1f}" if entry.measured is not None else "-"
            table.add_row(entry.component, _stars(entry.rating), _stars(entry.target), measured, _verdict(entry),
                          key=entry.component)
        table.move_cursor(row=min(row, table.row_count - 1))

    def action_rate(self, step: int) -> None:
        self._change(step, 0)

    def action_target(self, step: int) -> None:
        self._change(0, step)

    def _change(self, rating_step: int, target_step: int) -> None:
        from gap_engine.self_assessment import component_named, set_rating

        table = self.query_one("#self-assessment", DataTable)
        if not table.row_count:
            return
        name = str(table.ordered_rows[table.cursor_row].key.value)
        current = self.ratings.get(name)
        if current is None and not rating_step:
            self.notify(f"Rate {name} first (+ or -); its target is then yours to move.", timeout=3)
            return
        target = current.target if current else component_named(name).target
        # An unrated component starts from the middle of the scale.
        rating = _clamp((current.rating if current else 3) + rating_step)
        self.ratings[name] = set_rating(self.tutor.services.storage, name, rating, _clamp(target + target_step))
        self._fill_self_assessment()

    @on(DataTable.RowSelected, "#self-assessment")
    def _selected(self) -> None:
        self.action_rate(1)


def _clamp(value: int) -> int:
    return min(max(value, 1), 5)


def _stars(value: int | None) -> Text:
    if value is None:
        return Text("not rated", style="dim")
    return Text.assemble(("●" * value, "bold"), ("○" * (5 - value), "dim"), f" {value}")


def _verdict(row: SelfAssessmentRow) -> Text:
    if row.rating is None:
        return Text("not rated", style="dim")
    labels = {"over": ("over-confident", "red"), "under": ("under-confident", "cyan"), "aligned": ("aligned", "green"),
              "untested": ("not measured yet", "dim")}
    label, style = labels[row.verdict]
    return Text(label + (f": {row.note}" if row.note and row.verdict != "untested" else ""), style=style)
