"""`yume nlu`: single message, batch and eval modes (contract: spec/nlu.md "Command line")."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.commands import nlu as nlu_command
from nlu.catalog import demo_catalog
from nlu.rules import RuleEngine
from tests.nlu.fake_anthropic import FakeAnthropic, ThreadedFakeServer, tool_use
from tests.nlu.helpers import CORPUS, DON_CARLOS


def yume_nlu(*argv: str) -> int:
    """Run `yume nlu ARGS` through a parser holding only this subcommand (as bot.cli registers it)."""
    parser = argparse.ArgumentParser(prog="yume")
    nlu_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["nlu", *argv])
    return args.run(args)


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def test_single_message_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert yume_nlu("mañana a las 4 para un corte", "--now", "2026-01-14T12:00") == 0
    output = json.loads(capsys.readouterr().out)
    assert output["intent"] == "book"
    assert output["slots"] == {"service": "Corte de cabello", "date": "2026-01-15", "time": "16:00"}
    assert output["engine"] == "rules"


def test_single_message_with_role_business_and_context(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["Qué tengo hoy?", "--role", "staff", "--business", str(DON_CARLOS), "--now", "2027-01-15T09:00"]
    assert yume_nlu(*argv) == 0
    assert json.loads(capsys.readouterr().out)["intent"] == "my_schedule"
    argv = ["A las 4", "--expecting", "slot", "--option", "3:00 PM", "--option", "4:00 PM", "--now", "2027-01-15T09:00"]
    assert yume_nlu(*argv) == 0
    assert json.loads(capsys.readouterr().out)["slots"] == {"time": "16:00", "choice": 2}


def test_batch_writes_one_line_per_input_in_order() -> None:
    texts = ["hola", "mañana a las 4", "", "Qué tengo hoy?", "olvídalo", "not json", "cuánto cuesta el corte?"]
    lines = []
    for number, text in enumerate(texts):
        if text == "not json":
            lines.append("{oops")
        elif text:
            lines.append(json.dumps({"id": f"m{number}", "text": text, "now": "2026-01-14T12:00",
                                     "role": "staff" if "tengo" in text else "customer"}))
    out = io.StringIO()
    nlu_command.run_batch(lines, out, RuleEngine(), demo_catalog())
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["m0", "m1", "m3", "m4", 5, "m6"]
    assert [r.get("intent") for r in results] == ["greet", "inform", "my_schedule", "stop", None, "ask_services"]
    assert "error" in results[4]
    assert results[1] == {"id": "m1", "intent": "inform", "slots": {"date": "2026-01-15", "time": "16:00"}}


def test_batch_command_reads_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(["hola", "gracias", "sí"])))
    assert yume_nlu("--batch", str(cases), "--now", "2026-01-14T12:00") == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["intent"]) for r in results] == [(0, "greet"), (1, "thanks"), (2, "affirm")]


def test_eval_prints_intent_and_slot_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    assert yume_nlu("--eval", str(CORPUS)) == 0
    printed = capsys.readouterr().out
    assert "intent accuracy:" in printed and "date/time slot accuracy:" in printed
    assert "  date " in printed and "  time " in printed and "gate" in printed
    assert "== tuned files" in printed and "== held-out files" in printed  # each split scored apart


def test_eval_prints_per_role_and_per_intent_tables_and_confusions(capsys: pytest.CaptureFixture[str]) -> None:
    assert yume_nlu("--eval", str(CORPUS / "staff.yaml")) == 0
    printed = capsys.readouterr().out
    assert "per role:" in printed and "\n  staff " in printed
    assert "per intent (expected):" in printed and "\n  block_time " in printed
    assert "intent confusions" in printed


def test_eval_summary_prints_the_tables_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert yume_nlu("--eval", str(CORPUS / "staff.yaml"), "--summary", "-v") == 0
    printed = capsys.readouterr().out
    assert "per role:" in printed and "intent confusions" not in printed and "mismatches" not in printed


def test_eval_of_held_out_files_never_lists_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    yume_nlu("--eval", str(CORPUS), "--split", "held-out", "-v")
    printed = capsys.readouterr().out
    assert "per role:" in printed and "tables only" in printed
    assert "expected " not in printed and "mismatches:" not in printed and "== tuned" not in printed


def test_bad_business_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert yume_nlu("hola", "--business", str(tmp_path / "missing.yaml")) == 2
    assert "cannot read business" in capsys.readouterr().err


def test_the_command_is_registered_in_the_yume_cli() -> None:
    cli = (Path(nlu_command.__file__).parents[1] / "cli.py").read_text()
    assert '"bot.commands.nlu"' in cli


def test_claude_engine_single_and_batch_through_the_fake_api(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    reading = {"intent": "book", "service": "Corte de cabello", "when": {"day": {"relative": "tomorrow"}, "time": {"hour": 4}}}
    with ThreadedFakeServer(FakeAnthropic([tool_use(reading)])) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("YUME_NLU_MODEL", "claude-test-model")

        assert yume_nlu("fíjate que mañana a las 4 para un corte", "--engine", "claude", "--now", "2026-01-14T12:00") == 0
        single = json.loads(capsys.readouterr().out)
        assert single == {"intent": "book", "slots": {"service": "Corte de cabello", "date": "2026-01-15", "time": "16:00"},
                          "engine": "claude"}

        cases = tmp_path / "cases.jsonl"
        cases.write_text("\n".join(json.dumps({"id": i, "text": "fíjate que quiero un corte mañana a las 4", "now": "2026-01-14T12:00"})
                                   for i in range(5)))
        assert yume_nlu("--batch", str(cases), "--engine", "claude") == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["id"] for line in lines] == [0, 1, 2, 3, 4]
        assert all(line["intent"] == "book" for line in lines)
    assert len(server.fake.requests) == 6
    assert server.fake.last["model"] == "claude-test-model"


def test_eval_with_claude_prints_the_tables_calls_and_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """`yume nlu --eval … --engine claude` against any Anthropic-compatible ANTHROPIC_BASE_URL (here a loopback fake)."""
    with ThreadedFakeServer(FakeAnthropic([tool_use({"intent": "my_schedule"})])) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yume_nlu("--eval", str(CORPUS / "staff.yaml"), "--engine", "claude", "--summary")
    printed = capsys.readouterr().out
    assert "engine: claude" in printed and "per role:" in printed and "per intent (expected):" in printed
    calls = len(server.fake.requests)
    assert 0 < calls < 76  # the staff file's certain readings never reach Claude
    assert f"claude calls {calls}" in printed and f"tokens in {1200 * calls}, out {40 * calls}" in printed
    assert "decided by: claude" in printed


def test_train_builds_the_learned_model_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from nlu import learned

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "staff.yaml").write_text((CORPUS / "staff.yaml").read_text())
    monkeypatch.setenv("YUME_NLU_CORPUS", str(corpus))
    monkeypatch.setenv("YUME_NLU_CACHE_DIR", str(tmp_path / "cache"))
    learned.forget_loaded()
    assert yume_nlu("--train") == 0
    assert "cached in" in capsys.readouterr().out
    assert len(list((tmp_path / "cache").glob("intent-model-*.npz"))) == 1
    learned.forget_loaded()


def test_yume_nlu_never_loads_the_database_stack() -> None:
    """Start-up is most of `yume nlu --batch`: reading the settings must not import SQLAlchemy and the tables."""
    import subprocess
    import sys

    from bot import settings
    from store import database

    assert settings.DEFAULT_DATABASE_URL == database.DEFAULT_DATABASE_URL
    code = (
        "import sys; from bot.commands import nlu; from bot.settings import database_settings; "
        "database_settings().nlu_options(); print('sqlalchemy' in sys.modules)"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "False"
