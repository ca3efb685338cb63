"""Plotly templates for the screen and for meeting mode, and the colours that mean the same thing everywhere.

Meeting mode is for a projector or a screenshot: chart text of at least 16 px, black on white,
thicker lines. Both modes use the Okabe-Ito colour-blind-safe palette (extended, for items beyond
its seven colours, by Paul Tol's muted palette, also designed for colour-blind readers), and an item
or a treatment keeps its colour in every chart.
"""

from __future__ import annotations

import datetime as dt
import zlib

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from oms_dash.problems import plural  # also theme.plural for the chart builders

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
# Paul Tol's muted scheme: only for the items the seven Okabe-Ito colours cannot cover.
TOL_MUTED: dict[str, str] = {
    "wine": "#882255", "indigo": "#332288", "teal": "#44AA99", "olive": "#999933", "purple": "#AA4499",
}
PALETTE: tuple[str, ...] = (
    OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"], OKABE_ITO["yellow"],
    TOL_MUTED["wine"], TOL_MUTED["indigo"], TOL_MUTED["teal"], TOL_MUTED["olive"], TOL_MUTED["purple"],
)
GROUP_COLOR = OKABE_ITO["black"]  # the group median / total: never an item's colour
MEMBER_COLOR = "#8C8C8C"  # thin member lines behind a group band
BAND_OPACITY = 0.25

_ITEM_COLORS: dict[str, str] = {
    "opsoclonus": OKABE_ITO["blue"], "myoclonus": OKABE_ITO["vermillion"],
    "stance": OKABE_ITO["bluish_green"], "gait": OKABE_ITO["orange"],
    "arm_hand": OKABE_ITO["reddish_purple"], "speech": OKABE_ITO["sky_blue"],
    "mood_behaviour": TOL_MUTED["indigo"], "sleep": TOL_MUTED["wine"],
    "tremor": TOL_MUTED["teal"], "drooling": TOL_MUTED["olive"], "vomiting": OKABE_ITO["yellow"],
    "hypotonia": TOL_MUTED["purple"],
}
# Treatments in earth tones and greys that no symptom line uses: a treatment lane never reads as a
# symptom (orange ACTH was taken for the orange walking line). Told apart by their labels, and
# by lightness as well as hue.
TREATMENT_PALETTE: tuple[str, ...] = (
    "#6F4E37", "#A67C52", "#4D4D4D", "#8C7853", "#3E2723", "#A1887F", "#5D6D5B", "#7B6A58",
)
_TREATMENT_COLORS: dict[str, str] = {
    "acth": TREATMENT_PALETTE[0], "dexamethasone": TREATMENT_PALETTE[1],
    "methylprednisolone": TREATMENT_PALETTE[2], "prednisolone": TREATMENT_PALETTE[3],
    "ivig": TREATMENT_PALETTE[4], "rituximab": TREATMENT_PALETTE[5],
    "cyclophosphamide": TREATMENT_PALETTE[6], "chemotherapy": TREATMENT_PALETTE[7],
    "tumour_surgery": TREATMENT_PALETTE[2], "trazodone": TREATMENT_PALETTE[1],
    "clonazepam": TREATMENT_PALETTE[3], "therapy": TREATMENT_PALETTE[6],
}
EVENT_STYLES: dict[str, tuple[str, str]] = {  # kind -> (colour, marker symbol): never colour alone
    "infection": (OKABE_ITO["vermillion"], "triangle-up"),
    "vaccination": (OKABE_ITO["blue"], "diamond"),
    "steroid_taper": (OKABE_ITO["orange"], "triangle-down"),
    "relapse": (OKABE_ITO["black"], "star-open"),  # noted by the family; the rule's finding is an x
    "other": ("#595959", "circle-open"),
}
# Severity, one sequential scale everywhere (heatmaps, latest-state bars): light grey for none to
# dark blue for severe. One hue ordered by lightness reads the same with every colour-vision
# deficiency and in greyscale; "none" is grey, not white, so it differs from "nothing logged".
LEVEL_COLORS: tuple[str, ...] = ("#E6E6E6", "#9ECAE1", "#3182BD", "#08306B")  # none, mild, moderate, severe
SEVERITY_SCALE = [[i / (len(LEVEL_COLORS) - 1), c] for i, c in enumerate(LEVEL_COLORS)]
NOT_YET_COLOR = "#BDBDBD"  # completeness: weeks before a member's first log
DIVERGING_SCALE = "PuOr"

FONT_FAMILY = "Atkinson Hyperlegible, Verdana, DejaVu Sans, Arial, sans-serif"
SCREEN_SIZES = {"base": 13, "title": 18, "subtitle": 13, "tick": 12, "legend": 12, "annotation": 12}
MEETING_SIZES = {"base": 18, "title": 26, "subtitle": 18, "tick": 16, "legend": 16, "annotation": 16}


def _stable_pick(key: str) -> str:
    # crc32, not hash(): the same custom item gets the same colour in every process.
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def color_for_item(item_id: str) -> str:
    """The item's colour in every chart; items outside the vocabulary get a stable palette colour."""
    return _ITEM_COLORS.get(item_id) or _stable_pick(f"item:{item_id}")


def color_for_treatment(treatment_id: str) -> str:
    """The treatment's colour in every chart (bands, lanes, legends): never a symptom's colour."""
    return _TREATMENT_COLORS.get(treatment_id) or TREATMENT_PALETTE[
        zlib.crc32(f"treatment:{treatment_id}".encode()) % len(TREATMENT_PALETTE)]


