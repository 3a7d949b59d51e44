"""Command-line driver of the benchmarks (called by bench/run.sh; see there for the options).

For every scenario and size it copies the benchmark database (installed addon, no ticket) to a
throwaway database, prepares the data there, commits it and runs VACUUM ANALYZE (the runs see
committed, analysed tables, as in production), measures the runs with harness.measure(), then drops
the copy. Results go to bench/out/results.json (merged with earlier results by scenario and size)
and to the table in bench/RESULTS.md.
"""
import argparse
import datetime
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='bench/run.sh', description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', required=True, help='Odoo configuration file')
    parser.add_argument('-d', '--database', default='helpdesk_lite_bench')
    parser.add_argument('--only', help='comma-separated scenario names')
    parser.add_argument('--sizes', help='comma-separated sizes, for every selected scenario')
    parser.add_argument('--large', action='store_true', help='also 1,000,000 tickets (LARGE_SIZES)')
    parser.add_argument('--smoke', action='store_true', help='tiny sizes, 1 run, no warm-up; results only in out/last.json')
    parser.add_argument('--runs', type=int, help='measured runs (default: the scenario RUNS, else 5)')
    parser.add_argument('--out', default=str(BENCH_DIR / 'out'))
    parser.add_argument('--markdown', default=str(BENCH_DIR / 'RESULTS.md'))
    parser.add_argument('--scratch', action='store_true',
                        help='try-out run: write out/last.json only, keep results.json and RESULTS.md as they are')
    parser.add_argument('--list', action='store_true', help='list the scenarios and their sizes')
    parser.add_argument('--keep', action='store_true',
                        help='keep the database copy of the last measurement (<db>_work), e.g. to EXPLAIN')
    parser.add_argument('--trace', type=int, default=0, metavar='N',
                        help='one more run per measurement records its queries; print the N slowest and '
                             'the N most repeated query shapes (also in the JSON)')
    parser.add_argument('--log-level', default='warn')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    import odoo
    from odoo.tools import config
    config.parse_config(['-c', args.config, '--log-level', args.log_level, '--max-cron-threads', '0'],
                        setup_logging=True)
    odoo.service.server.load_server_wide_modules()
    from odoo.addons.helpdesk_lite.bench import harness

    only = [name.strip() for name in args.only.split(',')] if args.only else None
    try:
        scenarios = harness.discover(only)
    except ValueError as e:
        log(f'ERROR: {e}')
        return 2
    plan = []
    for sc in scenarios:
        if args.smoke:
            sizes = [sc.smoke_size]
        elif args.sizes:
            sizes = [int(s.replace('_', '')) for s in args.sizes.split(',')]
        elif args.large:
            sizes = sc.large_sizes
        else:
            sizes = sc.sizes
        plan += [(sc, size) for size in sizes]
    if args.list:
        for sc in scenarios:
            print(f'{sc.name:24} sizes={sc.sizes} large={sc.large_sizes} smoke={sc.smoke_size} '
                  f'runs={sc.runs}  {sc.title}')
        return 0

    meta = machine_info(args)
    log(f"{len(plan)} measurement(s) on copies of database {args.database}: "
        + ', '.join(f'{sc.name}@{size:,}' for sc, size in plan))
    results = []
    for index, (sc, size) in enumerate(plan):
        started = time.time()
        log(f'{sc.name} @ {size:,}: preparing ...')
        keep = args.keep and index == len(plan) - 1
        res = measure_on_copy(args, harness, sc, size, keep=keep)
        res.update(measured_at=meta['date'], commit=meta['commit'], load_average=meta['load_average'])
        results.append(res)
        if res['status'] == 'ok':
            per_item = f" ({res['per_item']['queries']} q/item)" if res.get('per_item') else ''
            log(f"{sc.name} @ {size:,}: median {res['time_ms']['median']} ms "
                f"[{res['time_ms']['min']}-{res['time_ms']['max']}], {res['queries']} queries{per_item}, "
                f"SQL {res.get('sql_ms')} ms, peak {res.get('peak_mem_mb')} MB, prepare {res.get('prepare_s')} s, "
                f"total {time.time() - started:.0f} s")
        else:
            log(f"{sc.name} @ {size:,}: ERROR {res['error']}")
        if res.get('trace'):
            print_trace(sc.name, size, res['trace'])

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / 'last.json', {'meta': meta, 'results': results})
    if args.smoke or args.scratch:
        log(f'wrote {out / "last.json"}')
    else:
        merged = merge_results(out / 'results.json', results)
        write_json(out / 'results.json', {'meta': meta, 'results': merged})
        harness.update_markdown(args.markdown, harness.markdown_table(merged, meta))
        log(f'wrote {out / "results.json"} and updated {args.markdown}')
    log(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(at the start: {', '.join(map(str, meta['load_average']))})")
    failed = [r for r in results if r['status'] != 'ok']
    return 1 if failed else 0


def measure_on_copy(args, harness, scenario, size, keep=False):
    import odoo
    from odoo.modules.registry import Registry
    work = f'{args.database}_work'
    drop_database(work)
    clone_database(args.database, work)
    threading.current_thread().dbname = work
    registry = Registry(work)
    cr = registry.cursor()
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(context=env['res.users'].context_get())

        def commit_and_analyze(env):
            harness.real_commit(env.cr)
            vacuum_analyze(work)

        runs = 1 if args.smoke else args.runs
        return harness.measure(env, scenario, size, runs=runs, warmup=0 if args.smoke else 1,
                               memory=not args.smoke, after_prepare=commit_and_analyze, trace=args.trace)
    finally:
        cr.rollback()
        cr.close()
        Registry.delete(work)
        threading.current_thread().dbname = None
        if keep:
            odoo.sql_db.close_db(work)
            log(f'kept the database {work} (data of {scenario.name} @ {size:,}, committed)')
        else:
            drop_database(work)


def _admin_cursor():
    import odoo
    cr = odoo.sql_db.db_connect('postgres').cursor()
    cr._cnx.autocommit = True
    return closing(cr)


def clone_database(source, target):
    import odoo
    from odoo.tools import SQL
    odoo.sql_db.close_db(source)
    with _admin_cursor() as cr:
        cr.execute(SQL('CREATE DATABASE %s TEMPLATE %s', SQL.identifier(target), SQL.identifier(source)))
    src_fs, dst_fs = odoo.tools.config.filestore(source), odoo.tools.config.filestore(target)
    if os.path.isdir(src_fs):
        shutil.copytree(src_fs, dst_fs)


def drop_database(name):
    import odoo
    from odoo.tools import SQL
    odoo.sql_db.close_db(name)
    with _admin_cursor() as cr:
        cr.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s', [name])
        cr.execute(SQL('DROP DATABASE IF EXISTS %s', SQL.identifier(name)))
    shutil.rmtree(odoo.tools.config.filestore(name), ignore_errors=True)


def vacuum_analyze(dbname):
    import odoo
    cr = odoo.sql_db.db_connect(dbname).cursor()
    try:
        cr._cnx.autocommit = True
        cr.execute('VACUUM ANALYZE')
    finally:
        cr.close()


def merge_results(path, results):
    """Keep earlier results of other scenarios/sizes; replace those measured now."""
    previous = []
    if path.exists():
        try:
            previous = json.loads(path.read_text()).get('results', [])
        except ValueError:
            previous = []
    measured = {(r['scenario'], r['size']) for r in results}
    return [r for r in previous if (r['scenario'], r['size']) not in measured] + results


def write_json(path, data):
    path.write_text(json.dumps(data, indent=2, default=str) + '\n')


def machine_info(args):
    import odoo
    import psycopg2
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(['git', '-C', str(REPO), 'rev-parse', '--short', 'HEAD'],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', str(REPO), 'status', '--porcelain', '--', '.', ':!bench/'],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += '+dirty' if dirty else ''
    except (OSError, subprocess.CalledProcessError):
        commit = 'unknown'
    with _admin_cursor() as cr:
        cr.execute('SHOW server_version')
        pg_version = cr.fetchone()[0]
    return {
        'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        'odoo_version': odoo.release.version,
        'postgres_version': pg_version,
        'python_version': platform.python_version(),
        'psycopg2_version': psycopg2.__version__.split()[0],
        'cpu': cpu,
        'cores': os.cpu_count(),
        'commit': commit,
        'database': args.database,
        'load_average': [round(x, 2) for x in os.getloadavg()],
        'command': f"bench/run.sh {os.environ.get('BENCH_ARGS', '')}".strip(),
    }


def print_trace(name, size, trace):
    out = sys.stderr
    print(f"--- {name} @ {size:,}: {trace['queries']} queries, {trace['sql_ms']} ms in SQL; slowest:", file=out)
    for q in trace['slowest']:
        print(f"{q['ms']:9.2f} ms  {' '.join(q['sql'].split())[:600]}", file=out)
    print('--- most repeated query shapes (count, total ms):', file=out)
    for q in trace['repeated']:
        print(f"{q['count']:5d} x {q['ms']:8.2f} ms  {' '.join(q['sql'].split())[:300]}", file=out)


def log(message):
    print(f'[bench] {message}', file=sys.stderr, flush=True)


if __name__ == '__main__':
    logging.captureWarnings(True)
    sys.exit(main())
