"""The summary chart: each unit's figure against its target, as PNG bytes."""

from __future__ import annotations

import io
import warnings
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402


class FontMissing(RuntimeError):
    pass


@cache
def cjk_font() -> str:
    """Register the Noto Sans CJK font that mplfonts ships; a bare machine has no CJK font."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        raise FontMissing(f"the CJK font {path} is missing: reinstall mplfonts")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def bars_against_target(names: list[str], values: list[int], targets: list[int | None],
                        title: str, value_label: str, target_label: str) -> bytes:
    """Bars for this period's values, a tick for each unit's target; bars below it in red."""
    family = cjk_font()
    with warnings.catch_warnings():
        # A missing glyph would print boxes instead of Chinese: fail instead.
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
            fig, ax = plt.subplots(figsize=(7.0, 3.4), dpi=110)
            xs = range(len(names))
            colors = ["#c62828" if t is not None and v < t else "#2e7d32"
                      for v, t in zip(values, targets, strict=True)]
            ax.bar(xs, values, color=colors, width=0.6, label=value_label)
            marked = [(x, t) for x, t in zip(xs, targets, strict=True) if t is not None]
            if marked:  # one collection of ticks, not one per unit (the same picture, sooner)
                ax.hlines([t for _, t in marked], [x - 0.38 for x, _ in marked],
                          [x + 0.38 for x, _ in marked], colors="#263238", linewidth=2.2)
            ax.plot([], [], color="#263238", linewidth=2.2, label=target_label)
            for x, v in zip(xs, values, strict=True):
                ax.annotate(f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}", (x, v),
                            ha="center", va="bottom", fontsize=8)
            many = len(names) > 8  # tilt the names so that a dozen units stay readable
            ax.set_xticks(list(xs), names, fontsize=8, rotation=35 if many else 0,
                          ha="right" if many else "center")
            ax.set_title(title, fontsize=11)
            ax.set_ylim(0, max([*values, *(t or 0 for t in targets), 1]) * 1.2)
            ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2)
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            plt.close(fig)
    return buffer.getvalue()
