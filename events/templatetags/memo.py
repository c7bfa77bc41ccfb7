"""`{% memo key … %}…{% endmemo %}`: a piece of the layout rendered once per process and key.

For markup that is the same on every page given a few values, such as the footer (the language)
or the header's navigation (the language, the current section, whether someone is signed in):
the whole layout was about a fifth of an uncached session page (0.7-1.1 of 4.8-5.2 ms of CPU),
and rendering its fixed parts once per key saved about half of that, for output that never
changes between requests.

The key is always the active language and the URL prefix, plus the values given. The body must
depend on nothing else: no CSRF token, no user's name, no content that can change (pass the
content as a key value instead, like the series title), no request path unless the page's full
address is a key value (`site_page_url`, as for the language links: a page's links to itself in
each language). Memoised output is kept per template node, so per compiled template, for the
life of the process; a node keeps at most `MAX_VARIANTS` outputs (a key fed by something
unbounded would otherwise grow without limit).
"""

from django import template
from django.urls import get_script_prefix
from django.utils.translation import get_language

register = template.Library()

MAX_VARIANTS = 64


class MemoNode(template.Node):
    def __init__(self, nodelist: template.NodeList, keys: list):
        self.nodelist = nodelist
        self.keys = keys
        self.rendered: dict[tuple, str] = {}

    def render(self, context) -> str:
        key = (get_language(), get_script_prefix(), *(str(value.resolve(context)) for value in self.keys))
        output = self.rendered.get(key)
        if output is None:
            output = self.nodelist.render(context)
            if len(self.rendered) >= MAX_VARIANTS:
                self.rendered.clear()
            self.rendered[key] = output
        return output


@register.tag
def memo(parser, token):
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, keys)
