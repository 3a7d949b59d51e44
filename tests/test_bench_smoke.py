from odoo.tests import TransactionCase, tagged

from odoo.addons.helpdesk_lite.bench import datagen, harness

CORE_SCENARIOS = {'ticket_create', 'stage_change', 'backend_list', 'backend_kanban', 'partner_counter'}


@tagged('post_install', '-at_install')
class TestBenchSmoke(TransactionCase):
    """The benchmark harness (bench/) keeps working: every scenario runs in-process at a tiny size.
    Nothing is timed here; bench/run.sh measures."""

    def test_every_scenario_runs(self):
        scenarios = harness.discover()
        self.assertLessEqual(CORE_SCENARIOS, {scenario.name for scenario in scenarios})
        for scenario in scenarios:
            with self.subTest(scenario=scenario.name):
                self.assertTrue(scenario.sizes and scenario.title)
                result = harness.measure(self.env, scenario, scenario.smoke_size, runs=1, warmup=0, memory=False)
                self.assertEqual(result['status'], 'ok', result.get('traceback'))
                self.assertGreater(result['queries'], 0)
                self.assertEqual(result['queries_min'], result['queries_max'])
                self.assertEqual(len(result['time_ms']['all']), 1)
                if result['items']:
                    self.assertEqual(result['items'], scenario.items(scenario.smoke_size))
                    self.assertEqual(result['per_item']['queries'], round(result['queries'] / result['items'], 2))
        # prepared data lives in a savepoint rolled back after each scenario
        self.assertFalse(self.env['res.users'].search([('login', '=like', 'bench_agent_%')]))
        table = harness.markdown_table([result])
        self.assertIn(f"| {result['scenario']} |", table)

    def test_runs_are_repeatable(self):
        # every run starts from the same data: a write that changes stages tracks and mails every time
        scenario = harness.discover(['stage_change'])[0]
        result = harness.measure(self.env, scenario, 3, runs=2, warmup=1, memory=False)
        self.assertEqual(result['status'], 'ok', result.get('traceback'))
        self.assertEqual(result['queries_min'], result['queries_max'])
        self.assertGreater(result['per_item']['queries'], 1)

    def test_backend_queries_do_not_grow_with_size(self):
        # The list, the kanban and the partner counter must cost the same queries whatever the data size.
        # Sizes big enough for full pages: more than 80 open tickets, more than 40 in each open column.
        for name, small in (('backend_list', 3000), ('backend_kanban', 5000), ('partner_counter', 100)):
            scenario = harness.discover([name])[0]
            with self.subTest(scenario=name):
                counts = [harness.measure(self.env, scenario, size, runs=1, warmup=1, memory=False)
                          for size in (small, 2 * small)]
                self.assertEqual([r['status'] for r in counts], ['ok', 'ok'], counts[0].get('traceback'))
                self.assertEqual(counts[0]['queries'], counts[1]['queries'])

    def test_failing_scenario_is_reported(self):
        scenario = harness.discover(['backend_list'])[0]

        class Broken:
            SIZES = [1]
            __doc__ = 'Broken scenario'

            @staticmethod
            def prepare(env, size):
                return None

            @staticmethod
            def run(env, state):
                raise ValueError('boom')
        broken = harness.Scenario('broken', Broken)
        with self.assertLogs('odoo.addons.helpdesk_lite.bench.harness', level='ERROR'):
            result = harness.measure(self.env, broken, 1, runs=1, warmup=0, memory=False)
        self.assertEqual(result['status'], 'error')
        self.assertIn('boom', result['error'])
        self.assertIn('**error**', harness.markdown_table([result]))
        self.assertTrue(scenario)  # the real scenarios are untouched

    def test_bulk_tickets_are_consistent_with_the_orm(self):
        fx = datagen.make_fixtures(self.env)
        bulk = datagen.insert_tickets(self.env, fx, 400)
        tickets = bulk.records(self.env)
        self.assertEqual(len(tickets.exists()), 400)
        # stored computed and related columns hold what the ORM computes
        fnames = ['company_id', 'commercial_partner_id', 'partner_name', 'partner_email', 'partner_phone',
                  'lifecycle', 'is_closed']
        stored = [tickets.mapped(fname) for fname in fnames]
        Ticket = self.env['helpdesk.lite.ticket']
        for fname in fnames:
            self.env.add_to_compute(Ticket._fields[fname], tickets)
        tickets._recompute_recordset(fnames)
        self.assertEqual(stored, [tickets.mapped(fname) for fname in fnames])
        # numbers come from the ticket sequence, unique, in creation order
        numbers = tickets.mapped('number')
        self.assertEqual(len(set(numbers)), 400)
        self.assertTrue(all(number.startswith('HD') for number in numbers))
        self.assertLess(tickets[0].create_date, tickets[-1].create_date)
        # a realistic mix: closed tickets have a closed date, open ones do not; customer and assignee follow
        closed = tickets.filtered('is_closed')
        self.assertTrue(closed and tickets - closed)
        self.assertTrue(all(closed.mapped('closed_date')))
        self.assertFalse(any((tickets - closed).mapped('closed_date')))
        assigned = tickets.filtered('user_id')[:1]
        self.assertEqual(assigned.message_partner_ids, assigned.partner_id | assigned.user_id.partner_id)
        self.assertTrue(tickets.tag_ids)
        self.assertEqual(set(tickets.mapped('team_id')), {fx.team})
