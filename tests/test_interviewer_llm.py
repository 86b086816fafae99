"""The interviewer speaking through a real LLM client; only the HTTP transport is fake (recorded Anthropic streams)."""

from __future__ import annotations

import random
from pathlib import Path

import httpx2
from llm_http import TEXT, Reply, Server
from pydantic import SecretStr

from interviewers.interviewer import Interviewer
from interviewers.personas import load_personas
from question_bank.loader import Bank
from question_bank.models import PersonaId
from tutor.config import Settings
from tutor.llm import LLM
from tutor.records import Turn

KEY = "sk-ant-api03-TESTKEY-interviewer-0123456789abcdefghijklmnopqrstuvwxyz"


def online_interviewer(tmp_path: Path, bank: Bank, persona: PersonaId, *replies: Reply) -> tuple[Interviewer, Server]:
    server = Server(httpx2, *replies)
    settings = Settings(data_dir=tmp_path, anthropic_api_key=SecretStr(KEY), anthropic_model="claude-sonnet-4-6")
    llm = LLM.from_settings(settings, session_id="s-llm", http_client=server.client(), sleep=lambda seconds, cancel: None)
    assert llm.online
    return Interviewer(load_personas()[persona], bank, llm=llm, embedder=None, rng=random.Random(1)), server


def test_speak_streams_the_move_in_the_persona_voice_grounded_in_the_confidential_item(tmp_path: Path, bank: Bank) -> None:
    who, server = online_interviewer(tmp_path, bank, PersonaId.DEBUGGING, Reply("anthropic_stream_cache_write.sse"),
                                     Reply("anthropic_stream_cache_read.sse"))
    question = bank.get("prod.debug-oom-after-hours")
    opening = who.ask(question)
    exchange = [Turn(session_id="s", seq=1, role="interviewer", text=opening.text, item_id=question.id),
                Turn(session_id="s", seq=2, role="candidate", text="Can I see the logs?", item_id=question.id)]
    move = who.next_move(question, exchange, "Can I see the logs?", 600.0)
    assert move.kind == "exhibit" and move.exhibit is not None

    chunks = list(who.speak(move, exchange))

    assert "".join(chunks[:3]) == TEXT  # the model's words, streamed as they came
    assert chunks[3] == "\n\n[log: " + move.exhibit.title + "]\n```text\n" + move.exhibit.content.rstrip() + "\n```"
    body = server.body()
    system, context = (block["text"] for block in body["system"])
    persona = load_personas()[PersonaId.DEBUGGING]
    assert persona.name in system and "Never reveal" in system
    assert context.startswith("CONFIDENTIAL") and all(point.text in context for point in question.rubric)
    assert question.model_answer.strip() in context
    roles = [message["role"] for message in body["messages"]]
    assert roles == ["user", "assistant", "user"]
    last = body["messages"][-1]["content"]
    assert last.startswith("Can I see the logs?") and "Stage direction" in last and move.intent in last
    assert move.exhibit.content not in str(body["messages"])  # the model never sees the log as something to repeat

    spoken = "".join(who.speak(who.closing(), exchange))
    assert spoken == TEXT and len(server.requests) == 2


def test_speak_falls_back_to_the_offline_wording_when_the_key_is_rejected(tmp_path: Path, bank: Bank) -> None:
    who, server = online_interviewer(tmp_path, bank, PersonaId.CODE_REVIEW,
                                     Reply("anthropic_error_401.json", status=401))
    question = bank.get("cudaperf.review-histogram-race")
    move = who.ask(question)

    spoken = "".join(who.speak(move, []))

    assert spoken == move.text and question.exhibits[0].content.rstrip() in spoken
    assert who.llm is not None and not who.llm.online
    assert "".join(who.speak(who.closing(), [])) == who.closing().text
    assert len(server.requests) == 1  # offline after the failure: nothing more is sent
