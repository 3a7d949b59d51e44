"""Benchmark harness: finds the scenarios in ``bench/scenarios/`` and measures them.

A scenario is a module ``bench/scenarios/<name>.py`` with

    SIZES = [10_000, 100_000]      # data sizes it runs at by default
    def prepare(env, size): ...    # create its data, return a state object
    def run(env, state): ...       # the measured operation

and optionally ``SMOKE_SIZE`` (tiny size for smoke runs), ``RUNS`` (measured runs, default 5;
``QUICK_RUNS`` for requests of a few milliseconds), ``LARGE_SIZES`` (sizes for ``--large``),
``PER_ITEM`` (True: report per-item figures for ``size`` items; an int or a callable(size) gives the
item count), ``TITLE`` (else the docstring's first line).

``measure()`` works on any cursor: the command line (bench/run.py) gives it a fresh copy of the
benchmark database per scenario and size; the smoke test gives it the test cursor. Every measured
run happens in a savepoint that is rolled back afterwards, so all runs see the same data, and ends
with ``cr.flush()``, which is what the commit at the end of a request does (flush, then the
precommit hooks: tracking messages, status mails). SQL queries are Odoo's own per-cursor counter
(``cr.sql_log_count``), hence deterministic; times are wall-clock medians after a warm-up run;
memory is the tracemalloc peak of one extra run (tracing slows Python down, so it is not timed).
"""
import cProfile
import gc
import importlib
import io
import pstats
import logging
import os
import re
import statistics
import threading
import time
import tracemalloc
import traceback
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

_logger = logging.getLogger(__name__)

SCENARIO_DIR = Path(__file__).resolve().parent / 'scenarios'
SCENARIO_PACKAGE = f'{__package__}.scenarios'
DEFAULT_RUNS = 5
# for a request of a few milliseconds, whose single runs vary by a third on a small shared machine
QUICK_RUNS = 15
DEFAULT_SMOKE_SIZE = 20
LARGE_SIZE = 1_000_000


@dataclass
class Scenario:
    name: str
    module: object

    @property
    def title(self):
        title = getattr(self.module, 'TITLE', None)
        if not title:
            doc = (self.module.__doc__ or '').strip()
            title = doc.splitlines()[0] if doc else self.name
        return title

    @property
    def sizes(self):
        return list(self.module.SIZES)

    @property
    def smoke_size(self):
        return getattr(self.module, 'SMOKE_SIZE', None) or min([DEFAULT_SMOKE_SIZE] + self.sizes)

    @property
    def runs(self):
        return getattr(self.module, 'RUNS', None) or DEFAULT_RUNS

    @property
    def large_sizes(self):
        """--large: the scenario's LARGE_SIZES, else its sizes plus 1,000,000 when it is a
        data-size scenario (sizes of 10,000 tickets and more)."""
        large = getattr(self.module, 'LARGE_SIZES', None)
        if large is not None:
            return list(large)
        sizes = self.sizes
        return sorted(set(sizes) | {LARGE_SIZE}) if max(sizes) >= 10_000 else sizes

    @property
    def has_peer(self):
        return hasattr(self.module, 'peer_prepare') and hasattr(self.module, 'peer_run')

    def peer(self):
        """The same scenario on the peer's database: its ``peer_prepare`` and ``peer_run``."""
        module = self.module
        side = type('PeerSide', (), {
            'prepare': staticmethod(module.peer_prepare), 'run': staticmethod(module.peer_run),
            'SIZES': module.SIZES, 'RUNS': getattr(module, 'RUNS', None),
            'PER_ITEM': getattr(module, 'PER_ITEM', None), 'TITLE': self.title,
        })
        return Scenario(self.name, side)

    def items(self, size):
        per_item = getattr(self.module, 'PER_ITEM', None)
        if not per_item:
            return None
        if per_item is True:
            return size
        return per_item(size) if callable(per_item) else int(per_item)


def available():
    return sorted(p.stem for p in SCENARIO_DIR.glob('*.py') if not p.stem.startswith('_'))


