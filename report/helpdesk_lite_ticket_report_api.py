from odoo import api, models
from odoo.osv import expression

from odoo.addons.rating.models.rating_data import RATING_LIMIT_OK, RATING_LIMIT_SATISFIED

from ..models import helpdesk_lite_api_payload as payload_
from ..models.helpdesk_lite_ticket_api import API_CHANNELS, API_PRIORITIES, PRIORITY_WORDS

INTERVALS = {'day': 'day', 'week': 'week', 'month': 'month', 'quarter': 'quarter', 'year': 'year'}
DISTRIBUTIONS = {
    'status': 'lifecycle', 'priority': 'priority', 'category': 'category_id', 'team': 'team_id',
    'channel': 'channel', 'assignee': 'user_id', 'stage': 'stage_id',
}
AVERAGES = ['first_response_hours:avg', 'resolution_hours:avg', 'first_response_work_hours:avg',
            'resolution_work_hours:avg']


def _hours(value):
    return round(value, 2) if value is not None else None


class HelpdeskLiteTicketReportApi(models.Model):
    """Analytics of the JSON API, all read from the ticket analysis view with ``_read_group``: one
    grouped query per figure, whatever the number of tickets. Filters: ``date_from`` / ``date_to``
    (creation), ``team_id``, ``category_id`` (subcategories included), ``priority``, ``channel``."""
    _inherit = 'helpdesk.lite.ticket.report'

    @api.model
    def _api_domain(self, params):
        domain = []
        for name, operator in (('date_from', '>='), ('date_to', '<=')):
            if params.get(name):
                domain.append([('create_date', operator, payload_.parse_datetime(name, params[name]))])
        for name, operator in (('team_id', 'in'), ('category_id', 'child_of'), ('assignee_id', 'in')):
            if params.get(name):
                field = 'user_id' if name == 'assignee_id' else name
                domain.append([(field, operator, payload_.parse_id_list(name, params[name]))])
        if params.get('priority'):
            domain.append([('priority', 'in', payload_.parse_words('priority', params['priority'], API_PRIORITIES))])
        if params.get('channel'):
            domain.append([('channel', 'in', payload_.parse_words('channel', params['channel'], API_CHANNELS))])
        return expression.AND(domain) if domain else []

    @api.model
    def _api_figures(self, domain, groupby=()):
        """[(group values, figures)] of the usual measures per group (one query)."""
        aggregates = ['__count', 'sla_met_count:sum', 'sla_breached_count:sum', 'reopen_count:sum',
                      'rating:avg', 'csat:avg', *AVERAGES]
        rows = self._read_group(domain, list(groupby), aggregates)
        result = []
        for row in rows:
            keys, values = row[:len(groupby)], row[len(groupby):]
            count, met, breached, reopened, rating, csat, response, resolution, response_work, resolution_work = values
            result.append((keys, {
                'tickets': count,
                'sla_met': met,
                'sla_breached': breached,
                'sla_compliance': round(100.0 * met / (met + breached), 1) if met + breached else None,
                'reopened': reopened,
                'avg_rating': _hours(rating),
                'csat': _hours(csat),
                'avg_first_response_hours': _hours(response),
                'avg_resolution_hours': _hours(resolution),
                'avg_first_response_work_hours': _hours(response_work),
                'avg_resolution_work_hours': _hours(resolution_work),
            }))
        return result

    @api.model
    def _api_overview(self, params):
        domain = self._api_domain(params)
        figures = self._api_figures(domain)[0][1]
        by_status = dict(self._read_group(domain, ['lifecycle'], ['__count']))
        figures.update(
            open=sum(count for status, count in by_status.items() if status in ('new', 'open', 'pending')),
            by_status={status: by_status.get(status, 0) for status in ('new', 'open', 'pending', 'resolved', 'closed')},
            unassigned=self.search_count(expression.AND([domain, [('user_id', '=', False), ('is_closed', '=', False)]])),
        )
        return figures

    @api.model
    def _api_volume(self, params):
        interval = INTERVALS.get(params.get('interval') or 'day')
        if not interval:
            raise payload_.ApiBadRequest('interval', f'must be one of {", ".join(INTERVALS)}')
        domain = self._api_domain(params)
        created = dict(self._read_group(domain, [f'create_date:{interval}'], ['__count']))
        closed = dict(self._read_group(expression.AND([domain, [('closed_date', '!=', False)]]),
                                       [f'closed_date:{interval}'], ['__count']))
        periods = sorted(set(created) | set(closed))
        return {'interval': interval, 'series': [
            {'period': period.isoformat(), 'created': created.get(period, 0), 'closed': closed.get(period, 0)}
            for period in periods]}

    @api.model
    def _api_distribution(self, params):
        group_by = params.get('group_by') or 'status'
        field = DISTRIBUTIONS.get(group_by)
        if not field:
            raise payload_.ApiBadRequest('group_by', f'must be one of {", ".join(DISTRIBUTIONS)}')
        rows = self._read_group(self._api_domain(params), [field], ['__count'])
        labels = dict(self._fields[field]._description_selection(self.env)) \
            if self._fields[field].type == 'selection' else {}
        items = []
        for key, count in rows:
            if self._fields[field].type == 'many2one':
                item = {'key': key.id or None, 'label': key.display_name or None}
            else:
                item = {'key': PRIORITY_WORDS.get(key, key) if field == 'priority' else key or None,
                        'label': labels.get(key)}
            items.append(dict(item, count=count))
        return {'group_by': group_by, 'items': items, 'total': sum(item['count'] for item in items)}

    @api.model
    def _api_agents(self, params):
        domain = self._api_domain(params)
        closed = dict(self._read_group(expression.AND([domain, [('is_closed', '=', True)]]), ['user_id'], ['__count']))
        return {'agents': [dict(figures, assignee_id=user.id or None, assignee=user.name or None,
                                closed=closed.get(user, 0))
                           for (user,), figures in self._api_figures(domain, ['user_id'])]}

    @api.model
    def _api_sla_detailed(self, params):
        domain = self._api_domain(params)
        results = dict(self._read_group(domain, ['sla_result'], ['__count']))
        return {
            'overall': dict(self._api_figures(domain)[0][1], by_result={
                result: results.get(result, 0) for result in ('met', 'breached', 'running', 'none')}),
            'by_priority': [dict(figures, priority=PRIORITY_WORDS.get(priority))
                            for (priority,), figures in self._api_figures(domain, ['priority'])],
            'by_team': [dict(figures, team_id=team.id or None, team=team.display_name or None)
                        for (team,), figures in self._api_figures(domain, ['team_id'])],
        }

    @api.model
    def _api_csat(self, params):
        domain = expression.AND([self._api_domain(params), [('is_rated', '=', True)]])
        figures = self._api_figures(domain)[0][1]
        satisfied = self.search_count(expression.AND([domain, [('rating', '>=', RATING_LIMIT_SATISFIED)]]))
        dissatisfied = self.search_count(expression.AND([domain, [('rating', '<', RATING_LIMIT_OK)]]))
        return {
            'rated': figures['tickets'], 'avg_rating': figures['avg_rating'], 'csat': figures['csat'],
            'satisfied': satisfied, 'neutral': figures['tickets'] - satisfied - dissatisfied,
            'dissatisfied': dissatisfied,
        }

    @api.model
    def _api_peak_hours(self, params):
        rows = self._read_group(self._api_domain(params), ['create_weekday', 'create_hour'], ['__count'])
        cells = [{'weekday': int(weekday), 'hour': int(hour), 'count': count} for weekday, hour, count in rows]
        by_hour = {}
        for cell in cells:
            by_hour[cell['hour']] = by_hour.get(cell['hour'], 0) + cell['count']
        return {'cells': cells, 'by_hour': [{'hour': hour, 'count': by_hour.get(hour, 0)} for hour in range(24)],
                'timezone_note': "weekday (1 = Monday) and hour in the company's timezone"}
