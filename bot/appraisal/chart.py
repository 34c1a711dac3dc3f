"""The profile as a radar chart: current level vs target per domain, previous assessment faint.

Drawn on a `matplotlib.figure.Figure` with the Agg canvas (no pyplot state, so it is safe in a
worker thread) to a square PNG sized for a phone. Colours are from the Okabe-Ito palette and
each line also differs in style and marker, so the chart reads without colour vision.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

from bot.flows.levels import LABELS, RATING_LEVELS, label, rank
from bot.flows.plan import PlanData
from bot.flows.views import MAX_CAPTION, utf16_clip

SIZE_INCHES = 7.2
DPI = 150  # 7.2 in x 150 dpi = 1080 x 1080 px
BLUE, VERMILLION, BLACK = "#0072B2", "#D55E00", "#000000"
SHORT_LEVELS = {**LABELS, "administrative": "Admin"}


def _radius(level: str | None) -> float:
    """Not yet sits on the innermost ring (1), Strategic on the outermost (4); no rating: NaN."""
    return rank(level) + 1.0 if rank(level) >= 0 else math.nan


def _closed(values: Sequence[float]) -> list[float]:
    return [*values, values[0]]


def _domain_label(ax: PolarAxes, angle: float, name: str, skipped: bool) -> None:
    """A domain's name outside the outer ring, aligned away from the chart and wrapped (narrower
    at the sides), so long names stay readable at phone size."""
    x, y = math.sin(angle), math.cos(angle)
    ax.text(
        angle,
        4.55,
        textwrap.fill(name, 14 if abs(x) > 0.2 else 20) + ("\n(skipped)" if skipped else ""),
        ha="left" if x > 0.2 else "right" if x < -0.2 else "center",
        va="bottom" if y > 0.2 else "top" if y < -0.2 else "center",
        fontsize=14,
        linespacing=1.1,
    )


# (domain id, domain name, current level, target level) per domain, in the framework's order.
ChartLines = tuple[tuple[str, str, str | None, str | None], ...]
CACHED_CHARTS = 64


def render_radar(plan: PlanData, previous: Mapping[str, str] | None = None) -> bytes:
    """The chart as PNG bytes (1080 x 1080 px).

    Drawing takes about 0.1 s, so charts are cached by what they show: the chart sent when an
    assessment is saved is the one `/plan` sends next.
    """
    lines: ChartLines = tuple((x.domain.id, x.domain.name, x.current, x.target) for x in plan.lines)
    before = tuple(sorted(previous.items())) if previous else None
    return _draw(lines, plan.assessed_on, before)


@lru_cache(maxsize=CACHED_CHARTS)
def _draw(
    lines: ChartLines, assessed_on: str, previous_items: tuple[tuple[str, str], ...] | None
) -> bytes:
    previous = dict(previous_items) if previous_items else None
    count = len(lines)
    angles = _closed([2 * math.pi * i / count for i in range(count)])
    now = _closed([_radius(current) for _, _, current, _ in lines])
    target = _closed([_radius(goal) for _, _, _, goal in lines])

    fig = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.22, right=0.78, top=0.76, bottom=0.2)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 4.2)
    ax.set_yticks([1, 2, 3, 4], [SHORT_LEVELS[level] for level in RATING_LEVELS])
    for text in ax.get_yticklabels():
        text.set(
            fontsize=10.5,
            bbox={"facecolor": "white", "alpha": 0.85, "pad": 1, "edgecolor": "none"},
        )
    ax.set_rlabel_position(180 / count)
    ax.yaxis.set_zorder(5)
    ax.set_xticks(angles[:-1], [])
    ax.grid(color="#BBBBBB", linewidth=0.8)
    for angle, (_, name, current, _) in zip(angles[:-1], lines, strict=True):
        _domain_label(ax, angle, name, current is None)

    ax.plot(angles, now, "-", color=BLUE, lw=3, marker="o", ms=9, label="Now", zorder=4)
    ax.fill(angles, [0.0 if math.isnan(v) else v for v in now], color=BLUE, alpha=0.18)
    ax.plot(angles, target, "--", color=VERMILLION, lw=2.5, marker="s", ms=8, label="Target")
    if previous:
        before = _closed([_radius(previous.get(domain_id)) for domain_id, *_ in lines])
        ax.plot(
            angles, before, ":", color=BLACK, alpha=0.5, lw=2, marker="^", ms=7, label="Previous"
        )

    fig.suptitle("Your profile: now vs target", fontsize=19, fontweight="bold", y=0.975)
    fig.text(0.5, 0.905, f"Self-assessment of {assessed_on}", ha="center", fontsize=13)
    fig.legend(loc="lower center", ncol=3, fontsize=14, frameon=False, bbox_to_anchor=(0.5, 0.01))
    out = BytesIO()
    # Fast zlib: encoding took a third of the drawing time at the default level.
    fig.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def caption(plan: PlanData) -> str:
    """The chart's facts as text (a photo caption, at most 1024 characters)."""
    lines = [
        f"{x.domain.name}: {label(x.current)} → {label(x.target) if x.target else 'no target'}"
        for x in plan.lines
    ]
    text = f"Your profile, assessed {plan.assessed_on}. Now vs target:\n" + "\n".join(lines)
    return utf16_clip(text, MAX_CAPTION)
