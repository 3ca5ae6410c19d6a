"""The targets-vs-actuals chart as a PNG (matplotlib, headless). Labels come from the model."""
from __future__ import annotations

import io
import math
import textwrap
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from meapp.reports.text import clean  # noqa: E402

ACCENT, TARGET = "#1F5F99", "#9AA5B1"
CM = 1 / 2.54


def render_png(chart) -> tuple[bytes, float, float]:
    """PNG bytes and the image's width and height in centimetres."""
    count = len(chart.series)
    cols = 1 if count == 1 else 2
    rows = math.ceil(count / cols)
    width, height = 17.0, 5.2 * rows + 0.8
    fig, axes = plt.subplots(rows, cols, figsize=(width * CM, height * CM), dpi=150, squeeze=False)
    for ax, series in zip(axes.flat, chart.series, strict=False):
        xs = range(len(series.periods))
        ax.plot(xs, [math.nan if v is None else v for v in series.targets], color=TARGET, linestyle="--",
                linewidth=1.2, label=chart.target_label)
        ax.plot(xs, [math.nan if v is None else v for v in series.actuals], color=ACCENT, marker="o", markersize=2.5,
                linewidth=1.6, label=chart.actual_label)
        # parse_math off: a name with two "$" would otherwise be read as TeX, and crash when it is not valid TeX.
        title = "\n".join(textwrap.wrap(clean(series.label), 60 if cols == 2 else 110)[:2])
        ax.set_title(title, fontsize=6.5, loc="left", parse_math=False)
        step = max(1, math.ceil(len(series.periods) / (5 if cols == 2 else 10)))
        ax.set_xticks(list(xs)[::step], list(series.periods)[::step], fontsize=6)
        ax.tick_params(axis="y", labelsize=6)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _p: f"{v:,.0f}".replace(",", chart.group_symbol)))
        ax.grid(axis="y", color="#E5E9EF", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in list(axes.flat)[count:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=7, frameon=False)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a glyph the font lacks (emoji) is drawn as a box
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue(), width, height