def event_style(kind: str) -> tuple[str, str]:
    """(colour, marker symbol) for an event kind."""
    return EVENT_STYLES.get(kind, EVENT_STYLES["other"])


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def sizes(meeting: bool) -> dict[str, int]:
    return dict(MEETING_SIZES if meeting else SCREEN_SIZES)


def line_width(meeting: bool, strong: bool = False) -> float:
    """Line width for a series (strong: the group median or the total)."""
    if meeting:
        return 5.0 if strong else 3.0
    return 3.0 if strong else 1.6


def _build(meeting: bool) -> go.layout.Template:
    s = sizes(meeting)
    ink = "#000000" if meeting else "#262626"
    grid = "#A6A6A6" if meeting else "#E5E5E5"
    axis = dict(title=dict(font=dict(size=s["base"], color=ink)), tickfont=dict(size=s["tick"], color=ink),
                gridcolor=grid, linecolor=ink, zerolinecolor=grid, showline=True, ticks="outside",
                automargin=True)
    template = go.layout.Template()
    template.layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=s["base"], color=ink),
        title=dict(font=dict(size=s["title"], color=ink), x=0.012, xanchor="left",
                   subtitle=dict(font=dict(size=s["subtitle"], color=ink))),
        paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF",
        colorway=list(PALETTE),
        xaxis=axis, yaxis=axis,
        legend=dict(font=dict(size=s["legend"], color=ink), title=dict(font=dict(size=s["legend"])),
                    # The plot gets the width: the legend goes in a row underneath (a legend on the
                    # right shrinks a wide chart to about half).
                    orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0, xanchor="left"),
        hoverlabel=dict(font=dict(size=s["legend"])),
        annotationdefaults=dict(font=dict(size=s["annotation"], color=ink)),
        coloraxis=dict(colorbar=dict(tickfont=dict(size=s["tick"]), title=dict(font=dict(size=s["base"])))),
        margin=dict(l=70, r=30, t=100 if meeting else 80, b=110 if meeting else 95),
    )
    template.data.scatter = [go.Scatter(line=dict(width=line_width(meeting)))]
    template.data.scattergl = [go.Scattergl(line=dict(width=line_width(meeting)))]
    template.data.heatmap = [go.Heatmap(colorbar=dict(tickfont=dict(size=s["tick"]),
                                                      title=dict(font=dict(size=s["base"]))))]
    return template


SCREEN_TEMPLATE = _build(meeting=False)
MEETING_TEMPLATE = _build(meeting=True)
pio.templates["oms_screen"] = SCREEN_TEMPLATE
pio.templates["oms_meeting"] = MEETING_TEMPLATE
# Every figure starts from the screen template, not from plotly's own (which each new figure
# copied, only for charts._finish to replace it by validating ours): the Overview's three figures
# take a fifth less time to build (e.g. the group course on 13 of 40 families, 37 -> 28 ms).
pio.templates.default = "oms_screen"


# A 1280x720 projector: under Streamlit's menu bar (72 px) the chart (its title block inside) and
# the caption under it (a 16 px gap and two lines at meeting type, 46 px) fit the screen's height.
# Measured in Chromium (tests/browser/test_flows.py): at 600 px a two-line caption ended at 738 px.
MEETING_MAX_HEIGHT = 560


def chart_height(meeting: bool) -> int:
    """A chart's height when its builder gives none. Meeting type and its title block need a taller
    chart, or a projector shows a thin strip of plot. (Set on the figure itself: Streamlit reads
    the figure's height, not its template's.)"""
    return MEETING_MAX_HEIGHT if meeting else 480


def _luminance(hex_color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    h = hex_color.lstrip("#")
    r, g, b = (channel(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21); AA asks 4.5 for body text."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def template(meeting: bool) -> go.layout.Template:
    """The plotly template for the mode (also registered as "oms_screen" / "oms_meeting")."""
    return MEETING_TEMPLATE if meeting else SCREEN_TEMPLATE


def _day(value) -> str:
    return f"{pd.Timestamp(value):%-d %b %Y}"


def relative_span(date_min, date_max) -> str:
    """A span in words without dates ("about 19 months"), for screenshots shared outside the group."""
    days = int((pd.Timestamp(date_max) - pd.Timestamp(date_min)).days) + 1
    if days < 15:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 90:
        return f"about {round(days / 7)} weeks"
    if days < 730:
        return f"about {round(days / 30.44)} months"
    return f"about {days / 365.25:.1f} years"


def members_text(n: int) -> str:
    return plural(int(n), "member")


def caption(n_members: int, date_min, date_max, relative: bool = False, today: dt.date | None = None) -> str:
    """The words under every chart: "12 members · 3 Mar 2025 – 31 Oct 2026 · generated on 25 Nov 2026
    with oms_dash · not medical advice". relative=True gives the span's length instead of its dates."""
    members = members_text(n_members)
    if date_min is None or date_max is None or pd.isna(date_min) or pd.isna(date_max):
        span = "no dates"
    elif relative:
        span = relative_span(date_min, date_max)
    else:
        span = f"{_day(date_min)} – {_day(date_max)}"
    generated = _day(today or dt.date.today())
    return f"{members} · {span} · generated on {generated} with oms_dash · not medical advice"
