"""The Celery application of test_applications.py: a broker and a result backend on the
server under test (CAIRN_TEST_PORT), databases 0 and 1, as a Celery user configures them."""

import os

from celery import Celery

_port = os.environ["CAIRN_TEST_PORT"]
app = Celery("celery_tasks", broker="redis://127.0.0.1:%s/0" % _port,
             backend="redis://127.0.0.1:%s/1" % _port)
app.conf.broker_transport_options = {"visibility_timeout": 60}


@app.task
def add(x, y):
    return x + y


@app.task(bind=True, max_retries=3, default_retry_delay=0.2)
def flaky(self, failures):
    """Fails `failures` times, retried by Celery each time, then succeeds."""
    if self.request.retries < failures:
        raise self.retry()
    return "ok after %d" % self.request.retries
