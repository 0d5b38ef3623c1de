"""The heat map's cells, written in Python: a 600-unit period has 5 400 of them, and the
template engine would spend most of the page's time on them (``bench/dashboard.py``)."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def heat_cells(row, card_url: str):
    """One ``<td>`` per criterion: its level as the class, the points linking to the card."""
    return format_html_join(
        "",
        '<td class="num lv-{}" data-criterion="{}"><a href="{}">{}</a></td>',
        ((cell.level, cell.code, card_url, cell.text or "·") for cell in row.cells),
    )