def discover(only=None):
    """Import the scenario modules (all, or those named in ``only``), sorted by name."""
    names = available()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"Unknown scenario(s) {', '.join(unknown)}; available: {', '.join(names)}")
        names = [name for name in names if name in only]
    scenarios = []
    for name in names:
        module = importlib.import_module(f'{SCENARIO_PACKAGE}.{name}')
        missing = [attr for attr in ('SIZES', 'prepare', 'run') if not hasattr(module, attr)]
        if missing:
            raise ValueError(f"Scenario {name} lacks {', '.join(missing)}")
        scenarios.append(Scenario(name, module))
    return scenarios


def real_commit(cr):
    """Commit for real, even inside ``no_commit()``; post-commit hooks (mail sending) are dropped."""
    cr.flush()                 # precommit hooks first: they may register post-commit mail sending
    cr.postcommit.clear()
    type(cr).commit(cr)


@contextmanager
def no_commit(cr):
    """Scenarios must not commit (runs are rolled back to a savepoint): a commit becomes a flush."""
    def commit():
        _logger.warning('bench: a scenario called cr.commit(); flushed instead, runs stay isolated')
        cr.flush()
    with patch.object(cr, 'commit', commit):
        yield


@contextmanager
def savepoint(cr, name):
    from odoo.tools import SQL
    cr.execute(SQL('SAVEPOINT %s', SQL.identifier(name)))
    try:
        yield
    finally:
        cr.clear()                 # cache, pending writes and precommit hooks of the rolled-back work
        cr.postcommit.clear()      # e.g. mails sent after commit: never from a benchmark
        cr.execute(SQL('ROLLBACK TO SAVEPOINT %s', SQL.identifier(name)))
        cr.execute(SQL('RELEASE SAVEPOINT %s', SQL.identifier(name)))


@contextmanager
def _sql_timer():
    """Total time spent in SQL by this thread (Odoo adds to ``query_time`` when ``query_count`` is set)."""
    thread = threading.current_thread()
    had = hasattr(thread, 'query_count')
    if not had:
        thread.query_count, thread.query_time = 0, 0.0
    start = thread.query_time
    box = {}
    try:
        yield box
    finally:
        box['seconds'] = thread.query_time - start
        if not had:
            del thread.query_count, thread.query_time


@contextmanager
def _query_recorder(queries):
    """Record (duration, SQL) of every query of this thread into ``queries``."""
    thread = threading.current_thread()
    hooks = getattr(thread, 'query_hooks', None)

    def hook(cr, query, params, start, delay):
        queries.append((delay, cr._format(query, params)))
    thread.query_hooks = (*(hooks or ()), hook)
    try:
        yield
    finally:
        if hooks is None:
            del thread.query_hooks
        else:
            thread.query_hooks = hooks


def _one_run(env, scenario, state, trace=False, queries=None, profiler=None):
    cr = env.cr
    with savepoint(cr, 'helpdesk_lite_bench_run'):
        env.invalidate_all()       # cold record cache, as for a new request; registry caches stay warm
        gc.collect()
        if trace:
            tracemalloc.start()
        recorder = _query_recorder(queries) if queries is not None else nullcontext()
        q0 = cr.sql_log_count
        t0 = time.perf_counter()
        try:
            with _sql_timer() as sql, recorder, profiler or nullcontext():
                scenario.module.run(env, state)
                cr.flush()         # what the end-of-request commit does: flush + tracking/mail hooks
            elapsed = time.perf_counter() - t0
            queries_count = cr.sql_log_count - q0
            peak = tracemalloc.get_traced_memory()[1] if trace else None
        finally:
            if trace:
                tracemalloc.stop()
    return elapsed, queries_count, peak, sql['seconds']


