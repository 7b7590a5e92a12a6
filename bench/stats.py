"""Figures with their spread, and ratios that say when they are not resolved.

Every figure is the median over rounds with the min–max range beside it; every ratio to a peer
is the median of per-round ratios (taken within a round, so a noisy phase of the shared machine
hits both sides alike) with the range of those per-round ratios. A ratio whose range straddles
1.0 is "unresolved": the rounds disagree on which side is ahead."""
import statistics


def med(values):
    return statistics.median(values) if values else float("nan")


def num(x):
    if x != x:
        return "–"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def spread(values):
    """'median (min–max)' of a list of figures."""
    if not values:
        return "–"
    if len(values) == 1:
        return num(values[0])
    return f"{num(med(values))} ({num(min(values))}–{num(max(values))})"


def verdict(ratios, higher_better):
    """'ahead', 'behind' or 'unresolved' for a list of per-round ratios mine/peer."""
    if not ratios:
        return "–"
    lo, hi = min(ratios), max(ratios)
    if lo <= 1.0 <= hi:
        return "unresolved"
    ahead = lo > 1.0 if higher_better else hi < 1.0
    return "**ahead**" if ahead else "behind"


def ratio_cell(ratios):
    if not ratios:
        return "–"
    return f"{med(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


def agreement(a, b):
    """Relative difference of two medians, |a-b| / mean."""
    return abs(a - b) / ((a + b) / 2)
