from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.rating.models.rating_data import RATING_LIMIT_MIN, RATING_LIMIT_SATISFIED

from ..models.helpdesk_lite_stage import LIFECYCLE_SELECTION
from ..models.helpdesk_lite_ticket import CHANNEL_SELECTION, PRIORITY_SELECTION

WEEKDAY_SELECTION = [
    ('1', 'Monday'), ('2', 'Tuesday'), ('3', 'Wednesday'), ('4', 'Thursday'),
    ('5', 'Friday'), ('6', 'Saturday'), ('7', 'Sunday'),
]
HOUR_SELECTION = [(f'{hour:02d}', f'{hour:02d}:00') for hour in range(24)]


class HelpdeskLiteTicketReport(models.Model):
    """Ticket analysis: one row per (active, not merged-away) ticket, for pivot and graph views.

    Times are measured from the ticket's creation:
    - ``first_response_hours`` / ``resolution_hours``: wall-clock hours until the first public agent
      reply / until the ticket entered a closing stage (empty while that has not happened);
    - ``*_work_hours``: the same spans counted in working hours of the ticket's working-time calendar
      (stored on the ticket when the event happens, see ``helpdesk.lite.ticket._compute_work_hours``);
    - SLA met/breached compares the SLA deadline with the closed date, or with now for open tickets:
      open tickets that are not yet due count neither as met nor as breached.
    Weekday and hour of creation are in the company's timezone (its working-time calendar's, else
    its address's, else UTC) because the peak-hours view must show local office hours.
    """
    _name = 'helpdesk.lite.ticket.report'
    _description = 'Helpdesk Lite Ticket Analysis'
    _auto = False
    _rec_name = 'name'
    _order = 'create_date desc'

    ticket_id = fields.Many2one('helpdesk.lite.ticket', string='Ticket', readonly=True)
    name = fields.Char(string='Title', readonly=True)
    number = fields.Char(string='Ticket Number', readonly=True)

    # --- dimensions ----------------------------------------------------------
    create_date = fields.Datetime(string='Created on', readonly=True)
    create_weekday = fields.Selection(WEEKDAY_SELECTION, string='Weekday Created', readonly=True)
    create_hour = fields.Selection(HOUR_SELECTION, string='Hour Created', readonly=True)
    closed_date = fields.Datetime(string='Closed on', readonly=True)
    company_id = fields.Many2one('res.company', string='Company', readonly=True)
    team_id = fields.Many2one('helpdesk.lite.team', string='Team', readonly=True)
    category_id = fields.Many2one('helpdesk.lite.category', string='Category', readonly=True)
    # Grouping by a many2many puts a ticket in the group of each of its subjects: the subject groups
    # add up to more than the number of tickets (the pivot's total row stays right).
    tag_ids = fields.Many2many(
        'helpdesk.lite.tag', 'helpdesk_lite_ticket_tag_rel', 'ticket_id', 'tag_id', string='Subjects',
        readonly=True)
    priority = fields.Selection(PRIORITY_SELECTION, readonly=True)
    channel = fields.Selection(CHANNEL_SELECTION, readonly=True)
    user_id = fields.Many2one('res.users', string='Assignee', readonly=True)
    stage_id = fields.Many2one('helpdesk.lite.stage', string='Stage', readonly=True)
    lifecycle = fields.Selection(LIFECYCLE_SELECTION, string='Status', readonly=True)
    is_closed = fields.Boolean(string='Closed', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    commercial_partner_id = fields.Many2one('res.partner', string='Customer Company', readonly=True)
    resolve_deadline = fields.Datetime(
        string='Resolution Deadline', readonly=True,
        help="The ticket's effective resolution deadline: its manual SLA deadline, else its policy's.")
    sla_result = fields.Selection(
        [('met', 'Met'), ('breached', 'Breached'), ('running', 'Not yet due'), ('none', 'No SLA')],
        string='SLA Result', readonly=True)
    is_rated = fields.Boolean(string='Rated', readonly=True)

    # --- measures ------------------------------------------------------------
    ticket_count = fields.Integer(string='# Tickets', aggregator='sum', readonly=True)
    first_response_hours = fields.Float(
        string='First Response (Hours)', digits=(16, 2), aggregator='avg', readonly=True,
        help='Wall-clock hours from creation to the first public agent reply.')
    resolution_hours = fields.Float(
        string='Resolution (Hours)', digits=(16, 2), aggregator='avg', readonly=True,
        help='Wall-clock hours from creation to the closing stage.')
    first_response_work_hours = fields.Float(
        string='First Response (Working Hours)', digits=(16, 2), aggregator='avg', readonly=True,
        help="Working hours (working-time calendar of the ticket's team or company) from creation to "
             "the first public agent reply.")
    resolution_work_hours = fields.Float(
        string='Resolution (Working Hours)', digits=(16, 2), aggregator='avg', readonly=True,
        help="Working hours (working-time calendar of the ticket's team or company) from creation to "
             "the closing stage.")
    sla_met_count = fields.Integer(string='SLA Met', aggregator='sum', readonly=True)
    sla_breached_count = fields.Integer(string='SLA Breached', aggregator='sum', readonly=True)
    sla_compliance = fields.Float(
        string='SLA Compliance (%)', digits=(16, 1), aggregator='avg', readonly=True,
        help='Share of met SLAs among tickets whose SLA is met or breached.')
    reopen_count = fields.Integer(string='Reopened', aggregator='sum', readonly=True)
    rating = fields.Float(
        string='Rating (1-5)', digits=(16, 2), aggregator='avg', readonly=True,
        help="The customer's last rating of the ticket; unrated tickets are left out of the average.")
    csat = fields.Float(
        string='CSAT (%)', digits=(16, 1), aggregator='avg', readonly=True,
        help='Share of satisfied ratings (4 or 5 out of 5) among rated tickets.')

    # ------------------------------------------------------------------------
    # View definition
    # ------------------------------------------------------------------------
    def _sla_outcome_sql(self):
        """SQL boolean from the SLA engine's stored verdict: TRUE = met, FALSE = breached, NULL = running or none."""
        return SQL("CASE t.sla_status WHEN 'met' THEN TRUE WHEN 'breached' THEN FALSE END")

    def _query(self):
        local_create_date = SQL(
            "(t.create_date AT TIME ZONE 'UTC' AT TIME ZONE "
            "COALESCE(NULLIF(calendar.tz, ''), NULLIF(company_partner.tz, ''), 'UTC'))")
        return SQL(
            """
            SELECT
                t.id AS id,
                t.id AS ticket_id,
                1 AS ticket_count,
                t.name AS name,
                t.number AS number,
                t.create_date AS create_date,
                EXTRACT(ISODOW FROM %(local)s)::int::varchar AS create_weekday,
                to_char(%(local)s, 'HH24') AS create_hour,
                t.closed_date AS closed_date,
                t.company_id AS company_id,
                t.team_id AS team_id,
                t.category_id AS category_id,
                t.priority AS priority,
                t.channel AS channel,
                t.user_id AS user_id,
                t.stage_id AS stage_id,
                t.lifecycle AS lifecycle,
                COALESCE(t.is_closed, FALSE) AS is_closed,
                t.partner_id AS partner_id,
                t.commercial_partner_id AS commercial_partner_id,
                t.sla_resolve_deadline AS resolve_deadline,
                CASE
                    WHEN sla.outcome THEN 'met'
                    WHEN NOT sla.outcome THEN 'breached'
                    WHEN t.sla_status IS NOT NULL THEN 'running'
                    ELSE 'none'
                END AS sla_result,
                EXTRACT(EPOCH FROM t.first_response_date - t.create_date) / 3600.0 AS first_response_hours,
                CASE WHEN t.is_closed THEN EXTRACT(EPOCH FROM t.closed_date - t.create_date) / 3600.0 END
                    AS resolution_hours,
                CASE WHEN t.first_response_date IS NOT NULL THEN t.first_response_work_hours END
                    AS first_response_work_hours,
                CASE WHEN t.is_closed AND t.closed_date IS NOT NULL THEN t.resolution_work_hours END
                    AS resolution_work_hours,
                CASE WHEN sla.outcome THEN 1 ELSE 0 END AS sla_met_count,
                CASE WHEN NOT sla.outcome THEN 1 ELSE 0 END AS sla_breached_count,
                CASE WHEN sla.outcome THEN 100.0 WHEN NOT sla.outcome THEN 0.0 END AS sla_compliance,
                COALESCE(t.reopen_count, 0) AS reopen_count,
                COALESCE(t.rating_last_value, 0) >= %(rating_min)s AS is_rated,
                CASE WHEN t.rating_last_value >= %(rating_min)s THEN t.rating_last_value END AS rating,
                CASE
                    WHEN t.rating_last_value >= %(rating_satisfied)s THEN 100.0
                    WHEN t.rating_last_value >= %(rating_min)s THEN 0.0
                END AS csat
            FROM helpdesk_lite_ticket t
            CROSS JOIN LATERAL (SELECT %(sla_outcome)s AS outcome) sla
            LEFT JOIN res_company company ON company.id = t.company_id
            LEFT JOIN resource_calendar calendar ON calendar.id = company.resource_calendar_id
            LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
            WHERE t.active AND t.merged_into_id IS NULL
            """,
            local=local_create_date,
            sla_outcome=self._sla_outcome_sql(),
            rating_min=RATING_LIMIT_MIN,
            rating_satisfied=RATING_LIMIT_SATISFIED,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