class Measurement:
    """One scenario at one size on one database: prepare, then runs one at a time, then the result.

    Steps are separate so that two measurements (ours and the peer's, each on its own database) can
    be interleaved run by run: both then see the same machine load (see ``measure_interleaved``).
    """

    def __init__(self, env, scenario, size, *, runs=None, warmup=1, memory=True, after_prepare=None,
                 trace=0, profile=0, on_switch=None):
        self.env, self.scenario, self.size = env, scenario, size
        self.runs = runs or scenario.runs
        self.warmup, self.memory, self.after_prepare, self.trace = warmup, memory, after_prepare, trace
        self.profile = profile
        self.on_switch = on_switch or (lambda: None)
        self.result = {
            'scenario': scenario.name, 'title': scenario.title, 'size': size, 'items': scenario.items(size),
            'runs': self.runs, 'warmup': warmup, 'status': 'ok',
        }
        self.timings, self.query_counts, self.sql_times, self.peak = [], [], [], None
        self.done = 0
        self.state = None
        self._stack = ExitStack()

    @property
    def ok(self):
        return self.result['status'] == 'ok'

    def _guard(self, step):
        if not self.ok:
            return
        self.on_switch()
        try:
            step()
        except Exception as e:  # noqa: BLE001 - one failing scenario must not stop the others
            _logger.error('bench: scenario %s at size %s failed', self.scenario.name, self.size, exc_info=True)
            self.result.update(status='error', error=f'{type(e).__name__}: {e}'[:300],
                               traceback=traceback.format_exc())

    def prepare(self):
        cr = self.env.cr
        self._stack.enter_context(no_commit(cr))
        if self.after_prepare is None:
            cr.execute('SAVEPOINT "helpdesk_lite_bench_scenario"')
            self._stack.callback(self._rollback_scenario)

        def step():
            t0 = time.perf_counter()
            self.state = self.scenario.module.prepare(self.env, self.size)
            cr.flush()
            if self.after_prepare is not None:
                self.after_prepare(self.env)
            self.result['prepare_s'] = round(time.perf_counter() - t0, 2)
        self._guard(step)

    def _rollback_scenario(self):
        cr = self.env.cr
        cr.clear()
        cr.postcommit.clear()
        cr.execute('ROLLBACK TO SAVEPOINT "helpdesk_lite_bench_scenario"')
        cr.execute('RELEASE SAVEPOINT "helpdesk_lite_bench_scenario"')

    def step(self):
        """One run (warm-up runs first); False once all runs are done."""
        if not self.ok or self.done >= self.warmup + self.runs:
            return False

        def step():
            elapsed, queries, _peak, sql_time = _one_run(self.env, self.scenario, self.state)
            if self.done >= self.warmup:
                self.timings.append(elapsed)
                self.query_counts.append(queries)
                self.sql_times.append(sql_time)
        self._guard(step)
        self.done += 1
        return self.ok

    def extras(self):
        """The untimed runs: memory peak, query trace, profile."""
        def step():
            if self.memory:
                self.peak = _one_run(self.env, self.scenario, self.state, trace=True)[2]
            if self.trace:
                recorded = []
                _one_run(self.env, self.scenario, self.state, queries=recorded)
                self.result['trace'] = _summarize_queries(recorded, self.trace)
            if self.profile:
                profiler = cProfile.Profile()
                _one_run(self.env, self.scenario, self.state, profiler=profiler)
                self.result['profile'] = _profile_text(profiler, self.profile)
        self._guard(step)

    def finish(self):
        self.on_switch()
        self._stack.close()
        result = self.result
        if self.timings:
            result.update(_stats(self.timings, self.query_counts, result['items']))
            result['sql_ms'] = round(statistics.median(self.sql_times) * 1000, 2)
        if self.peak is not None:
            result['peak_mem_mb'] = round(self.peak / 2**20, 1)
        return result


def measure(env, scenario, size, *, runs=None, warmup=1, memory=True, after_prepare=None, trace=0, profile=0):
    """Prepare ``scenario`` at ``size`` and measure ``runs`` runs after ``warmup`` runs.

    Without ``after_prepare`` the prepared data lives in a savepoint rolled back at the end (tests).
    With it (the command line, on a throwaway database copy), it is called once the data is
    prepared, e.g. to commit and VACUUM ANALYZE so that the runs see committed, analysed tables.
    With ``trace`` (a number N), one more run records its queries: the N slowest and the most
    repeated ones are returned in ``result['trace']``; with ``profile`` (N), one more run under
    cProfile gives the N costliest functions in ``result['profile']``.
    Returns a result dict; errors are reported in it (``status`` = 'error'), not raised.
    """
    return measure_interleaved([Measurement(env, scenario, size, runs=runs, warmup=warmup, memory=memory,
                                            after_prepare=after_prepare, trace=trace, profile=profile)])[0]


