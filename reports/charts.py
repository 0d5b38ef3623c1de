"""Chart renderer: results → SVG with pygal, drawn on the server.

The same SVG serves the web pages (as an ``<img>``, so it needs no script and no CDN and shows
in a browser without JavaScript) and the PDF (WeasyPrint draws it as vector graphics). pygal's
interactive script is left out. Every chart is shown with its numbers in a table under it
(screen readers, copying); the image's alternative text says so.
"""

import base64
import re
from collections.abc import Sequence

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from scoring.results import GroupTally, combine

NO_TTHC_COLOUR = "#9e9e9e"
PENDING_COLOUR = "#e0e0e0"
SANS = '"DejaVu Sans", "Noto Sans", Arial, sans-serif'
SERIF = '"Liberation Serif", "Times New Roman", serif'
_SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)
_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def colour(value: str | None) -> str | None:
    """A band's colour as "#rrggbb", or None when the criteria set gives none or something
    that is not a colour (it goes into CSS, SVG and Excel)."""
    found = _COLOUR.fullmatch(value or "")
    if not found:
        return None
    digits = found.group(1)
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits).lower()


def _ink(fill: str) -> str:
    """Black or white, whichever reads on ``fill`` (a value printed on its bar)."""
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"


def _style(colours: Sequence[str], font: str, size: int = 14) -> Style:
    return Style(
        background="white",
        plot_background="white",
        foreground="#222",
        foreground_strong="#000",
        foreground_subtle="#bbb",
        colors=tuple(colours),
        value_colors=tuple(_ink(colour(c) or "#000000") for c in colours),
        opacity="1",
        opacity_hover=".85",
        font_family=font,
        title_font_family=font,
        label_font_family=font,
        major_label_font_family=font,
        legend_font_family=font,
        value_font_family=font,
        value_label_font_family=font,
        title_font_size=size + 4,
        label_font_size=size,
        major_label_font_size=size,
        legend_font_size=size,
        value_font_size=size,
    )


def _render(chart) -> str:
    svg = chart.render(is_unicode=True)
    return _SCRIPT.sub("", svg)


def _config(title: str, colours: Sequence[str], font: str, size: int = 14, **options) -> dict:
    return {
        "title": title,
        "style": _style(colours, font, size),
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "print_values": True,
        "print_zeroes": False,
        "show_y_guides": True,
        "width": 800,
        "height": 420,
        "margin_right": 40,
        "truncate_label": -1,
        "truncate_legend": -1,
        **options,
    }


def _series(tallies: list[GroupTally], none_label: str, pending_label: str):
    """(name, colour, values per tally) for every band with units, best first, then "no
    procedure arose" and "not approved yet" where any. Bands are matched by label, so
    tallies of periods with different criteria sets line up."""
    series = []
    for count in combine(tallies, "").bands:
        label = count.band["label"]
        values = [t.count(label) for t in tallies]
        if any(values):
            series.append((label, colour(count.band.get("colour")) or "#1565c0", values))
    for name, fill, values in (
        (none_label, NO_TTHC_COLOUR, [t.no_tthc for t in tallies]),
        (pending_label, PENDING_COLOUR, [t.pending for t in tallies]),
    ):
        if any(values):
            series.append((name, fill, values))
    return series


def band_chart(tallies: list[GroupTally], *, title: str = "", document: bool = False) -> str:
    """Units per band per report group, as stacked bars in the bands' colours.

    ``document``: for the PDF (Vietnamese whatever the interface language, the report's font).
    """
    if document:
        none_label, pending_label = "Không phát sinh TTHC", "Chưa duyệt"
    else:
        none_label, pending_label = _("No procedure arose"), _("Not approved yet")
    series = _series(tallies, none_label, pending_label)
    chart = pygal.StackedBar(
        **_config(
            title,
            [fill for _name, fill, _values in series] or ["#1565c0"],
            SERIF if document else SANS,
            20 if document else 14,  # a 15 cm wide figure in the document
            y_title=_("units") if not document else "đơn vị",
        )
    )
    chart.x_labels = [t.label for t in tallies]
    for name, _colour, values in series:
        chart.add(name, values)
    return _render(chart)


def stacked_chart(
    title: str, labels: list[str], series: list[tuple[str, str, list[int]]], *, horizontal=False
) -> str:
    """Stacked bars: ``series`` are (name, colour, one value per label)."""
    kind = pygal.HorizontalStackedBar if horizontal else pygal.StackedBar
    chart = kind(**_config(title, [fill for _n, fill, _v in series] or ["#1565c0"], SANS))
    chart.x_labels = labels
    for name, _colour, values in series:
        chart.add(name, values)
    return _render(chart)


def line_chart(title: str, labels: list[str], series: list[tuple[str, list]], **options) -> str:
    """Lines over periods: ``series`` are (name, one value or None per label)."""
    colours = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a"]
    chart = pygal.Line(**_config(title, colours, SANS, allow_interruptions=True, **options))
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _render(chart)


def data_uri(svg: str) -> str:
    """The SVG as an ``<img src>``: the page's policy allows images from ``data:``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
