"""`yume nlu`: understand messages from the command line (contract: spec/nlu.md, "Command line").

    yume nlu "mañana a las 4 para un corte" [--now 2026-01-14T12:00] [--role customer]
             [--business fixtures/businesses/barberia.yaml] [--engine rules|claude]
    yume nlu --batch cases.jsonl      one JSON line out per line in, in order
    yume nlu --eval fixtures/nlu/     intent and per-slot accuracy on a labeled corpus

Extensions for trying answers in context: --expecting, --option (repeatable), --step.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from nlu.catalog import Catalog, demo_catalog
from nlu.context import Expecting, NluContext
from bot.settings import database_settings
from nlu.engine import Understander, build_understander
from nlu.evaluation import HELD_OUT_GATE, TUNED_GATE
from nlu.rules import RuleEngine
from nlu.understanding import Role

_CLAUDE_CONCURRENCY = 4


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `nlu` subcommand."""
    parser = subparsers.add_parser(
        "nlu",
        help="understand messages: intent and slots (single, --batch, --eval)",
        description="Understand WhatsApp messages as Yume does: one intent and its slots.",
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `yume nlu`."""
    parser.add_argument("text", nargs="?", help="the message to understand")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--batch", metavar="FILE", help='JSON lines {"id", "text", "now"?, "role"?} ("-" = stdin)')
    mode.add_argument("--eval", metavar="PATH", help="a labeled corpus file or folder (fixtures/nlu/)")
    mode.add_argument(
        "--train", action="store_true",
        help="train the learned backstop on the corpus and cache it (YUME_NLU_CACHE_DIR); e.g. at image build",
    )
    parser.add_argument("--now", help="local time in the business timezone, YYYY-MM-DDTHH:MM (default: now)")
    parser.add_argument("--role", choices=[r.value for r in Role], default=Role.CUSTOMER.value)
    parser.add_argument("--business", help="a business YAML file (default: the built-in demo business)")
    parser.add_argument(
        "--engine", choices=["rules", "claude"],
        help="default: claude when ANTHROPIC_API_KEY is set, else rules (claude always falls back to rules)",
    )
    parser.add_argument("--expecting", choices=[e.value for e in Expecting], help="what was just asked")
    parser.add_argument("--option", action="append", default=[], help="an option just offered (repeat, in order)")
    parser.add_argument("--step", help="the current flow step")
    parser.add_argument("-v", "--verbose", action="store_true", help="with --eval: list every mismatch (tuned files only)")
    parser.add_argument(
        "--no-model", action="store_true", help="the rules alone, without the learned model where they are unsure",
    )
    parser.add_argument("--summary", action="store_true", help="with --eval: the tables only (use it for held-out files)")
    parser.add_argument(
        "--split", choices=["all", "tuned", "held-out"], default="all",
        help="with --eval on a folder: the files one may tune on, the held-out ones, or both (each scored apart)",
    )


def run(args: argparse.Namespace) -> int:
    """Run `yume nlu` and return the exit code."""
    try:
        catalog = Catalog.from_business_file(args.business) if args.business else demo_catalog()
    except (OSError, ValueError) as exc:
        print(f"yume nlu: cannot read business {args.business}: {exc}", file=sys.stderr)
        return 2
    if args.train:
        return _train()
    understander = _understander(args.engine, backstop=not args.no_model)
    if args.eval:
        return _run_eval(Path(args.eval), understander, verbose=args.verbose, summary=args.summary, split=args.split)
    if args.batch:
        stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
        with stream:
            run_batch(stream, sys.stdout, understander, catalog, default_role=Role(args.role), default_now=args.now)
        return 0
    if args.text is None:
        print("yume nlu: give a message, --batch FILE or --eval PATH", file=sys.stderr)
        return 2
    try:
        context = NluContext(
            now=_local_now(args.now, catalog), catalog=catalog, role=Role(args.role), step=args.step,
            expecting=Expecting(args.expecting) if args.expecting else None, options=list(args.option),
        )
    except ValueError as exc:
        print(f"yume nlu: {exc}", file=sys.stderr)
        return 2
    understanding = asyncio.run(understander.understand(args.text, context))
    output = understanding.to_json_dict() | {"engine": understanding.engine}
    if understanding.fallback_reason:
        output["fallback"] = understanding.fallback_reason
    print(json.dumps(output, ensure_ascii=False))
    return 0


def _train() -> int:
    import time

    from nlu import learned

    options = database_settings().nlu_options()
    corpus = Path(options["corpus"]) if options["corpus"] else learned.default_corpus()
    cache_dir = Path(options["cache_dir"]) if options["cache_dir"] else learned.default_cache_dir()
    if corpus is None:
        print("yume nlu: no corpus (fixtures/nlu or YUME_NLU_CORPUS): the rules answer alone", file=sys.stderr)
        return 2
    started = time.perf_counter()
    model = learned.model_for(corpus, cache_dir)
    cache = cache_dir / f"intent-model-{learned.corpus_key(corpus)}.npz"
    state = "cached in " + str(cache) if cache.exists() else "in memory only (the cache folder is not writable)"
    print(f"learned model of {corpus}: {len(model.vocabulary) if model else 0} features, "
          f"{time.perf_counter() - started:.1f} s, {state}")
    return 0


def _understander(engine: str | None, *, backstop: bool = True) -> Understander:
    options = database_settings().nlu_options()
    rules = RuleEngine(backstop=backstop, corpus=options["corpus"], cache_dir=options["cache_dir"])
    if engine == "rules" or (engine is None and not options["api_key"]):
        return rules
    if not options["api_key"]:
        print("yume nlu: no ANTHROPIC_API_KEY, the rule engine answers", file=sys.stderr)
        return rules
    return build_understander(**options, backstop=backstop)


def _local_now(text: str | None, catalog: Catalog) -> dt.datetime:
    if not text:
        return dt.datetime.now(catalog.tz)
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=catalog.tz)


def _contexts(
    lines: Iterable[str], catalog: Catalog, default_role: Role, default_now: str | None,
) -> Iterator[tuple[Any, str, NluContext] | tuple[Any, str, None]]:
    """(id, text, context) per input line; context None and text the error for a bad line."""
    fallback_now = _local_now(default_now, catalog)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            now = _local_now(item["now"], catalog) if item.get("now") else fallback_now
            context = NluContext(
                now=now, catalog=catalog, role=Role(item.get("role") or default_role), step=item.get("step"),
                expecting=Expecting(item["expecting"]) if item.get("expecting") else None,
                options=[str(o) for o in item.get("options") or []], interactive=bool(item.get("interactive")),
            )
            yield item.get("id", number), item["text"], context
        except (ValueError, TypeError) as exc:
            identifier = item.get("id", number) if isinstance(item, dict) else number
            yield identifier, f"line {number}: {exc}", None


def run_batch(
    lines: Iterable[str],
    out: TextIO,
    understander: Understander,
    catalog: Catalog,
    *,
    default_role: Role = Role.CUSTOMER,
    default_now: str | None = None,
) -> None:
    """Understand JSON lines; write one JSON line per input, in order (errors as {"id", "error"})."""
    items = _contexts(lines, catalog, default_role, default_now)
    if isinstance(understander, RuleEngine):
        for identifier, text, context in items:
            out.write(_line(identifier, text, context, understander) + "\n")
        return
    asyncio.run(_run_batch_async(list(items), out, understander))


def _line(identifier: Any, text: str, context: NluContext | None, engine: RuleEngine) -> str:
    if context is None:
        return json.dumps({"id": identifier, "error": text}, ensure_ascii=False)
    understanding = engine.read(text, context)
    return json.dumps({"id": identifier} | understanding.to_json_dict(), ensure_ascii=False)


async def _run_batch_async(items: list[Any], out: TextIO, understander: Understander) -> None:
    semaphore = asyncio.Semaphore(_CLAUDE_CONCURRENCY)

    async def one(identifier: Any, text: str, context: NluContext | None) -> str:
        if context is None:
            return json.dumps({"id": identifier, "error": text}, ensure_ascii=False)
        async with semaphore:
            understanding = await understander.understand(text, context)
        return json.dumps({"id": identifier} | understanding.to_json_dict(), ensure_ascii=False)

    for line in await asyncio.gather(*(one(*item) for item in items)):
        out.write(line + "\n")


def _run_eval(path: Path, understander: Understander, *, verbose: bool, summary: bool, split: str = "all") -> int:
    from nlu.evaluation import CorpusError, load_corpus

    try:
        tuned = [] if split == "held-out" else load_corpus(path, held_out=False)
        held_out = [] if split == "tuned" else load_corpus(path, held_out=True)
    except (OSError, CorpusError) as exc:
        print(f"yume nlu: {exc}", file=sys.stderr)
        return 2
    print(f"engine: {understander.name}")
    passed = True
    for name, cases, gate in (("tuned", tuned, TUNED_GATE), ("held-out", held_out, HELD_OUT_GATE)):
        if not cases:
            continue
        report = _evaluate(cases, understander)
        print(f"== {name} files: {len(cases)} messages")
        print("\n".join(report.lines(show_mismatches=verbose, summary=summary)))
        ok = gate.passes(report)
        passed = passed and ok
        print(f"gate {name} ({gate.describe()}): {'pass' if ok else 'FAIL'}")
    if not isinstance(understander, RuleEngine):
        stats = understander.stats
        print(stats.summary())
        print(f"claude calls per message: {stats.calls / max(stats.messages, 1):.2f}; tokens in {stats.input_tokens}, "
              f"out {stats.output_tokens}, cache read {stats.cache_read_tokens}")
    return 0 if passed else 1


def _evaluate(cases: list[Any], understander: Understander) -> Any:
    from nlu.evaluation import evaluate

    if isinstance(understander, RuleEngine):
        return evaluate(cases, understander.read)
    loop = asyncio.new_event_loop()
    try:
        return evaluate(cases, lambda text, ctx: loop.run_until_complete(understander.understand(text, ctx)))
    finally:
        loop.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.commands.nlu ...`: the same as `yume nlu ...`, without the other subcommands."""
    parser = argparse.ArgumentParser(prog="yume nlu", description="Understand WhatsApp messages as Yume does.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