def measure_interleaved(measurements):
    """Prepare every measurement, then alternate their runs (A, B, A, B, ...), so that a change of
    the machine's load hits all of them alike; their medians can then be compared."""
    try:
        for m in measurements:
            m.prepare()
        while any([m.step() for m in measurements]):
            pass
        for m in measurements:
            m.extras()
    finally:
        results = [m.finish() for m in measurements]
    return results


def peer_result(ours, peer):
    """Attach the peer's figures and the ours/peer ratios to our result (in place)."""
    if peer.get('status') != 'ok':
        ours['peer'] = {'status': peer.get('status'), 'error': peer.get('error')}
        return ours
    ours['peer'] = {key: peer[key] for key in ('status', 'time_ms', 'queries', 'sql_ms', 'per_item', 'peak_mem_mb',
                                               'prepare_s', 'profile', 'trace') if key in peer}
    if ours.get('status') == 'ok':
        ours['peer']['ratio_time'] = round(ours['time_ms']['median'] / max(peer['time_ms']['median'], 1e-6), 2)
        ours['peer']['ratio_queries'] = round(ours['queries'] / max(peer['queries'], 1), 2)
    return ours


def _stats(timings, query_counts, items):
    ms = [t * 1000 for t in timings]
    stats = {
        'time_ms': {
            'median': round(statistics.median(ms), 2), 'min': round(min(ms), 2), 'max': round(max(ms), 2),
            'all': [round(t, 2) for t in ms],
        },
        'queries': int(statistics.median(query_counts)),
        'queries_min': min(query_counts),
        'queries_max': max(query_counts),
    }
    if items:
        stats['per_item'] = {
            'queries': round(stats['queries'] / items, 2),
            'ms': round(stats['time_ms']['median'] / items, 3),
        }
    return stats


