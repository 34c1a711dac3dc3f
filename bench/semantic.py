"""The semantic index (bot.lookup.semantic) against the lexical engine, on the devset only.

    python bench/semantic.py [--model DIR] [--k 20] [--w-sem 0.25] [--beta 0.3] [--grid]
                             [--no-aliases] [--misses]

Entries of tests/lookup_devset.yaml with kind competency and a `range` (is that range first /
in the top 3?) and with kind career or glossary and a `topic` (is that item first / in the top
3?), `accept` ids counting as right, for:

  sem     SemanticIndex.rank alone
  ask     LookupEngine.ask's answered item (top 1 only: a question back or "not found" is a miss)
  lex     the engine's ranked candidates (its internal `_score`), read-only
  rrf     reciprocal-rank fusion: w_lex / (k + lex rank) + w_sem / (k + sem rank)
  sum     score fusion: the engine's score + beta * the semantic score

and the fallback "the engine's answer, else the semantic top item above a floor" (with how many
off-topic entries such a floor would answer). --no-aliases drops every alias of every item on
both sides: the devset's wording shaped the aliases, so this is a proxy for phrasings nobody
wrote an alias for. Also: start-up (model load + embedding every item), RSS added (ru_maxrss
and /proc RSS before and after), per-query latency of `rank` (p50/p99 over the devset queries,
5 passes).
Never reads the held-out sets.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.knowledge import load_knowledge  # noqa: E402
from bot.lookup import LookupEngine  # noqa: E402
from bot.lookup.evaluate import load_devset  # noqa: E402
from bot.lookup.query import parse  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"
DEVSET = ROOT / "tests" / "lookup_devset.yaml"
DEPTH = 50  # how many of each ranking the fusion looks at
NAME_WEIGHT = 0.97  # --no-aliases keeps names, glossary terms and composites (items.W_*)


def rss_kib() -> int:
    """Current resident set size (KiB), from /proc where there is one."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def cases(devset: list[dict]) -> list[tuple[dict, set[str]]]:
    out = []
    for entry in devset:
        if entry["kind"] == "competency" and entry.get("range"):
            right = {entry["range"]}
        elif entry["kind"] in ("career", "glossary") and entry.get("topic"):
            right = {entry["topic"]}
        else:
            continue
        out.append((entry, right | set(entry.get("accept", ()))))
    return out


