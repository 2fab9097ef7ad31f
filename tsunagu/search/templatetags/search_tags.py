from django import template

from tsunagu.search.query import HINT

register = template.Library()


@register.simple_tag
def search_hint() -> str:
    """The search box's hint: the same text as the API's description of `q` (search.query.HINT)."""
    return HINT
