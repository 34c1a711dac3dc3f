"""The profile as a radar chart: current level vs target per domain, previous assessment faint.

Drawn on a `matplotlib.figure.Figure` with the Agg canvas (no pyplot state, so it is safe in a
worker thread) to a square PNG sized for a phone. Colours are from the Okabe-Ito palette and
each line also differs in style and marker, so the chart reads without colour vision.

Most of the picture is the same for most charts (rings, level names, title, date, domain
names, legend): it is drawn into the process's one figure once per variant (the date, with or
without a previous assessment, which domains were skipped), kept as a bitmap, and for each
chart the bitmap is restored and only the lines drawn. Charts are drawn one at a time, whichever
thread asks: drawing holds the GIL, so a figure per drawing thread drew no faster and cost
each thread about 9 MB. The PNG is written by Pillow
straight from the canvas buffer, in 64 colours (a quarter of the size, and faster to write
than full colour, whose row filtering takes longer than the drawing): the colours of a
variant are found once, from a sample chart with every line on it, and each chart's pixels
are mapped onto them (finding each chart's own took half of its drawing time).
"""

from __future__ import annotations

import hashlib
import math
import textwrap
import threading
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any, cast

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.projections.polar import PolarAxes
from PIL import Image

from bot.flows.plan import PlanData
from bot.flows.views import MAX_CAPTION, utf16_clip
from bot.vocabulary import LABELS, RATING_LEVELS, label, rank

SIZE_INCHES = 7.2
DPI = 100  # 7.2 in x 100 dpi = 720 x 720 px: the 1080 px layout, scaled
BACKGROUNDS = 8  # variants of the shared parts kept as bitmaps (2 MB each)
COLOURS = 64
#: Part of every chart's key: bump it when the picture's look changes, and stored charts are
#: drawn again.
STYLE = 2
BLUE, VERMILLION, BLACK = "#0072B2", "#D55E00", "#000000"
SHORT_LEVELS = {**LABELS, "administrative": "Admin"}
NOW_STYLE: dict[str, Any] = {"color": BLUE, "lw": 3, "marker": "o", "ms": 9, "zorder": 4}
TARGET_STYLE: dict[str, Any] = {"color": VERMILLION, "lw": 2.5, "ls": "--", "marker": "s", "ms": 8}
PREVIOUS_STYLE: dict[str, Any] = {
    "color": BLACK,
    "alpha": 0.5,
    "lw": 2,
    "ls": ":",
    "marker": "^",
    "ms": 7,
}

# (domain id, domain name, current level, target level) per domain, in the framework's order.
ChartLines = tuple[tuple[str, str, str | None, str | None], ...]


def _radius(level: str | None) -> float:
    """Not yet sits on the innermost ring (1), Strategic on the outermost (4); no rating: NaN."""
    return rank(level) + 1.0 if rank(level) >= 0 else math.nan


def _closed(values: Sequence[float]) -> list[float]:
    return [*values, values[0]]


def _domain_label(ax: PolarAxes, angle: float) -> Any:
    """A domain's name outside the outer ring, aligned away from the chart (its text is set per
    variant), so long names stay readable at phone size."""
    x, y = math.sin(angle), math.cos(angle)
    return ax.text(
        angle,
        4.55,
        "",
        ha="left" if x > 0.2 else "right" if x < -0.2 else "center",
        va="bottom" if y > 0.2 else "top" if y < -0.2 else "center",
        fontsize=14,
        linespacing=1.1,
    )


def _label_text(angle: float, name: str, skipped: bool) -> str:
    """The name wrapped (narrower at the sides), marked when the domain was skipped."""
    wrapped = textwrap.fill(name, 14 if abs(math.sin(angle)) > 0.2 else 20)
    return wrapped + ("\n(skipped)" if skipped else "")


