"""The RPC calls the Odoo 18 web client makes to open a list or a kanban view, built from the views.

Only what matters for the server's work is reproduced: the field specification derived from the
view arch (as ``getFieldsSpec`` does in web/static/src/model/relational_model/utils.js), the
action's default filters, the limits (80 rows in a list, 40 cards per kanban column, counts limited
to 10,000) and the calls: ``web_search_read`` for a list; ``web_read_group`` + ``read_progress_bar``
+ one ``web_search_read`` per unfolded, non-empty column for a kanban view.
"""
import ast
from dataclasses import dataclass

from lxml import etree

from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval

LIST_LIMIT = 80
KANBAN_LIMIT = 40
COUNT_LIMIT = 10_000

# fieldDependencies of the activity widgets (mail/static/src/views/web/fields/*_activity)
ACTIVITY_WIDGET_FIELDS = {
    'activity_exception_decoration': {}, 'activity_exception_icon': {}, 'activity_state': {},
    'activity_summary': {}, 'activity_type_icon': {}, 'activity_type_id': {'fields': {'display_name': {}}},
}


@dataclass
class ViewLoad:
    model: object             # the model, with the web client's context and user
    view_type: str
    specification: dict
    domain: list
    arch: object              # lxml root of the processed arch

    @property
    def fields(self):
        return list(self.specification)


def web_context(env, user, action_context=None):
    """The context the web client sends: user context, company, bin_size, the action's context."""
    ctx = dict(env['res.users'].with_user(user).context_get())
    ctx.update(uid=user.id, allowed_company_ids=user.company_ids.ids[:1] or [user.company_id.id], bin_size=True)
    ctx.update(action_context or {})
    return ctx


def action_load(env, user, action_xmlid, view_type):
    """What opening ``action_xmlid`` in ``view_type`` asks: processed arch -> specification, and the
    domain of the action's default filters (``search_default_*``)."""
    action = env.ref(action_xmlid).sudo()
    action_context = ast.literal_eval(action.context or '{}')
    ctx = web_context(env, user, action_context)
    model = env[action.res_model].with_user(user).with_context(ctx)
    views = model.get_views([(False, view_type), (action.search_view_id.id or False, 'search')])
    arch = etree.fromstring(views['views'][view_type]['arch'])
    fields_info = views['models'][action.res_model]['fields']
    spec = specification(arch, view_type, fields_info)
    search_arch = etree.fromstring(views['views']['search']['arch'])
    domain = default_filters_domain(search_arch, ctx, user)
    if action.domain:
        domain = expression.AND([safe_eval(action.domain, {'uid': user.id, 'context': ctx}), domain])
    return ViewLoad(model=model, view_type=view_type, specification=spec, domain=domain, arch=arch)


def specification(arch, view_type, fields_info):
    if view_type == 'list':
        nodes = [node for node in arch.iterchildren('field')]
    else:
        nodes = list(arch.iter('field'))
    spec = {}
    for node in nodes:
        name = node.get('name')
        info = fields_info.get(name)
        if not info:
            continue
        invisible = node.get('invisible') in ('1', 'True') or node.get('column_invisible') in ('1', 'True')
        widget = node.get('widget')
        ftype = info['type']
        if ftype in ('many2one', 'reference'):
            spec[name] = {'fields': {} if invisible else {'display_name': {}}}
        elif ftype in ('one2many', 'many2many'):
            if widget in ('list_activity', 'kanban_activity'):
                spec[name] = {}
                spec.update(ACTIVITY_WIDGET_FIELDS)
            elif widget in ('many2many_tags', 'many2many_avatar_user', 'many2many_tags_avatar') and not invisible:
                related = {'display_name': {}}
                options = ast.literal_eval(node.get('options') or '{}')
                if options.get('color_field'):
                    related[options['color_field']] = {}
                spec[name] = {'fields': related}
            else:
                spec[name] = {}
        else:
            spec.setdefault(name, {})
    return spec


def default_filters_domain(search_arch, context, user):
    defaults = {key[len('search_default_'):] for key, value in context.items()
                if key.startswith('search_default_') and value}
    domains = []
    for node in search_arch.iter('filter'):
        if node.get('name') in defaults and node.get('domain'):
            domains.append(safe_eval(node.get('domain'), {'uid': user.id, 'context': context}))
    return expression.AND(domains) if domains else []


def _next_request(model):
    """Each call of the web client is its own request, with an empty record cache."""
    model.env.invalidate_all()


def list_load(view):
    """Open the list view: 80 rows in the default order, count limited to 10,000."""
    return view.model.web_search_read(
        view.domain, view.specification, offset=0, limit=LIST_LIMIT, order='', count_limit=COUNT_LIMIT + 1)


def kanban_load(view):
    """Open the kanban view grouped by its default group-by: the groups, the progress bars, then the
    first 40 cards of every unfolded non-empty column."""
    model = view.model
    group_by = view.arch.get('default_group_by')
    fields_info = model.fields_get(view.fields, attributes=['aggregator'])
    aggregates = [f'{name}:{info["aggregator"]}' for name, info in fields_info.items()
                  if info.get('aggregator') and name != group_by]
    groups = model.web_read_group(view.domain, aggregates, [group_by], lazy=True, orderby='')
    progress_bar = view.arch.find('progressbar')
    if progress_bar is not None:
        _next_request(model)
        model.read_progress_bar(view.domain, group_by, {
            'field': progress_bar.get('field'), 'colors': ast.literal_eval(progress_bar.get('colors') or '{}'),
        })
    limit = int(view.arch.get('limit') or KANBAN_LIMIT)
    cards = 0
    for group in groups['groups']:
        if group.get('__fold') or not group.get(f'{group_by}_count'):
            continue
        value = group[group_by]
        _next_request(model)
        ctx = dict(model.env.context, **{f'default_{group_by}': value[0] if isinstance(value, tuple) else value})
        res = model.with_context(ctx).web_search_read(
            group['__domain'], view.specification, offset=0, limit=limit, order='', count_limit=COUNT_LIMIT + 1)
        cards += len(res['records'])
    return {'groups': len(groups['groups']), 'cards': cards}
