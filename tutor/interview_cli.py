"""``tutor interview --plain``: a timed mock interview in a plain terminal, line by line.

Works over ssh and from a pipe (no TTY needed), so it can be scripted. The candidate's answer is the lines typed
until a line holding only ``.`` (or the end of input); every line is saved as a draft at once, so a killed terminal
loses nothing: ``--resume`` picks the session up with the draft restored.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from question_bank.models import PersonaId
from tutor.config import ConfigError, load_settings

if TYPE_CHECKING:
    from interviewers.session import EngineEvent, SessionEngine, SessionResult

END_OF_ANSWER = "."
COMMANDS = {
    ":skip": "leave this question and go on",
    ":pause": "stop the clock (Enter resumes)",
    ":time": "time left in this phase and in the interview",
    ":hint": "the next hint for this question (hints lower the score)",
    ":code FILE.cu": "submit a CUDA file in a coding phase (the lines typed so far are your explanation)",
    ":quit": "save and leave; resume later with --resume",
    ":end": "end the interview now and see the scorecard",
    ":help": "this list",
}


def add_commands(commands: Any) -> None:
    from interviewers.formats import FORMAT_IDS

    interview = commands.add_parser("interview", help="a timed mock interview (--plain: line mode in this terminal)")
    interview.add_argument("--plain", action="store_true", help="line-mode interview in this terminal (scriptable)")
    interview.add_argument("--format", default="deep_dive", choices=FORMAT_IDS, help="interview format (default deep_dive)")
    interview.add_argument("--persona", choices=[p.value for p in PersonaId],
                           help="the interviewer (default: the format's own)")
    interview.add_argument("--seed", type=int, help="seed for the question choice (same seed, same questions)")
    interview.add_argument("--resume", nargs="?", const="latest", metavar="ID",
                           help="resume an unfinished interview (the latest when no id is given)")
    interview.add_argument("--list", action="store_true", help="list unfinished interviews and exit")
    interview.add_argument("--offline", action="store_true", help="do not use an LLM even if one is configured")
    interview.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from interviewers.session import SessionError
    from question_bank.loader import BankError, load_bank
    from tutor.storage import Storage, StorageError

    try:
        settings, _ = load_settings()
    except ConfigError as error:
        print(f"tutor interview: {error}", file=sys.stderr)
        return 1
    if args.offline:
        settings = settings.model_copy(update={"provider": "offline"})
    try:
        storage = Storage(settings.database_path)
    except StorageError as error:
        print(f"tutor interview: {error}", file=sys.stderr)
        return 1
    try:
        if args.list:
            return _list_unfinished(storage)
        if not args.plain:
            print("tutor interview: the full-screen interview opens from the app (run `tutor`); "
                  "add --plain for a line-mode interview in this terminal.", file=sys.stderr)
            return 2
        try:
            bank = load_bank()
        except BankError as error:
            print(f"tutor interview: {error}", file=sys.stderr)
            return 1
        try:
            engine = _open_engine(args, settings, storage, bank)
        except (SessionError, KeyError) as error:
            print(f"tutor interview: {error.args[0] if error.args else error}", file=sys.stderr)
            return 2
        return PlainInterview(engine, sys.stdin, sys.stdout).run()
    finally:
        storage.close()


def _list_unfinished(storage: Any) -> int:
    from interviewers.session import SessionEngine

    sessions = SessionEngine.unfinished(storage)
    if not sessions:
        print("No unfinished interviews.")
    for session in sessions:
        print(f"{session.id:<48}{session.status.value:<8}{session.format or '-':<18}{session.persona or '-':<20}"
              f"{session.updated_at:%Y-%m-%d %H:%M}")
    return 0


def _open_engine(args: argparse.Namespace, settings: Any, storage: Any, bank: Any) -> SessionEngine:
    from gap_engine.embeddings import shared_embedder
    from interviewers.session import SessionEngine, SessionError
    from tutor.llm import LLM

    embedder = shared_embedder(storage)
    # The model takes seconds to load; the first answer needs it for follow-ups, so load it while the greeting prints.
    threading.Thread(target=_warm_quietly, args=(embedder,), daemon=True).start()
    if args.resume is not None:
        session_id = args.resume
        if session_id == "latest":
            unfinished = SessionEngine.unfinished(storage)
            if not unfinished:
                raise SessionError("there is no unfinished interview to resume")
            session_id = unfinished[0].id
        llm = LLM.from_settings(settings, session_id=session_id, on_usage=storage.add_llm_usage)
        print(llm.status_line)
        engine = SessionEngine.resume(storage, session_id, bank, llm=llm, embedder=embedder,
                                      judge_cache_dir=settings.data_dir / "judge")
        engine.resume_clock()
        return engine
    session_id = SessionEngine.new_session_id(args.format)
    llm = LLM.from_settings(settings, session_id=session_id, on_usage=storage.add_llm_usage)
    print(llm.status_line)
    return SessionEngine.start(storage, bank, format_id=args.format, persona_id=args.persona, llm=llm,
                               embedder=embedder, seed=args.seed, judge_cache_dir=settings.data_dir / "judge",
                               session_id=session_id)


def _warm_quietly(embedder: Any) -> None:
    try:
        embedder.warm()
    except Exception:  # the grader reports a missing model itself, with its fix, when it is first needed
        return


class PlainInterview:
    """The line-mode loop: speak what is pending, show the clock, read an answer or a command, repeat."""

    def __init__(self, engine: SessionEngine, stdin: TextIO, stdout: TextIO) -> None:
        self.engine = engine
        self.stdin = stdin
        self.out = stdout
        self.interactive = stdin.isatty()
        self._draft_announced = False
        self._status_due = True  # show the clock again once the interviewer has said something new

    def run(self) -> int:
        engine = self.engine
        self._say(f"{engine.format.title} · session {engine.session.id}")
        self._say(f"End an answer with a line holding only '{END_OF_ANSWER}'. Commands: "
                  + ", ".join(name.split()[0] for name in COMMANDS) + ".")
        if engine.transcript and not engine.has_pending_speech:
            self._replay_last_question()
        self._show_events(engine.start_events)
        while True:
            self._speak_pending()
            self._show_events(engine.tick())
            if engine.finished:
                self._speak_pending()
                return self._finish()
            outcome = self._read_answer()
            if outcome == "quit":
                engine.pause()
                self._say(f"Saved. Resume with: tutor interview --plain --resume {engine.session.id}")
                return 0

    # --- reading ----------------------------------------------------------------------------------------------

    def _read_answer(self) -> str:
        """Read one answer (or command); returns 'quit' to leave, '' to go round the loop."""
        engine = self.engine
        lines = [engine.draft_text] if engine.draft_text else []
        if lines and not self._draft_announced:
            self._draft_announced = True
            self._say(f"(your unsent draft is restored; go on typing, or '{END_OF_ANSWER}' to send it)\n{lines[0]}")
        if self._status_due:
            self._status_due = False
            self._status()
        while True:
            raw = self._readline()
            if raw is None:  # end of input: send what was typed, then leave resumable
                if lines and "".join(lines).strip():
                    self._submit("\n".join(lines))
                    self._speak_pending()
                return "quit"
            line = raw.rstrip("\n")
            if line.strip() == END_OF_ANSWER:
                if "".join(lines).strip():
                    self._submit("\n".join(lines))
                else:
                    self._say("(nothing to send yet: type your answer, then a line with only '.')")
                return ""
            if line.startswith(":") and line.split()[0] in {name.split()[0] for name in COMMANDS}:
                return self._command(line, lines)
            lines.append(line)
            engine.save_draft("\n".join(lines))
            events = engine.tick()
            if any(event.type in ("phase_ended", "session_ended") for event in events):
                self._show_events(events)
                return ""

    def _readline(self) -> str | None:
        if self.interactive:
            self.out.write("> ")
            self.out.flush()
        line = self.stdin.readline()
        return line if line else None

    def _command(self, line: str, lines: list[str]) -> str:
        from interviewers.session import SessionError

        engine = self.engine
        name, _, argument = line.strip().partition(" ")
        try:
            if name == ":skip":
                self._show_events(engine.skip())
            elif name == ":pause":
                engine.pause()
                self._say("Paused; the clock is stopped. Press Enter to resume.")
                if self._readline() is None:
                    return "quit"
                engine.resume_clock()
                self._say("Resumed.")
            elif name == ":time":
                self._status()
            elif name == ":hint":
                hint = engine.hint()
                self._say(f"Hint: {hint}" if hint else "No hints left for this question.")
            elif name == ":code":
                return self._submit_code(argument.strip(), lines)
            elif name == ":quit":
                return "quit"
            elif name == ":end":
                self._show_events(engine.end())
            else:
                self._say("\n".join(f"  {command:<16}{meaning}" for command, meaning in COMMANDS.items()))
        except SessionError as error:
            self._say(f"({error})")
        return ""

    def _submit_code(self, argument: str, lines: list[str]) -> str:
        from interviewers.session import SessionError

        if not argument:
            self._say("(usage: :code FILE.cu)")
            return ""
        path = Path(argument).expanduser()
        try:
            code = path.read_text(encoding="utf-8")
        except OSError as error:
            self._say(f"(cannot read {path}: {error.strerror})")
            return ""
        self._say(f"Judging {path} ...")
        try:
            self._show_events(self.engine.submit("\n".join(lines), code=code))
        except SessionError as error:
            self._say(f"({error})")
        return ""

    def _submit(self, text: str) -> None:
        from interviewers.session import SessionError

        try:
            self._show_events(self.engine.submit(text))
        except SessionError as error:
            self._say(f"({error})")

    # --- writing ----------------------------------------------------------------------------------------------

    def _speak_pending(self) -> None:
        from interviewers.personas import load_personas

        personas = load_personas()
        while self.engine.has_pending_speech:
            self._status_due = True
            speaker = personas[self.engine.state.pending[0].persona].name
            self.out.write(f"\n{speaker}: ")
            for chunk in self.engine.interviewer_turn():
                self.out.write(chunk)
                self.out.flush()
            self.out.write("\n")
        self.out.flush()

    def _replay_last_question(self) -> None:
        """After a resume, show the line the candidate was answering."""
        spoken = [turn for turn in self.engine.transcript if turn.role == "interviewer"]
        if spoken:
            self._say(f"(resumed; the interviewer last said:)\n{spoken[-1].text}")

    def _status(self) -> None:
        engine = self.engine
        phase = engine.phase
        if phase is None:
            return
        number, of = engine.question_number
        where = f"question {number}/{of}" if engine.current_question else "your questions"
        self._say(f"[{phase.title} · {_clock(engine.phase_seconds_left)} left · {where} · "
                  f"{_clock(engine.session_seconds_left)} in the interview]")

    def _show_events(self, events: list[EngineEvent]) -> None:
        for event in events:
            if event.type == "two_minute_warning":
                self._say(f"[two minutes left in {self.engine.format.phases[self.engine.state.phase_index].title}]")
            elif event.type == "phase_ended" and event.reason == "time":
                self._say("[time is up for this part" + ("; your draft was sent as the answer]" if event.draft_submitted
                                                         else "]"))
            elif event.type == "phase_started":
                self._say(f"\n=== {event.round + ': ' if event.round else ''}{event.title} ({event.minutes:g} min) ===")
            elif event.type == "judge_finished":
                self._say(f"[judge: {event.verdict}] {event.summary}")

    def _finish(self) -> int:
        engine = self.engine
        self._say("\nScoring your answers ...")
        result = engine.finish()
        self._say(render_result(result))
        return 0

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def render_result(result: SessionResult) -> str:
    """The scorecard as plain text: per question the points of the rubric, then the session."""
    lines = ["", f"Scorecard · {result.format_id} · session {result.session_id}", ""]
    for item in result.items:
        if item.card is None:
            lines.append(f"  {item.title}\n      not answered")
            continue
        card = item.card
        points = f"   {item.points:g}/{item.max_points:g} points" if item.max_points is not None else ""
        lines.append(f"  {item.title}\n      {card.overall:.1f}/10  {card.hire_signal.value.replace('_', ' ')}{points}"
                     + (f"  [{', '.join(card.flags)}]" if card.flags else ""))
        for point in card.points:
            mark = "+" if point.score >= 0.7 else ("~" if point.score >= 0.3 else "-")
            lines.append(f"        {mark} {point.point_id:<36}{point.score:>5.2f}"
                         + (f"  missing: {point.missing}" if point.missing and point.score < 0.7 else ""))
        if card.feedback:
            lines.append(f"      {card.feedback}")
    lines.append("")
    if result.summary is not None:
        lines.append(f"Session: {result.summary.overall:.1f}/10, {result.summary.hire_signal.value.replace('_', ' ')} "
                     f"({result.answered} of {result.asked} questions answered)")
    else:
        lines.append("Session: nothing was answered, so there is no score.")
    if result.assessment is not None:
        assessment = result.assessment
        for part in assessment.parts:
            lines.append(f"  {part.title}: {part.points:g}/{part.max_points}")
        lines.append(f"Final assessment: {assessment.total:g}/{assessment.max_points} · {assessment.band}. "
                     f"{assessment.advice}")
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
