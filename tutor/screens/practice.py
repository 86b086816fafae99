"""Practice: browse and fuzzy-search the bank, filter it, and open one item with Enter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from pydantic import BaseModel
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.fuzzy import Matcher
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from tutor.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from question_bank.loader import Bank
    from question_bank.models import Question
    from tutor.app import TutorApp
    from tutor.storage import Storage

Show = Literal["all", "due", "draft", "unanswered", "answered"]
SHOW_CHOICES: list[tuple[str, Show]] = [("due for review", "due"), ("with a draft", "draft"),
                                        ("not answered", "unanswered"), ("answered", "answered")]
CATEGORY_LABELS = {
    "core_concepts": "core concepts", "cuda_performance": "CUDA perf", "system_design": "system design",
    "distributed_systems": "distributed", "optimization_production": "optim/prod", "architecture": "architecture",
    "behavioral": "behavioral", "problem_solving": "problem solving", "cuda_coding": "CUDA coding",
}


class ItemState(BaseModel):
    """What the learner has done with one item."""

    draft: bool = False
    submitted: int = 0
    last_score: float | None = None
    solved: bool = False  # a CUDA problem that passed the judge
    due: bool = False  # in the review schedule and due now


class Filters(BaseModel):
    query: str = ""
    category: str | None = None
    difficulty: str | None = None
    module: str | None = None
    topic: str | None = None
    show: Show = "all"


def item_states(storage: Storage, now: datetime | None = None) -> dict[str, ItemState]:
    from tutor.records import AnswerStatus

    states: dict[str, ItemState] = {}
    for answer in storage.answers():
        state = states.setdefault(answer.item_id, ItemState())
        if answer.status == AnswerStatus.DRAFT and (answer.text.strip() or answer.code):
            state.draft = True
        elif answer.status == AnswerStatus.SUBMITTED:
            state.submitted += 1
    for stored in storage.score_cards():  # oldest first: the last one wins
        states.setdefault(stored.card.item_id, ItemState()).last_score = stored.card.overall
    for run in storage.judge_runs():
        if run.passed:
            states.setdefault(run.problem_id, ItemState()).solved = True
    try:
        from gap_engine.reviews import due_today
    except ImportError:
        due = storage.reviews_due(now or datetime.now(UTC))
    else:
        due = due_today(storage, now)
    for review in due:
        states.setdefault(review.item_id, ItemState()).due = True
    return states


def filter_items(bank: Bank, filters: Filters, states: dict[str, ItemState]) -> list[Question]:
    """The items that pass the filters; with a query, best fuzzy match first, else in bank order by category.

    Each word of the query must match (fuzzily: its letters in order) the title, the id or a topic of the item."""
    matchers = [Matcher(word) for word in filters.query.split()]
    scored: list[tuple[float, str, Question]] = []
    for question in bank:
        if filters.category and question.category != filters.category:
            continue
        if filters.difficulty and question.difficulty != filters.difficulty:
            continue
        if filters.module and not any(topic.startswith(filters.module + ".") for topic in question.topics):
            continue
        if filters.topic and filters.topic not in question.topics:
            continue
        state = states.get(question.id, ItemState())
        if not _shown(filters.show, state):
            continue
        score = 1.0
        if matchers:
            score = _query_score(matchers, question)
            if score <= 0:
                continue
        scored.append((score, f"{question.category.value}/{question.id}", question))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [question for _score, _key, question in scored]


def _query_score(matchers: list[Matcher], question: Question) -> float:
    """Mean over the query's words of each word's best match; 0 when a word matches nothing."""
    total = 0.0
    for matcher in matchers:
        best = max(matcher.match(question.title), 0.8 * matcher.match(question.id),
                   0.6 * max((matcher.match(topic) for topic in question.topics), default=0.0))
        if best <= 0:
            return 0.0
        total += best
    return total / len(matchers)


def _shown(show: Show, state: ItemState) -> bool:
    match show:
        case "due":
            return state.due
        case "draft":
            return state.draft
        case "unanswered":
            return state.submitted == 0 and not state.solved
        case "answered":
            return state.submitted > 0 or state.solved
    return True


def status_cell(state: ItemState) -> Text:
    parts = Text()
    if state.solved:
        parts.append("solved ", style="bold green")
    if state.last_score is not None:
        style = "green" if state.last_score >= 7 else "yellow" if state.last_score >= 5 else "red"
        parts.append(f"{state.last_score:.1f} ", style=style)
    if state.draft:
        parts.append("draft ", style="italic cyan")
    if state.due:
        parts.append("due", style="bold magenta")
    return parts


class PracticeScreen(Screen[None]):
    CSS_PATH = "practice.tcss"
    TITLE = "Practice"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("ctrl+f", "focus_search", "Search", show=False, priority=True),
        # Priority: these must work while typing in the search box, whose own ctrl+d (delete right) they replace.
        Binding("ctrl+r", "clear_filters", "Clear filters", priority=True),
        Binding("ctrl+d", "show_due", "Due for review", priority=True),
        Binding("escape", "back", "Back"),
        Binding("down", "focus_table", show=False),  # from the search box into the list (the list binds its own down)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.states: dict[str, ItemState] = {}
        self.shown: list[Question] = []
        self._bank: Bank | None = None

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Type to search titles, ids and topics…", id="search", compact=True)
        with Horizontal(id="filters"):
            yield Select([(label, value) for value, label in CATEGORY_LABELS.items()], prompt="category",
                         id="category", compact=True)
            yield Select([(level, level) for level in ("easy", "medium", "hard")], prompt="difficulty",
                         id="difficulty", compact=True)
            yield Select([], prompt="module", id="module", compact=True)
            yield Select([], prompt="topic", id="topic", compact=True)
            yield Select(SHOW_CHOICES, prompt="all items", id="show", compact=True)
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield Static(id="preview")
        yield StatusLine("Enter: open   /: search   ctrl+d: due for review   esc: back", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#items", DataTable)
        table.add_column("Title", key="title")
        table.add_column("Category", key="category", width=15)
        table.add_column("Level", key="level", width=6)
        table.add_column("You", key="you", width=14)
        table.loading = True
        self.query_one("#search", Input).focus()
        self._load()

    def on_screen_resume(self) -> None:
        if self._bank is not None:
            self._load()  # statuses change after answering

    @work(thread=True, exclusive=True, group="practice-load", exit_on_error=False)
    def _load(self) -> None:
        services = self.tutor.services
        bank = services.bank()
        states = item_states(services.storage)
        self.app.call_from_thread(self._loaded, bank, states)

    def _loaded(self, bank: Bank, states: dict[str, ItemState]) -> None:
        first_time = self._bank is None
        self._bank, self.states = bank, states
        if first_time:
            modules = [(f"{m.id} {m.title}", m.id) for m in bank.taxonomy.modules]
            self.query_one("#module", Select).set_options(modules)
            self._set_topic_options(None)
        self.query_one("#items", DataTable).loading = False
        self.refilter(keep_cursor=not first_time)

    def _set_topic_options(self, module_id: str | None) -> None:
        assert self._bank is not None
        topics = [(topic.title, topic.id) for module in self._bank.taxonomy.modules
                  if module_id is None or module.id == module_id for topic in module.topics]
        self.query_one("#topic", Select).set_options(topics)

    def refilter(self, *, keep_cursor: bool = False) -> None:
        """Rebuild the table; the cursor goes to the best match unless `keep_cursor` (statuses refreshed)."""
        if self._bank is None:
            return
        keep = self._highlighted_id() if keep_cursor else None
        self.shown = filter_items(self._bank, self.filters, self.states)
        table = self.query_one("#items", DataTable)
        table.clear()
        title_width = max(20, (self.size.width or 80) - 45)
        for question in self.shown:
            title = question.title if len(question.title) <= title_width else question.title[:title_width - 1] + "…"
            table.add_row(title, CATEGORY_LABELS.get(question.category.value, question.category.value),
                          question.difficulty.value, status_cell(self.states.get(question.id, ItemState())),
                          key=question.id)
        if keep is not None and any(q.id == keep for q in self.shown):
            table.move_cursor(row=table.get_row_index(keep))
        elif self.shown:
            table.move_cursor(row=0)
        self._show_preview()
        self.sub_title = f"{len(self.shown)} of {len(self._bank)} items"

    def _highlighted_id(self) -> str | None:
        table = self.query_one("#items", DataTable)
        if not self.shown or table.cursor_row >= len(self.shown) or table.row_count == 0:
            return None
        return self.shown[table.cursor_row].id

    def _show_preview(self) -> None:
        preview = self.query_one("#preview", Static)
        item_id = self._highlighted_id()
        if item_id is None:
            preview.update(Text("No item matches; ctrl+r clears the filters.", style="italic"))
            return
        question = next(q for q in self.shown if q.id == item_id)
        first = question.prompt.strip().split("\n\n")[0].replace("\n", " ")
        preview.update(Text.assemble((question.id, "bold"), f"  ·  {question.time_budget_minutes} min  ·  ",
                                     (", ".join(question.topics[:3]), "dim"), "\n", first))

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.filters.query = event.value
        self.refilter()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#items", DataTable).focus()

    @on(Select.Changed)
    def _filter(self, event: Select.Changed) -> None:
        value = None if event.select.is_blank() else str(event.value)
        name = event.select.id
        if name == "show":
            self.filters.show = cast(Show, value or "all")
        elif name in ("category", "difficulty", "topic"):
            setattr(self.filters, name, value)
        elif name == "module":
            self.filters.module = value
            self.filters.topic = None
            self._set_topic_options(value)
        self.refilter()

    @on(DataTable.RowHighlighted, "#items")
    def _highlighted(self) -> None:
        self._show_preview()

    @on(DataTable.RowSelected, "#items")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.tutor.open_item(str(event.row_key.value))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        for select in self.query(Select):
            select.clear()
        self.filters = Filters()
        self.refilter()

    def action_show_due(self) -> None:
        self.query_one("#show", Select).value = "due"

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.app.pop_screen()

    def action_focus_table(self) -> None:
        self.query_one("#items", DataTable).focus()

    def on_resize(self) -> None:
        self.refilter(keep_cursor=True)
