#!/usr/bin/python3
"""Chart of a pressure.py run: pressure_chart.py RESULTS.json OUT.png. Runs under Debian's
/usr/bin/python3 with python3-matplotlib; bars are medians over rounds, whiskers min–max."""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# key, title, label format, log scale (one slow round would otherwise flatten every other p99)
PANELS = [
    ("rps", "hot requests/s (higher is better)", "{:.0f}", False),
    ("p99Ms", "hot p99 latency, ms, log scale (lower is better)", "{:.0f}", True),
    ("coldMBps", "cold streams, aggregate MB/s (higher is better)", "{:.0f}", False),
    ("hotResidentPct", "hot set resident afterwards, % of pages", "{:.0f}", False),
]


def main(src, dst):
    with open(src) as f:
        run = json.load(f)
    results = run["results"]
    names = list(results)
    colors = ["#1f77b4" if n.startswith("sluice") else "#999999" for n in names]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (key, title, fmt, log) in zip(axes.flat, PANELS):
        values = [[r[key] for r in results[n]] for n in names]
        meds = [statistics.median(v) for v in values]
        lo = [m - min(v) for m, v in zip(meds, values)]
        hi = [max(v) - m for m, v in zip(meds, values)]
        bars = ax.bar(range(len(names)), meds, color=colors, yerr=[lo, hi], capsize=4)
        for b, m in zip(bars, meds):
            ax.annotate(fmt.format(m), (b.get_x() + b.get_width() / 2, m), ha="center", va="bottom",
                        fontsize=8, xytext=(0, 2), textcoords="offset points")
        if log:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=20, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    cfg = run["config"]
    fig.suptitle(f"Hot set {run['hotFiles']:,} × {run['hotSize'] // 1024} KiB under a {cfg['limit'] // 2**20} MiB memory cgroup, "
                 f"{run['coldFiles']} × {run['coldSize'] / 2**30:g} GiB cold streams; "
                 f"median of {cfg['rounds']} round(s), whiskers min–max", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
