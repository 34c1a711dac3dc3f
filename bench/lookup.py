"""Benchmark of bot.lookup against a naive baseline, on the labelled development set.

    python bench/lookup.py [--repeat 5] [--markdown]

Prints, side by side and from the same run: start-up (knowledge load, index build), peak
memory, per-query latency (cold: every cache cleared before each pass; p50/p99 over the queries
of each query's median over the passes, and over all samples), queries per second, and
accuracy on tests/lookup_devset.yaml. The baseline is what one would write first:
difflib's ratio of the query against every range name, best match answered, nothing below
0.5. The process is pinned to one CPU where the OS allows it.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_t = time.perf_counter()
from bot.knowledge import load_knowledge  # noqa: E402
from bot.lookup import Answer, LookupEngine  # noqa: E402
from bot.lookup.evaluate import judge, load_devset  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t
KNOWLEDGE = ROOT / "knowledge"


class DifflibBaseline:
    """difflib.SequenceMatcher over the 84 range names; the best one, or "not found"."""

    CUTOFF = 0.5

    def __init__(self, kb) -> None:
        self.ranges = [(r.name.lower(), r) for r in kb.competency.ranges]
        self.domain_of = {r.id: kb.competency.domain_of(r.id) for r in kb.competency.ranges}

    def ask(self, query: str) -> Answer:
        text = query.lower().strip()
        best, best_ratio = None, 0.0
        for name, rng in self.ranges:
            ratio = difflib.SequenceMatcher(None, text, name).ratio()
            if ratio > best_ratio:
                best, best_ratio = rng, ratio
        if best is None or best_ratio < self.CUTOFF:
            return Answer(query=query, kind="none", answer="", score=best_ratio)
        domain = self.domain_of[best.id]
        return Answer(
            query=query,
            kind="competency",
            answer=best.administrative,
            domain=domain.name,
            range=best.name,
            levels=("administrative", "managerial", "strategic"),
            range_id=best.id,
            domain_id=domain.id,
            score=best_ratio,
        )


def pin_to_one_cpu() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def startup(repeat: int) -> tuple[float, float, LookupEngine]:
    """Best-of-`repeat` seconds to load the knowledge base and to build the engine."""
    loads, builds = [], []
    engine = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        kb = load_knowledge(KNOWLEDGE)
        t1 = time.perf_counter()
        engine = LookupEngine(kb)
        t2 = time.perf_counter()
        loads.append(t1 - t0)
        builds.append(t2 - t1)
    assert engine is not None
    return min(loads), min(builds), engine


def peak_memory() -> tuple[float, float]:
    """(peak Python allocation while loading and indexing, of which the index) in MiB."""
    gc.collect()
    tracemalloc.start()
    kb = load_knowledge(KNOWLEDGE)
    after_load = tracemalloc.get_traced_memory()[0]
    engine = LookupEngine(kb)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del engine
    return peak / 2**20, (current - after_load) / 2**20


def clear(system) -> None:
    if isinstance(system, LookupEngine):
        system._ask_cached.cache_clear()
        system.corrector._cache.clear()


def latencies(system, queries: list[str], repeat: int) -> tuple[list[float], list[float], float]:
    """Cold per-query seconds (caches cleared before each pass): every sample, each query's
    median over the passes (robust to other processes on the machine), and the total time."""
    per_query: list[list[float]] = [[] for _ in queries]
    total = 0.0
    for _ in range(repeat):
        clear(system)
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for i, query in enumerate(queries):
                t = time.perf_counter()
                system.ask(query)
                per_query[i].append(time.perf_counter() - t)
            total += time.perf_counter() - start
        finally:
            gc.enable()
    samples = [s for runs in per_query for s in runs]
    medians = [statistics.median(runs) for runs in per_query]
    return samples, medians, total


def warm_p50(system, queries: list[str]) -> float:
    for query in queries:
        system.ask(query)
    samples = []
    for query in queries:
        t = time.perf_counter()
        system.ask(query)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def accuracy(system, engine: LookupEngine, devset: list[dict]) -> tuple[float, int]:
    verdicts = [judge(e, system.ask(e["q"]), engine) for e in devset]
    wrong_sure = sum(v.confident_wrong for v in verdicts)
    return sum(v.ok for v in verdicts) / len(verdicts), wrong_sure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the devset")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    pinned = pin_to_one_cpu()
    devset = load_devset()
    queries = [e["q"] for e in devset]

    load_s, index_s, engine = startup(args.repeat)
    t = time.perf_counter()
    baseline = DifflibBaseline(engine.kb)
    baseline_index_s = time.perf_counter() - t
    peak_mib, index_mib = peak_memory()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    eng_samples, eng_medians, eng_total = latencies(engine, queries, args.repeat)
    base_samples, base_medians, base_total = latencies(baseline, queries, args.repeat)
    eng_acc, eng_wrong = accuracy(engine, engine, devset)
    base_acc, base_wrong = accuracy(baseline, engine, devset)

    def us(seconds: float) -> str:
        micro = seconds * 1e6
        return f"{micro:,.1f} µs" if micro < 10 else f"{micro:,.0f} µs"

    rows = [
        ("start-up: load knowledge", f"{load_s * 1e3:.0f} ms", f"{load_s * 1e3:.0f} ms"),
        ("start-up: build index", f"{index_s * 1e3:.0f} ms", f"{baseline_index_s * 1e3:.2f} ms"),
        (
            "start-up: load + index",
            f"{(load_s + index_s) * 1e3:.0f} ms",
            f"{(load_s + baseline_index_s) * 1e3:.0f} ms",
        ),
        (
            "p50 latency (cold, per-query median)",
            us(percentile(eng_medians, 0.5)),
            us(percentile(base_medians, 0.5)),
        ),
        (
            "p99 latency (cold, per-query median)",
            us(percentile(eng_medians, 0.99)),
            us(percentile(base_medians, 0.99)),
        ),
        (
            "p99 latency (cold, all samples)",
            us(percentile(eng_samples, 0.99)),
            us(percentile(base_samples, 0.99)),
        ),
        ("max latency (cold, all samples)", us(max(eng_samples)), us(max(base_samples))),
        ("p50 latency (cached)", us(warm_p50(engine, queries)), "-"),
        (
            "queries per second (cold)",
            f"{len(eng_samples) / eng_total:,.0f}",
            f"{len(base_samples) / base_total:,.0f}",
        ),
        (
            "devset accuracy",
            f"{eng_acc:.1%} of {len(devset)}",
            f"{base_acc:.1%} of {len(devset)}",
        ),
        ("confident answers to ambiguous/off-topic", str(eng_wrong), str(base_wrong)),
    ]
    print(
        f"bot.lookup vs difflib baseline - {len(queries)} devset queries, "
        f"{args.repeat} cold passes, {pinned}, Python {sys.version.split()[0]}"
    )
    print(f"imports (bot.knowledge + bot.lookup, once per process): {IMPORT_SECONDS * 1e3:.0f} ms")
    print(
        f"peak Python memory while loading + indexing: {peak_mib:.1f} MiB "
        f"(index alone {index_mib:.1f} MiB); process max RSS {rss_mib:.0f} MiB"
    )
    if args.markdown:
        print("\n| metric | bot.lookup | difflib baseline |\n|---|---:|---:|")
        for name, a, b in rows:
            print(f"| {name} | {a} | {b} |")
    else:
        width = max(len(r[0]) for r in rows)
        print(f"\n{'':{width}}  {'bot.lookup':>18}  {'difflib baseline':>18}")
        for name, a, b in rows:
            print(f"{name:{width}}  {a:>18}  {b:>18}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
