from lxml import html
from markupsafe import Markup

from odoo import api, models, tools
from odoo.tools import safe_eval

from ..tools.inline_template import compiled_inline_template, render_compiled

BATCH_RENDERED_MODELS = ('helpdesk.lite.ticket', 'helpdesk.lite.appointment')


class MailRenderMixin(models.AbstractModel):
    _inherit = 'mail.render.mixin'

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Render a QWeb mail body of tickets (or visits) with a compilation cached across calls.

        Odoo's loop parses and compiles the template source again for every record and every call (an
        lxml element is never cached by ir.qweb): for a stage change of hundreds of tickets, compiling
        is most of the status mail's cost, and every acknowledgement of an incoming email compiles it
        again, twice (Odoo first generates the code only to learn whether the body has more than plain
        field paths). Here that answer and the compiled source are cached like ir.qweb caches its views
        (by source, the options and ir.qweb's own cache keys, dropped with the templates cache), and the
        compiled function runs per ticket with exactly the values Odoo's loop gives it
        (``ir.qweb._render`` step by step). Any error falls back to Odoo's loop, which raises its usual
        messages.
        """
        if (model not in BATCH_RENDERED_MODELS or not res_ids or not template_src
                or not self._has_unsafe_expression_template_qweb_cached(template_src, model)):
            return super()._render_template_qweb(template_src, model, res_ids, add_context=add_context,
                                                 options=options)
        variables = self._render_eval_context()
        variables.update(add_context or {})
        options = dict(options or {})
        if not self._may_render_expressions():
            options['raise_on_forbidden_code_for_model'] = model
        qweb = self.env['ir.qweb'].with_context(**options)
        results = {}
        try:
            functions, def_name = self._compile_template_qweb(template_src, frozenset(options.items()))
            for record in self.env[model].browse(res_ids):
                values = dict(variables, object=record)
                rendering_qweb = qweb._prepare_environment(values)
                safe_eval.check_values(values)
                # drop the <div> wrapped around the template's nodes, as Odoo's loop does
                results[record.id] = Markup(''.join(functions[def_name](rendering_qweb, values)))[5:-6]
        except Exception:  # noqa: BLE001 - Odoo's own loop reports the error as usual
            return super()._render_template_qweb(template_src, model, res_ids, add_context=add_context,
                                                 options=options)
        return results

    @api.model
    @tools.ormcache('template_src', 'options', 'tuple(self.env.context.get(key) for key in '
                    'self.env["ir.qweb"]._get_template_cache_keys())', cache='templates')
    def _compile_template_qweb(self, template_src, options):
        qweb = self.env['ir.qweb'].with_context(**dict(options))
        return qweb._prepare_environment({})._compile(html.fragment_fromstring(template_src, create_parent='div'))

    @api.model
    @tools.ormcache('template_src', 'model', cache='templates')
    def _has_unsafe_expression_template_qweb_cached(self, template_src, model):
        # a function of the source and the model's fields only; errors are raised, never cached
        return self._has_unsafe_expression_template_qweb(template_src, model)

    @api.model
    def _render_template_inline_template(self, template_txt, model, res_ids, add_context=None, options=None):
        """Render an inline template of tickets (or visits) compiled once (``tools/inline_template.py``)
        instead of once per record and expression. Templates that Odoo renders without evaluating
        anything, users who may not render expressions and any error go to Odoo's own path, which
        answers or raises as usual."""
        if (model not in BATCH_RENDERED_MODELS or not template_txt or not res_ids
                or not self._has_unsafe_expression_template_inline_template(str(template_txt), model)
                or not self._may_render_expressions()):
            return super()._render_template_inline_template(template_txt, model, res_ids,
                                                            add_context=add_context, options=options)
        variables = self._render_eval_context()
        variables.update(add_context or {})
        results = {}
        try:
            instructions = compiled_inline_template(str(template_txt))
            for record in self.env[model].browse(res_ids):
                variables['object'] = record
                results[record.id] = render_compiled(instructions, variables)
        except Exception:  # noqa: BLE001 - Odoo's own loop reports the error as usual
            return super()._render_template_inline_template(template_txt, model, res_ids,
                                                            add_context=add_context, options=options)
        return results

    def _may_render_expressions(self):
        """Odoo's rule for rendering expressions beyond plain field paths: unrestricted rendering, an
        administrator or a template editor."""
        return (self._unrestricted_rendering or self.env.is_admin()
                or self.env.user.has_group('mail.group_mail_template_editor'))
