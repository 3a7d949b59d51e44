"""Inline templates (``{{ expression }}`` in a mail template's subject, recipients, language...) parsed
and compiled once per distinct text, then evaluated per record.

Odoo's ``render_inline_template`` goes through ``safe_eval`` for every expression of every record, and
``safe_eval`` parses, checks and compiles the expression each time: for a status mail of 500 tickets,
5,000 compilations (ten per ticket) of the same seven expressions. Here the parsing and ``safe_eval.test_expr`` (the same
opcode check) run once per text, and each evaluation gets what ``safe_eval`` gives it: a copy of the
variables, their ``check_values``, and the sandbox's builtins only.
"""
import functools

from odoo.tools import safe_eval
from odoo.tools.rendering_tools import parse_inline_template


@functools.lru_cache(maxsize=512)
def compiled_inline_template(template_txt):
    """((literal, code object or None, default), ...) of a template text; raises as ``safe_eval`` does on a
    forbidden or invalid expression (nothing is cached then)."""
    return tuple(
        (literal, safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES, mode='eval') if expression else None,
         default)
        for literal, expression, default in parse_inline_template(template_txt))


def render_compiled(instructions, variables):
    """The text of ``compiled_inline_template(...)`` for these variables, as ``render_inline_template``
    makes it."""
    safe_eval.check_values(variables)
    results = []
    for literal, code, default in instructions:
        results.append(literal)
        if code is not None:
            scope = dict(variables, __builtins__=safe_eval._BUILTINS)
            result = safe_eval.unsafe_eval(code, scope) or default  # the code passed safe_eval's check
            if result:
                results.append(str(result))
    return ''.join(results)
