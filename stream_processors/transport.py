"""faust's aiokafka transport with a configurable fetch wait.

faust hard-codes ``fetch_max_wait_ms=1500`` for its consumer. Real Kafka answers a waiting fetch as
soon as a record arrives, so the value only matters when idle; Tansu (the embedded broker) lets a
waiting fetch run much closer to its deadline (measured: p50 126 ms of added latency at 500 ms, 3 ms
at 10 ms). Each of the worker's two stages pays it once, so a short wait is what keeps
publish→searchable well under two seconds on the embedded stack. The cost is a few idle fetch
requests per second.
"""

from __future__ import annotations

from typing import Any, ClassVar

import aiokafka
import faust
from faust.transport.drivers import aiokafka as driver
from faust.types import TransportT


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by aiokafka when the consumer starts (its Fetcher is built in start()).
        consumer._fetch_max_wait_ms = int(getattr(self.app, "fetch_max_wait_ms", 1500))
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(driver.Transport):
    Consumer: ClassVar[Any] = _Consumer


class App(faust.App):
    """A faust app whose consumer waits at most ``fetch_max_wait_ms`` in a fetch."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int = 500, **kwargs: Any) -> None:
        self.fetch_max_wait_ms = fetch_max_wait_ms
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TransportT:
        return _Transport(self.conf.broker_consumer, self)