def _profile_text(profiler, top):
    """The ``top`` functions by own time and by cumulated time, as pstats prints them."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    for key in ('tottime', 'cumulative'):
        stats.sort_stats(key).print_stats(top)
    # who calls Python's compiler (templates, safe_eval) and the HTML sanitizer: per-record work shows
    # here; BENCH_PROFILE_CALLERS (a regular expression) names other functions to show the callers of
    stats.print_callers(os.environ.get('BENCH_PROFILE_CALLERS')
                        or r'built-in method builtins.compile|html_sanitize|ir_qweb.py.*\(_compile\)|test_expr')
    return out.getvalue()


def _summarize_queries(recorded, top):
    """The ``top`` slowest queries, and the query shapes (numbers stripped) repeated most often."""
    slowest = sorted(recorded, key=lambda r: -r[0])[:top]
    shapes = {}
    for delay, query in recorded:
        shape = re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'?'", query))[:300]
        count, total = shapes.get(shape, (0, 0.0))
        shapes[shape] = (count + 1, total + delay)
    repeated = sorted(shapes.items(), key=lambda kv: -kv[1][0])[:top]
    return {
        'queries': len(recorded),
        'sql_ms': round(sum(r[0] for r in recorded) * 1000, 2),
        'slowest': [{'ms': round(delay * 1000, 2), 'sql': query[:2000]} for delay, query in slowest],
        'repeated': [{'count': count, 'ms': round(total * 1000, 2), 'sql': shape}
                     for shape, (count, total) in repeated],
    }


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------
MD_START = '<!-- bench:results:start -->'
MD_END = '<!-- bench:results:end -->'


def _fmt_size(size):
    return f'{size:,}'


def markdown_table(results, meta=None):
    lines = []
    if meta:
        lines.append(
            f"Measured {meta.get('date', '?')} on {meta.get('cpu', '?')} ({meta.get('cores', '?')} cores), "
            f"Odoo {meta.get('odoo_version', '?')}, PostgreSQL {meta.get('postgres_version', '?')}, "
            f"Python {meta.get('python_version', '?')}, commit `{meta.get('commit', '?')}`, "
            f"load average at start {', '.join(map(str, meta.get('load_average', [])))}.")
        lines.append('')
    with_peer = any(res.get('peer') for res in results)
    peer_head, peer_rule = ('', '')
    if with_peer:
        peer_head = ' Peer median | Peer SQL queries | Ours/peer time | Ours/peer queries |'
        peer_rule = '---:|---:|---:|---:|'
    lines.append('| Scenario | Size | Median | Min – max | of which SQL | SQL queries | Per item | Peak memory | Runs |'
                 + peer_head)
    lines.append('|---|---:|---:|---:|---:|---:|---:|---:|---:|' + peer_rule)
    for res in sorted(results, key=lambda r: (r['scenario'], r['size'])):
        peer_cells = _peer_cells(res.get('peer')) if with_peer else ''
        if res.get('status') != 'ok':
            lines.append(f"| {res['scenario']} | {_fmt_size(res['size'])} | **error** | | | | "
                         f"{res.get('error', '')[:80]} | | |" + peer_cells)
            continue
        t = res['time_ms']
        queries = str(res['queries'])
        if res['queries_min'] != res['queries_max']:
            queries += f" ({res['queries_min']}–{res['queries_max']})"
        per_item = ''
        if res.get('per_item'):
            per_item = f"{res['per_item']['queries']} q, {res['per_item']['ms']} ms"
        peak = f"{res['peak_mem_mb']} MB" if res.get('peak_mem_mb') is not None else ''
        sql = _fmt_ms(res['sql_ms']) if res.get('sql_ms') is not None else ''
        lines.append(
            f"| {res['scenario']} | {_fmt_size(res['size'])} | {_fmt_ms(t['median'])} | "
            f"{_fmt_ms(t['min'])} – {_fmt_ms(t['max'])} | {sql} | {queries} | {per_item} | {peak} | {res['runs']} |"
            + peer_cells)
    if with_peer:
        lines.append('')
        lines.append('Peer: OCA `helpdesk_mgmt` (18.0) in its own database on the same Odoo and PostgreSQL, the same '
                     'data at the same size, runs interleaved with ours (ours, peer, ours, peer...); ratios are '
                     'ours/peer of the medians (below 1: we are faster or need fewer queries).')
    if meta:
        older = [res for res in sorted(results, key=lambda r: (r['scenario'], r['size']))
                 if res.get('measured_at') and (res.get('measured_at'), res.get('commit')) !=
                 (meta.get('date'), meta.get('commit'))]
        if older:
            lines.append('')
            lines.append('Rows kept from earlier runs: ' + '; '.join(
                f"{res['scenario']} @ {_fmt_size(res['size'])} ({res['measured_at']}, `{res.get('commit', '?')}`, "
                f"load {', '.join(map(str, res.get('load_average', [])[:1]))})" for res in older) + '.')
    return '\n'.join(lines)


def _peer_cells(peer):
    if not peer:
        return ' | | | |'
    if peer.get('status') != 'ok':
        return f" **error** {(peer.get('error') or '')[:60]} | | | |"
    return (f" {_fmt_ms(peer['time_ms']['median'])} | {peer['queries']} | "
            f"**{peer.get('ratio_time', '')}** | {peer.get('ratio_queries', '')} |")


def _fmt_ms(ms):
    return f'{ms / 1000:.2f} s' if ms >= 1000 else f'{ms:.1f} ms'


def update_markdown(path, table):
    """Replace the table between the bench markers of ``path`` (append it if there are none)."""
    path = Path(path)
    block = f'{MD_START}\n{table}\n{MD_END}'
    text = path.read_text() if path.exists() else '# Benchmark results\n'
    if MD_START in text and MD_END in text:
        head, rest = text.split(MD_START, 1)
        tail = rest.split(MD_END, 1)[1]
        text = f'{head}{block}{tail}'
    else:
        text = f'{text.rstrip()}\n\n{block}\n'
    path.write_text(text)
