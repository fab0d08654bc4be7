"""How fast the word-level redline is, against the least work any redline must do.

A redline has to split both versions into words and escape them for HTML at the very
least; that linear pass is the lower bound, measured in the same run. The cases:

- a DPA section of ~300 words with 1 % of the words changed (the common case);
- a 5,000-word body with 1 % changed (a long annex pasted into one section);
- a 5,000-word body rewritten completely (every sentence differs).

Prints the median of --runs runs per case, the lower bound and their ratio. The redline
must stay within a small constant factor of the lower bound (target: ratio <= 25 for the
common case, and no case over one second), so a long section cannot stall a build.

    python benchmarks/redline.py [--runs 7] [--smoke]
"""

from __future__ import annotations

import argparse
import html
import random
import statistics
import time
from collections.abc import Callable

from generator.history.redline import redline_html, tokenize

WORDS = [
    "the", "processor", "shall", "notify", "controller", "of", "any", "personal", "data",
    "breach", "without", "undue", "delay", "and", "in", "event", "within", "hours", "after",
    "becoming", "aware", "it", "including", "categories", "approximate", "number",
    "subjects", "concerned", "records", "sub-processor", "audit", "clauses", "standard",
    "contractual", "transfer", "mechanism", "adequacy", "decision", "supervisory", "authority",
]  # fmt: skip


def body(words: int, rng: random.Random) -> str:
    chosen = rng.choices(WORDS, k=words)
    return " ".join(w + ("." if i % 18 == 17 else "") for i, w in enumerate(chosen))


def edited(text: str, share: float, rng: random.Random) -> str:
    words = text.split(" ")
    for index in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[index] = "amended"
    return " ".join(words)


def lower_bound(old: str, new: str) -> str:
    return "".join(html.escape(t) for t in tokenize(old)) + "".join(
        html.escape(t) for t in tokenize(new)
    )


def median_seconds(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="small sizes, one run")
    args = parser.parse_args()
    rng = random.Random(2025)
    scale = 10 if args.smoke else 1
    runs = 1 if args.smoke else args.runs
    short = body(300 // scale, rng)
    long = body(5000 // scale, rng)
    cases = {
        "section, 1% edited": (short, edited(short, 0.01, rng)),
        "long body, 1% edited": (long, edited(long, 0.01, rng)),
        "long body, term replaced": (long, long.replace("processor", "vendor")),
        "long body, rewritten": (long, body(5000 // scale, rng)),
    }
    print(f"{'case':<24}{'redline':>12}{'lower bound':>14}{'ratio':>8}")
    for name, (old, new) in cases.items():
        ours = median_seconds(lambda o=old, n=new: redline_html(o, n), runs)
        floor = median_seconds(lambda o=old, n=new: lower_bound(o, n), runs)
        print(f"{name:<24}{ours * 1000:>10.2f}ms{floor * 1000:>12.2f}ms{ours / floor:>8.1f}")


if __name__ == "__main__":
    main()
