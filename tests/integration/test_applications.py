"""Applications Redis users run, unchanged, against the server: job queues (RQ, Celery,
Sidekiq), a rate limiter (limits) and another language's client (node-redis). Each drives
the server the way the library does in production (pipelines, MULTI, Lua scripts, blocking
pops, Pub/Sub, sorted-set schedules) and the test checks what the library's user sees: jobs
run once with their results, retries, schedules, limits enforced. The expected values were
read off redis-server 7.0.15 first. One test crashes the server under a queue: jobs whose
enqueue was acknowledged are still there after kill -9.

The libraries are Debian packages that scripts/test installs (python3-rq, python3-celery,
python3-limits, ruby-sidekiq, node-redis); a test whose library is missing skips itself.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_applications.py
"""

import gc
import operator
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, main, wait_until  # noqa: E402

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
NODE_PATH = "/usr/share/nodejs"  # where Debian's node-redis lives


def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


def needs_module(name):
    return unittest.skipUnless(importable(name), "python3 module %s is not installed" % name)


def run_app(test, argv, timeout=150, env=None):
    """Runs an application script against test.port; returns its stdout lines. A non-zero
    exit fails the test with the script's output. The script runs in a session of its own,
    killed whole on a timeout, so a worker it started does not outlive it."""
    full_env = dict(os.environ, CAIRN_TEST_PORT=str(test.port), **(env or {}))
    p = subprocess.Popen(argv, cwd=APPS, env=full_env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        test.fail("%s timed out after %d s\nstdout:\n%s" % (argv[0], timeout, out.decode()))
    if p.returncode != 0:
        test.fail("%s exited with %d\nstdout:\n%s\nstderr:\n%s"
                  % (argv[0], p.returncode, out.decode(), err.decode()[-4000:]))
    return out.decode().splitlines()


# ---- RQ --------------------------------------------------------------------------------------

@needs_module("rq")
class TestRq(ServerTestCase):
    """RQ keeps jobs in hashes, queues in lists, registries in sorted sets, and moves them
    with MULTI pipelines and WATCH; its scheduler takes a lock with SET NX EX."""

    def queue(self):
        from rq import Queue
        return Queue("default", connection=self.r)

    def work(self):
        from rq import SimpleWorker  # runs jobs in this process, no fork
        SimpleWorker([self.queue()], connection=self.r).work(burst=True, with_scheduler=True, logging_level="WARNING")

    def test_jobs_run_once_with_results_retries_and_dependencies(self):
        from rq import Retry
        from rq.registry import FailedJobRegistry, FinishedJobRegistry
        q = self.queue()
        jobs = [q.enqueue(operator.add, i, i) for i in range(10)]
        failing = q.enqueue(operator.truediv, 1, 0, retry=Retry(max=1))
        dependent = q.enqueue(operator.sub, 10, 1, depends_on=jobs[0])
        self.assertEqual(q.count, 11)  # the dependent job waits outside the queue
        self.work()
        self.assertEqual([j.latest_result().return_value for j in jobs + [dependent]],
                         [2 * i for i in range(10)] + [9])
        self.assertEqual(failing.get_status(refresh=True), "failed")
        self.assertEqual(len(FailedJobRegistry(queue=q)), 1)
        self.assertEqual(len(FinishedJobRegistry(queue=q)), 11)
        self.assertEqual(q.count, 0)

    def test_scheduled_job_runs_when_due(self):
        q = self.queue()
        # RQ keeps due times in whole seconds: 3 s ahead is still ahead after the first pass.
        job = q.enqueue_in(timedelta(seconds=3), operator.mul, 3, 4)
        self.work()
        self.assertEqual(job.get_status(refresh=True), "scheduled")

        def ran():
            self.work()
            return job.get_status(refresh=True) == "finished"
        wait_until(ran, "the scheduled job to run", 30)
        self.assertEqual(job.latest_result().return_value, 12)


@needs_module("rq")
class TestQueueSurvivesCrash(unittest.TestCase):
    """What cairn promises beyond Redis's defaults, through a job queue: every enqueue that
    returned is on disk, so kill -9 loses no job and a worker afterwards runs each once."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-apps-")
        self.server = DurableServer(self.root)
        self.server.start()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def test_acknowledged_jobs_survive_kill_9(self):
        from rq import Queue, SimpleWorker
        from rq.registry import FinishedJobRegistry
        q = Queue("default", connection=self.server.client())
        ids = [q.enqueue(operator.add, i, 1).id for i in range(200)]
        self.server.kill9()
        self.server.start()
        r = self.server.client()
        q = Queue("default", connection=r)
        self.assertEqual(q.count, 200)
        self.assertEqual(sorted(i.encode() for i in ids), sorted(r.lrange("rq:queue:default", 0, -1)))
        SimpleWorker([q], connection=r).work(burst=True, logging_level="WARNING")
        jobs = q.job_class.fetch_many(ids, connection=r)
        self.assertEqual(sorted(j.latest_result().return_value for j in jobs),
                         list(range(1, 201)))
        self.assertEqual(len(FinishedJobRegistry(queue=q)), 200)


# ---- limits (rate limiting) --------------------------------------------------------------------

@needs_module("limits")
class TestLimits(ServerTestCase):
    """The limits library's three strategies: INCR with EXPIRE, a moving window kept in a list
    by Lua scripts, and an elastic window that pushes its expiry on each hit."""

    def limiter_hits(self, strategy_name):
        from limits import parse, storage, strategies
        store = storage.RedisStorage("redis://127.0.0.1:%d" % self.port)
        limiter = getattr(strategies, strategy_name)(store)
        item = parse("5/2 seconds")  # room for 8 hits on a loaded machine
        hits = [limiter.hit(item, "user", strategy_name) for _ in range(8)]
        remaining = limiter.get_window_stats(item, "user", strategy_name)[1]
        blocked_now = not limiter.test(item, "user", strategy_name)
        wait_until(lambda: limiter.test(item, "user", strategy_name), "the window to pass", 10)
        return hits, remaining, blocked_now, limiter.hit(item, "user", strategy_name)

    def check(self, strategy_name):
        hits, remaining, blocked_now, hit_later = self.limiter_hits(strategy_name)
        self.assertEqual(hits, [True] * 5 + [False] * 3)
        self.assertEqual(remaining, 0)
        self.assertTrue(blocked_now)
        self.assertTrue(hit_later)

    def test_fixed_window(self):
        self.check("FixedWindowRateLimiter")

    def test_moving_window(self):
        self.check("MovingWindowRateLimiter")

    def test_elastic_window(self):
        self.check("FixedWindowElasticExpiryRateLimiter")


# ---- Celery ------------------------------------------------------------------------------------

@needs_module("celery")
class TestCelery(ServerTestCase):
    """Celery with the server as broker (database 0: BRPOP on list queues, a sorted set of
    unacknowledged messages, PUBLISH for broadcasts) and result backend (database 1: results
    sent by PUBLISH, chord counters by INCR). A real worker process runs the tasks."""

    flush_before_each_test = False  # the worker stays connected across the tests

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Cleanups run even when a later step here fails, last registered first; the
        # server's stop (tearDownClass) would not.
        cls.addClassCleanup(cls.stop_server)
        env = dict(os.environ, CAIRN_TEST_PORT=str(cls.port))
        cls.tasks = cls.import_tasks(env)
        cls.worker_log = open(os.path.join(cls.server.dir, "celery.log"), "wb")
        cls.addClassCleanup(cls.worker_log.close)
        cls.worker = subprocess.Popen(
            ["/usr/bin/python3", "-m", "celery", "-A", "celery_tasks", "worker", "-c", "2",
             "--pool", "threads", "-l", "warning", "--without-gossip", "--without-mingle"],
            cwd=APPS, env=env, stdout=cls.worker_log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop_worker)

    @classmethod
    def import_tasks(cls, env):
        """Imports the application with the port in its environment, as the worker has it,
        and undoes the import (module, path, variable) when the class ends."""
        saved = os.environ.get("CAIRN_TEST_PORT")
        os.environ["CAIRN_TEST_PORT"] = env["CAIRN_TEST_PORT"]
        sys.path.insert(0, APPS)
        try:
            import celery_tasks
        finally:
            sys.path.remove(APPS)
            if saved is None:
                del os.environ["CAIRN_TEST_PORT"]
            else:
                os.environ["CAIRN_TEST_PORT"] = saved
        cls.addClassCleanup(sys.modules.pop, "celery_tasks", None)
        return celery_tasks

    @classmethod
    def stop_worker(cls):
        # Results left for the garbage collector unsubscribe as they go, and would retry
        # for many seconds against a stopped server.
        gc.collect()
        cls.worker.terminate()
        try:
            cls.worker.wait(30)
        except subprocess.TimeoutExpired:
            cls.worker.kill()
            cls.worker.wait(10)

    @classmethod
    def stop_server(cls):
        cls.server.stop()

    @classmethod
    def tearDownClass(cls):
        pass  # the class cleanups stop the worker, then the server

    def test_tasks_and_canvas(self):
        from celery import chain, chord, group
        add = self.tasks.add
        self.assertEqual([r.get(timeout=60) for r in [add.delay(i, i) for i in range(10)]],
                         [2 * i for i in range(10)])
        self.assertEqual(group(add.s(i, 1) for i in range(5))().get(timeout=60), [1, 2, 3, 4, 5])
        self.assertEqual(chain(add.s(1, 2), add.s(3), add.s(4))().get(timeout=60), 10)
        self.assertEqual(chord((add.s(i, i) for i in range(4)), add.si(100, 1))().get(timeout=60),
                         101)

    def test_retry_and_countdown(self):
        self.assertEqual(self.tasks.flaky.delay(2).get(timeout=60), "ok after 2")
        start = time.monotonic()
        self.assertEqual(self.tasks.add.apply_async((5, 5), countdown=1).get(timeout=60), 10)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)

    def test_worker_answers_broadcast_ping(self):
        wait_until(lambda: self.tasks.app.control.inspect(timeout=1).ping(),
                   "the worker to answer a ping", 60)


# ---- Sidekiq (Ruby) ----------------------------------------------------------------------------

@unittest.skipUnless(shutil.which("sidekiq") and shutil.which("ruby"), "ruby-sidekiq is not installed")
class TestSidekiq(ServerTestCase):
    """Sidekiq's client pushes jobs in MULTI blocks, its process fetches with BRPOP, moves due
    jobs from sorted sets with a Lua script, and keeps its stats and heartbeat in hashes."""

    def test_jobs_schedules_retries_and_stats(self):
        log = os.path.join(self.server.dir, "sidekiq.log")
        lines = run_app(self, ["ruby", "sidekiq_check.rb"], env={"SIDEKIQ_LOG": log})
        self.assertEqual(lines, [
            "enqueued 13 scheduled 1",
            "results [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 101, 1001, 2002]",
            "fails 1 retrying 1",
            "fails 2 dead 1 retrying 0",
            'processes 1 queues ["default"]',
            "processed 15 failed 2 processes 0",
        ])


# ---- node-redis (JavaScript) -------------------------------------------------------------------

NODE_REDIS_EXPECTED = """\
set "OK"
get "1"
ttl 100
multi [1,6,"6"]
scan 50
bitcount [0,1]
pf [true,3]
hset 2
hgetall {"f1":"v1","f2":"v2"}
object "listpack"
zadd 2
zrange [{"value":"a","score":1},{"value":"b","score":2}]
sort ["a","b"]
geopos [{"longitude":"13.35999995470046997","latitude":"38.11000028671502804"}]
geosearch ["P"]
dump 35
xadd "string"
xreadgroup 1
xpending 1
xinfo ["firstEntry","groups","lastEntry","lastGeneratedId","length","radixTreeKeys","radixTreeNodes"]
pubsub ["hello","p:world"]
pubsub numsub {"ch":1}
blpop {"key":"bl","element":"x"}
watch "WatchError"
client list true
eval ["cnt","x",1]
evalsha "1"
fn "lib"
fcall "hi"
"""


@unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(NODE_PATH, "redis")),
                     "node-redis is not installed")
class TestNodeRedis(ServerTestCase):
    def test_client_api_replies(self):
        lines = run_app(self, ["node", "node_redis_check.js"], env={"NODE_PATH": NODE_PATH})
        self.assertEqual(lines, NODE_REDIS_EXPECTED.splitlines())


if __name__ == "__main__":
    main()