def rrf(lex: list[int], sem: list[int], k: float, w_lex: float, w_sem: float) -> list[int]:
    score: dict[int, float] = {}
    for rank, index in enumerate(lex[:DEPTH], 1):
        score[index] = score.get(index, 0.0) + w_lex / (k + rank)
    for rank, index in enumerate(sem[:DEPTH], 1):
        score[index] = score.get(index, 0.0) + w_sem / (k + rank)
    return sorted(score, key=lambda i: (-score[i], i))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="static model folder")
    parser.add_argument("--k", type=float, default=20.0, help="RRF constant")
    parser.add_argument("--w-lex", type=float, default=1.0, help="RRF weight of the engine")
    parser.add_argument("--w-sem", type=float, default=0.25, help="RRF weight of the index")
    parser.add_argument("--beta", type=float, default=0.3, help="score fusion weight")
    parser.add_argument("--joined-names", action="store_true", help="one name vector per item")
    parser.add_argument("--no-center", action="store_true", help="keep the mean vector")
    parser.add_argument("--dims", type=int, default=None, help="keep the first N dimensions")
    parser.add_argument("--no-aliases", action="store_true", help="drop every alias (both engines)")
    parser.add_argument("--misses", action="store_true", help="list the semantic misses")
    parser.add_argument("--grid", action="store_true", help="try a small grid of RRF weights")
    args = parser.parse_args()

    kb = load_knowledge(KNOWLEDGE)
    if args.no_aliases:
        # A proxy for phrasings nobody wrote an alias for (the devset's wording shaped the
        # aliases): both sides see the items by their names, texts and composites only.
        import bot.lookup.engine as engine_module
        from bot.lookup.items import build_items

        def names_only(kb_):
            items = build_items(kb_)
            for item in items:
                item.phrases = [(t, w) for t, w in item.phrases if w >= NAME_WEIGHT]
            return items

        engine_module.build_items = names_only
    engine = LookupEngine(kb)
    gc.collect()
    maxrss0, rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rss_kib()
    t0 = time.perf_counter()
    from bot.lookup.semantic import MODEL_DIR, SemanticIndex, load_model

    model = load_model(args.model or MODEL_DIR)
    if args.dims:  # PCA components come first: truncation is a smaller PCA
        model.embedding = model.embedding[:, : args.dims]
    t1 = time.perf_counter()
    index = SemanticIndex(
        engine.items,
        model=model,
        each_phrase=not args.joined_names,
        center=not args.no_center,
    )
    t2 = time.perf_counter()
    gc.collect()
    maxrss1, rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rss_kib()

    devset = load_devset(DEVSET)
    selected = cases(devset)
    idents = [item.ident for item in engine.items]
    rows = []  # (entry, right, ask ident, lex ranking, sem ranking)
    extra = []  # (answer, lexical scores by item, semantic ranking with levels and scores)
    for entry, right in selected:
        q = entry["q"]
        answer = engine.ask(q)
        scored = engine._score(parse(q, engine.corrector))
        lex = [r.index for r in scored]
        ranked = index.rank(q, k=DEPTH)
        sem = [i for i, _, _ in ranked]
        rows.append((entry, right, answer.ident, lex, sem))
        extra.append((answer, {r.index: r.score for r in scored}, ranked))

    def hit(ranking: list[int], right: set[str], n: int) -> bool:
        return any(idents[i] in right for i in ranking[:n])

    groups = {
        "competency (range)": [r for r in rows if r[0]["kind"] == "competency"],
        "  competency, describe": [
            r for r in rows if r[0]["kind"] == "competency" and r[0]["tag"] == "describe"
        ],
        "career/glossary (topic)": [r for r in rows if r[0]["kind"] != "competency"],
        "  career, describe": [
            r for r in rows if r[0]["kind"] != "competency" and r[0]["tag"] == "describe"
        ],
        "all": rows,
    }

    def table(k: float, w_lex: float, w_sem: float, beta: float) -> list[str]:
        lines = [
            "| set | n | sem @1 | sem @3 | ask @1 | lex @1 | lex @3 | rrf @1 | rrf @3 | sum @1 "
            "| sum @3 |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, group in groups.items():
            n = len(group)
            if not n:
                continue
            fused = [rrf(r[3], r[4], k, w_lex, w_sem) for r in group]
            summed = [score_sum(extra[rows.index(r)], beta) for r in group]

            def pct(count: int, n: int = n) -> str:
                return f"{100 * count / n:.1f}%"

            lines.append(
                f"| {name.strip()} | {n} "
                f"| {pct(sum(hit(r[4], r[1], 1) for r in group))} "
                f"| {pct(sum(hit(r[4], r[1], 3) for r in group))} "
                f"| {pct(sum(r[2] in r[1] for r in group))} "
                f"| {pct(sum(hit(r[3], r[1], 1) for r in group))} "
                f"| {pct(sum(hit(r[3], r[1], 3) for r in group))} "
                f"| {pct(sum(hit(f, r[1], 1) for f, r in zip(fused, group, strict=True)))} "
                f"| {pct(sum(hit(f, r[1], 3) for f, r in zip(fused, group, strict=True)))} "
                f"| {pct(sum(hit(f, r[1], 1) for f, r in zip(summed, group, strict=True)))} "
                f"| {pct(sum(hit(f, r[1], 3) for f, r in zip(summed, group, strict=True)))} |"
            )
        return lines

    # Level agreement: described competency tasks with one labelled level, range right at 1.
    level_rows = [
        (r, x)
        for r, x in zip(rows, extra, strict=True)
        if r[0]["kind"] == "competency"
        and r[0]["tag"] == "describe"
        and r[0].get("level")
        and hit(r[4], r[1], 1)
    ]
    level_ok = sum(x[2][0][1] == r[0]["level"] for r, x in level_rows)
    level_lex = sum(x[0].level == r[0]["level"] for r, x in level_rows)

    # Fallback: the engine's answer when it gives one, else the semantic top item when its
    # cosine reaches `floor`. Off-topic entries (kind none) say what such a floor lets through.
    offtopic = [e["q"] for e in devset if e["kind"] == "none"]
    off_tops = [ranked[0][2] if (ranked := index.rank(q, k=1)) else 0.0 for q in offtopic]

    def fallback(r: tuple, x: tuple, floor: float) -> bool:
        if x[0].kind in ("competency", "career", "glossary"):
            return r[2] in r[1]
        return bool(x[2]) and x[2][0][2] >= floor and idents[x[2][0][0]] in r[1]

    # Score sum: lexical score + beta * cosine, over the union of both candidate lists.
    def score_sum(x: tuple, beta: float) -> list[int]:
        total = dict(x[1])
        for i, _, cos in x[2]:
            total[i] = total.get(i, 0.0) + beta * cos
        return sorted(total, key=lambda i: (-total[i], i))

    # Latency of rank().
    queries = [r[0]["q"] for r in rows]
    samples: dict[str, list[float]] = {q: [] for q in queries}
    for _ in range(5):
        for q in queries:
            t = time.perf_counter()
            index.rank(q, k=10)
            samples[q].append(time.perf_counter() - t)
    medians = sorted(statistics.median(v) for v in samples.values())
    flat = sorted(x for v in samples.values() for x in v)

    def pctl(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] * 1000

    print(f"model: {args.model or MODEL_DIR}  ({model.embedding.shape}, {model.embedding.dtype})")
    print(f"items: {len(engine.items)}, vectors: {len(index.texts)}, devset cases: {len(rows)}")
    print(f"RRF k={args.k:g} w_lex={args.w_lex:g} w_sem={args.w_sem:g}; sum beta={args.beta:g}\n")
    print("\n".join(table(args.k, args.w_lex, args.w_sem, args.beta)))
    print(
        f"\nlevel right on described competency tasks with one labelled level (range right at"
        f" 1 semantically): semantic {level_ok}/{len(level_rows)}, engine {level_lex}/"
        f"{len(level_rows)}"
    )
    lex_miss = [(r, x) for r, x in zip(rows, extra, strict=True) if r[2] not in r[1]]
    print(
        f"engine answer not right: {len(lex_miss)}; of these, semantic right at 1: "
        f"{sum(hit(r[4], r[1], 1) for r, _ in lex_miss)}, at 3: "
        f"{sum(hit(r[4], r[1], 3) for r, _ in lex_miss)}"
    )
    print(
        f"off-topic entries ({len(offtopic)}): semantic top score median "
        f"{statistics.median(off_tops):.2f}, max {max(off_tops):.2f}"
    )
    for floor in (0.0, 0.5, 0.6, 0.7):
        ok = sum(fallback(r, x, floor) for r, x in zip(rows, extra, strict=True))
        wrong = sum(
            x[0].kind in ("clarify", "none")
            and bool(x[2])
            and x[2][0][2] >= floor
            and idents[x[2][0][0]] not in r[1]
            for r, x in zip(rows, extra, strict=True)
        )
        let_through = sum(c >= floor and c > 0 for c in off_tops)
        print(
            f"fallback (engine answer, else semantic top if score >= {floor}): {ok}/{len(rows)}"
            f" right, {wrong} semantic answers wrong; off-topic answered: "
            f"{let_through}/{len(offtopic)}"
        )
    print(
        f"start-up: load {1000 * (t1 - t0):.0f} ms (incl. import) + embed {1000 * (t2 - t1):.0f} ms"
        f" = {1000 * (t2 - t0):.0f} ms"
    )
    print(
        f"RSS added: {rss1 - rss0} KiB (/proc), ru_maxrss {maxrss0} -> {maxrss1} KiB"
        f" (+{maxrss1 - maxrss0} KiB)"
    )
    print(
        f"rank() latency: p50 {pctl(medians, 0.5):.3f} ms, p99 {pctl(medians, 0.99):.3f} ms"
        f" (per-query medians); all samples p50 {pctl(flat, 0.5):.3f} / p99 {pctl(flat, 0.99):.3f}"
    )

    if args.grid:
        print("\nRRF grid (all cases, @1 / @3):")
        for k in (5, 10, 20, 60):
            for w_sem in (0.25, 0.5, 0.75, 1.0):
                fused = [rrf(r[3], r[4], k, 1.0, w_sem) for r in rows]
                a1 = sum(hit(f, r[1], 1) for f, r in zip(fused, rows, strict=True))
                a3 = sum(hit(f, r[1], 3) for f, r in zip(fused, rows, strict=True))
                print(f"  k={k:<3} w_sem={w_sem:<4}  {a1}/{len(rows)}  {a3}/{len(rows)}")
        print("score sum (lexical score + beta * cosine), @1 / @3:")
        for beta in (0.05, 0.1, 0.2, 0.3, 0.5, 1.0):
            fused = [score_sum(x, beta) for x in extra]
            a1 = sum(hit(f, r[1], 1) for f, r in zip(fused, rows, strict=True))
            a3 = sum(hit(f, r[1], 3) for f, r in zip(fused, rows, strict=True))
            print(f"  beta={beta:<4}  {a1}/{len(rows)}  {a3}/{len(rows)}")

    if args.misses:
        print("\nsemantic misses at 1 (query | wanted | semantic top 3 | lexical top 1):")
        for entry, right, _, lex, sem in rows:
            if not hit(sem, right, 1):
                top = ", ".join(idents[i] for i in sem[:3])
                lex1 = idents[lex[0]] if lex else "-"
                print(f"  {entry['q']!r} | {'/'.join(sorted(right))} | {top} | {lex1}")


if __name__ == "__main__":
    main()
