"""The results dashboard's table cells, written in Python: the page has about 80 rows (months,
agencies, lines…), and an `{% include %}` per row cost more than all of the page's queries."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tsunagu.surveys.results import Figure

register = template.Library()

INSUFFICIENT = '<span class="insufficient">回答数不足</span>'


@register.filter
def figure_cells(f: Figure) -> SafeString:
    """The cells of one Figure row: responses, NPS with its 95% interval, NPS n, mean satisfaction."""
    if f.nps.suppressed:
        nps = format_html(INSUFFICIENT)
    else:
        nps = format_html(
            '{} <span class="meta">({}〜{})</span>',
            f.nps.display,
            floatformat(f.nps.low, 0),
            floatformat(f.nps.high, 0),
        )
    satisfaction = format_html(INSUFFICIENT) if f.satisfaction.suppressed else f.satisfaction.display
    return format_html(
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>',
        f.responses,
        nps,
        f.nps.n,
        satisfaction,
    )
