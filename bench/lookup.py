"""The lookup engine against the release before it, side by side in one run, on held-out queries.

    python bench/lookup.py [--baseline be5ab17] [--repeat 3] [--markdown]

Each engine runs in a process of its own (this file with `--worker ROOT`), pinned to one CPU:
the current tree, and the baseline commit exported with `git archive` to a temporary folder.
Each reports its start-up (knowledge load and index build), per-query latency (cold: caches
cleared before each pass; p50/p99 over each query's median), accuracy on every labelled set
(the development set it was tuned on, and the held-out sets it never was), and the peak RSS of
a process that has imported what `careerbot run` imports and built the engine.
A follow-up (`after`) is asked with the previous answer's key as context; an engine without
follow-ups gets the bare question.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "development set (tuned on)": ROOT / "tests" / "lookup_devset.yaml",
    "fresh development set (tuned on)": ROOT / "tests" / "lookup_devset_fresh.yaml",
    "development set 3 (tuned on)": ROOT / "tests" / "lookup_devset3.yaml",
    "development set 4 (tuned on)": ROOT / "tests" / "lookup_devset4.yaml",
    "development set 5 (tuned on)": ROOT / "tests" / "lookup_devset5.yaml",
    "development set 6 (tuned on)": ROOT / "tests" / "lookup_devset6.yaml",
    "development set 7 (tuned on)": ROOT / "tests" / "lookup_devset7.yaml",
    "development set 8, off-topic (tuned on)": ROOT / "tests" / "lookup_devset8_offtopic.yaml",
    "development set 9 (tuned on)": ROOT / "tests" / "lookup_devset9.yaml",
    "development set 10, named items (tuned on)": ROOT / "tests" / "lookup_devset10_named.yaml",
    "held-out split of the old devset": ROOT / "tests" / "lookup_heldout.yaml",
    "fresh held-out set (helper-written)": ROOT / "tests" / "lookup_heldout_fresh.yaml",
    "held-out set 3 (helper-written 7 Dec)": ROOT / "tests" / "lookup_heldout_fresh2.yaml",
    "held-out set 4 (helper-written 7 Dec, evening)": ROOT / "tests" / "lookup_heldout4.yaml",
    "held-out set 5 (helper-written 7 Dec, night)": ROOT / "tests" / "lookup_heldout5.yaml",
    "held-out set 6 (helper-written 7 Dec, late)": ROOT / "tests" / "lookup_heldout6.yaml",
    "held-out set 7 (helper-written 7 Dec, later)": ROOT / "tests" / "lookup_heldout7.yaml",
    "held-out set 8 (helper-written 8 Dec)": ROOT / "tests" / "lookup_heldout8.yaml",
}
BASELINE = "be5ab17"  # the first release's engine


def pin_to_one_cpu() -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _judge_module() -> Any:
    """The current judge (it knows every kind of label), whichever engine is measured."""
    spec = importlib.util.spec_from_file_location(
        "lookup_judge", ROOT / "bot" / "lookup" / "evaluate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class Asker:
    """An engine with `ask(query, context)`, whether or not it reads follow-ups."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.by_ident = engine.by_ident
        self.follows = "context" in engine.ask.__code__.co_varnames

    def ask(self, query: str, context: str | None = None) -> Any:
        return self.engine.ask(query, context) if self.follows else self.engine.ask(query)

    def resolve(self, key: str) -> Any:
        return self.engine.resolve(key)

    def clear(self) -> None:
        self.engine._ask_cached.cache_clear()
        self.engine.corrector._cache.clear()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def worker(root: Path, repeat: int) -> dict[str, Any]:
    """Measure the engine under `root` (run in its own process with `root` on sys.path)."""
    pin_to_one_cpu()
    t0 = time.perf_counter()
    import bot.telegram.app  # noqa: F401  (what `careerbot run` imports)
    from bot.knowledge import load_knowledge
    from bot.lookup import LookupEngine

    imports = time.perf_counter() - t0
    loads, builds = [], []
    engine = None
    for _ in range(repeat):
        gc.collect()
        t1 = time.perf_counter()
        kb = load_knowledge(root / "knowledge")
        t2 = time.perf_counter()
        engine = LookupEngine(kb)
        loads.append(t2 - t1)
        builds.append(time.perf_counter() - t2)
    asker = Asker(engine)
    judge = _judge_module()
    accuracy = {}
    all_queries: list[str] = []
    for name, path in SETS.items():
        entries = judge.load_devset(path)
        answers = [judge.answer_for(asker, e) for e in entries]
        verdicts = [judge.judge(e, a, asker) for e, a in zip(entries, answers, strict=True)]
        offers = [judge.offers_the_item(e, a, asker) for e, a in zip(entries, answers, strict=True)]
        tags = Counter(e["tag"] for e in entries)
        right = Counter(v.entry["tag"] for v in verdicts if v.ok)
        accuracy[name] = {
            "right": sum(v.ok for v in verdicts),
            "of": len(verdicts),
            "confident_wrong": sum(v.confident_wrong for v in verdicts),
            "tags": {t: [right[t], n] for t, n in sorted(tags.items())},
            "questions_back": [sum(o is True for o in offers), sum(o is not None for o in offers)],
        }
        all_queries += [e["q"] for e in entries]
    per_query: list[list[float]] = [[] for _ in all_queries]
    for _ in range(repeat):
        asker.clear()
        gc.collect()
        gc.disable()
        try:
            for i, query in enumerate(all_queries):
                t = time.perf_counter()
                asker.ask(query)
                per_query[i].append(time.perf_counter() - t)
        finally:
            gc.enable()
    medians = [statistics.median(runs) for runs in per_query]
    return {
        "imports_s": imports,
        "load_s": min(loads),
        "index_s": min(builds),
        "p50_s": percentile(medians, 0.5),
        "p99_s": percentile(medians, 0.99),
        "queries": len(all_queries),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "accuracy": accuracy,
        "follow_ups": asker.follows,
    }


