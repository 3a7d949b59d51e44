"""When a scheduled job commits its finished batches."""
import threading


def commits_batches(env):
    """True in a real cron run: each finished batch is committed, so a crash or a timeout loses one batch
    only. Never in tests, nor when the job is called directly inside a caller's transaction."""
    return bool(env.context.get('cron_id')) and not getattr(threading.current_thread(), 'testing', False)