class _Canvas:
    """One thread's figure for charts of `count` domains: the shared parts of each variant
    drawn once and kept as a bitmap; the per-chart artists are `animated` (left out of it)."""

    def __init__(self, count: int) -> None:
        self.angles = _closed([2 * math.pi * i / count for i in range(count)])
        fig = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
        self.canvas = FigureCanvasAgg(fig)
        fig.subplots_adjust(left=0.22, right=0.78, top=0.76, bottom=0.2)
        ax = cast(PolarAxes, fig.add_subplot(projection="polar"))
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
        ax.set_xticks(self.angles[:-1], [])
        ax.grid(color="#BBBBBB", linewidth=0.8)
        self.ax = ax
        self.labels = [_domain_label(ax, angle) for angle in self.angles[:-1]]
        (self.now,) = ax.plot([], [], animated=True, **NOW_STYLE)
        (self.fill,) = ax.fill([0, 0, 0], [0, 0, 0], color=BLUE, alpha=0.18, animated=True)
        (self.target,) = ax.plot([], [], animated=True, **TARGET_STYLE)
        (self.previous,) = ax.plot([], [], animated=True, **PREVIOUS_STYLE)
        fig.suptitle("Your profile: now vs target", fontsize=19, fontweight="bold", y=0.975)
        self.date = fig.text(0.5, 0.905, "", ha="center", fontsize=13)
        keys = [
            Line2D([], [], label=name, **style)
            for name, style in (
                ("Now", NOW_STYLE),
                ("Target", TARGET_STYLE),
                ("Previous", PREVIOUS_STYLE),
            )
        ]
        self.legends = {
            with_previous: fig.legend(
                handles=keys if with_previous else keys[:2],
                loc="lower center",
                ncol=3,
                fontsize=14,
                frameon=False,
                bbox_to_anchor=(0.5, 0.01),
            )
            for with_previous in (True, False)
        }
        self.backgrounds: dict[tuple[Any, ...], tuple[Any, list[Any], Image.Image]] = {}

    def _background(
        self, lines: ChartLines, assessed_on: str, with_previous: bool
    ) -> tuple[Any, list[Any], Image.Image]:
        """The bitmap of everything but the lines, for this variant, the bitmaps of the level
        names (in their white boxes), which go back on top of the lines, and the variant's
        palette."""
        names = tuple((name, current is None) for _, name, current, _ in lines)
        key = (names, assessed_on, with_previous)
        if key not in self.backgrounds:
            self.date.set_text(f"Self-assessment of {assessed_on}")
            for angle, text, (name, skipped) in zip(self.angles, self.labels, names, strict=False):
                text.set_text(_label_text(angle, name, skipped))
            for shown, legend in self.legends.items():
                legend.set_visible(shown is with_previous)
            self.canvas.draw()
            if len(self.backgrounds) >= BACKGROUNDS:
                self.backgrounds.pop(next(iter(self.backgrounds)))
            renderer = self.canvas.get_renderer()
            patches = [text.get_bbox_patch() for text in self.ax.get_yticklabels()]
            level_names = [
                self.canvas.copy_from_bbox(patch.get_window_extent(renderer))
                for patch in patches
                if patch is not None  # each level name has its white box
            ]
            whole = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
            palette = self._palette(whole, level_names, with_previous)
            self.backgrounds[key] = (whole, level_names, palette)
        return self.backgrounds[key]

    def _palette(self, background: Any, level_names: list[Any], with_previous: bool) -> Any:
        """The variant's `COLOURS` colours, from a sample chart with every line of it crossing
        every other at every level: each chart of the variant is mapped onto them (a fraction
        of the time of finding each chart's own colours, and the same picture to the eye)."""
        count = len(self.angles) - 1
        levels = [float(1 + i % 4) for i in range(count)]
        sample = {
            self.now: levels,
            self.target: levels[1:] + levels[:1],
            self.previous: (levels[2:] + levels[:2]) if with_previous else [],
        }
        return self._pixels(background, level_names, sample).quantize(
            COLOURS, method=Image.Quantize.FASTOCTREE
        )

    def _pixels(
        self, background: Any, level_names: list[Any], radii: Mapping[Line2D, list[float]]
    ) -> Image.Image:
        """The background with these lines (and the area inside the current one) on it, as
        RGB pixels."""
        self.canvas.restore_region(background)
        for line, values in radii.items():
            line.set_data(self.angles if values else [], _closed(values) if values else [])
        now = _closed(radii[self.now])
        self.fill.set_xy(
            list(zip(self.angles, [0.0 if math.isnan(v) else v for v in now], strict=True))
        )
        for artist in (self.fill, self.now, self.target, self.previous):
            self.ax.draw_artist(artist)
        for region in level_names:
            self.canvas.restore_region(region)
        width, height = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba()).convert("RGB")

    def render(
        self, lines: ChartLines, assessed_on: str, previous: Mapping[str, str] | None
    ) -> bytes:
        background, level_names, palette = self._background(
            lines, assessed_on, previous is not None
        )
        radii = {
            self.now: [_radius(current) for _, _, current, _ in lines],
            self.target: [_radius(goal) for *_, goal in lines],
            self.previous: (
                [_radius(previous.get(domain_id)) for domain_id, *_ in lines] if previous else []
            ),
        }
        pixels = self._pixels(background, level_names, radii)
        out = BytesIO()
        pixels.quantize(palette=palette, dither=Image.Dither.NONE).save(
            out, format="PNG", compress_level=1
        )
        return out.getvalue()


_canvases: dict[int, _Canvas] = {}
#: Held while a figure is used: one chart at a time.
_drawing = threading.Lock()


def _canvas(count: int) -> _Canvas:
    """The figure for `count` domains (made the first time); hold `_drawing` to use it."""
    if count not in _canvases:
        _canvases[count] = _Canvas(count)
    return _canvases[count]


def chart_lines(plan: PlanData) -> ChartLines:
    return tuple((x.domain.id, x.domain.name, x.current, x.target) for x in plan.lines)


def chart_key(plan: PlanData, previous: Mapping[str, str] | None = None) -> str:
    """A digest of everything the chart shows: the same key, the same picture."""
    drawn = repr((STYLE, chart_lines(plan), plan.assessed_on, sorted((previous or {}).items())))
    return hashlib.sha256(drawn.encode()).hexdigest()


def render_radar(plan: PlanData, previous: Mapping[str, str] | None = None) -> bytes:
    """The chart as PNG bytes (1080 x 1080 px). Blocking: call it from a worker thread."""
    lines = chart_lines(plan)
    with _drawing:
        return _canvas(len(lines)).render(lines, plan.assessed_on, previous or None)


def caption(plan: PlanData) -> str:
    """The chart's facts as text (a photo caption, at most 1024 characters)."""
    lines = [
        f"{x.domain.name}: {label(x.current)} → {label(x.target) if x.target else 'no target'}"
        for x in plan.lines
    ]
    text = f"Your profile, assessed {plan.assessed_on}. Now vs target:\n" + "\n".join(lines)
    return utf16_clip(text, MAX_CAPTION)