def run_worker(root: Path, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(root), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def export(commit: str, into: Path) -> Path:
    """The baseline's bot/ and knowledge/ in a folder of their own."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "bot", "knowledge"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="commit of the baseline engine")
    parser.add_argument("--repeat", type=int, default=3, help="cold passes over the queries")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        results = {"now": run_worker(ROOT, args.repeat)}
        try:
            base_root = export(args.baseline, Path(tmp))
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"(no baseline: cannot export {args.baseline}: {exc})")
        else:
            results[f"baseline {args.baseline}"] = run_worker(base_root, args.repeat)
    names = list(results)

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:.2f} ms"

    rows: list[tuple[str, ...]] = []
    for set_name in SETS:
        for tag in sorted(results["now"]["accuracy"][set_name]["tags"]):
            cells = []
            for n in names:
                right, of = results[n]["accuracy"][set_name]["tags"].get(tag, [0, 0])
                cells.append(f"{right}/{of}")
            rows.append((f"{set_name}: {tag}", *cells))
        cells = []
        for n in names:
            acc = results[n]["accuracy"][set_name]
            cells.append(
                f"{acc['right'] / acc['of']:.1%} of {acc['of']} "
                f"({acc['confident_wrong']} confident wrong)"
            )
        rows.append((f"**{set_name}: all**", *cells))
        cells = []
        for n in names:
            offered, asked = results[n]["accuracy"][set_name]["questions_back"]
            cells.append(f"{offered}/{asked}")
        rows.append((f"{set_name}: questions back offering a right item", *cells))
    rows += [
        (
            "start-up: load + index",
            *(ms(results[n]["load_s"] + results[n]["index_s"]) for n in names),
        ),
        ("p50 per query (cold, one core)", *(ms(results[n]["p50_s"]) for n in names)),
        ("p99 per query (cold, one core)", *(ms(results[n]["p99_s"]) for n in names)),
        ("peak RSS, bot imports + engine", *(f"{results[n]['rss_mib']:.0f} MiB" for n in names)),
        ("reads follow-ups", *("yes" if results[n]["follow_ups"] else "no" for n in names)),
    ]
    print(
        f"bot.lookup, {results['now']['queries']} queries, {args.repeat} cold passes, Python "
        f"{sys.version.split()[0]}"
    )
    if args.markdown:
        print("\n| metric | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        width = max(len(r[0]) for r in rows)
        print(f"\n{'':{width}}  " + "  ".join(f"{n:>34}" for n in names))
        for row in rows:
            print(f"{row[0]:{width}}  " + "  ".join(f"{c:>34}" for c in row[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
