"""The service's connection to Kafka: an idempotent producer (acks=all) that (re)connects in the
background, so a service starts while the broker is down, reports not ready, and catches up."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.metrics import KAFKA_CONNECTED

log = structlog.get_logger()


class KafkaLink:
    def __init__(
        self,
        bootstrap: str,
        service: str,
        topics: list[str],
        partitions: int = 6,
        *,
        replication_factor: int = 1,
        min_insync_replicas: int | None = None,
        client_options: dict[str, object] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.service = service
        self.topics = topics
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.min_insync_replicas = min_insync_replicas
        # security_protocol, ssl_context, sasl_*: the same for the producer, the admin and the consumer.
        self.client_options = dict(client_options or {})
        self.producer: AIOKafkaProducer | None = None
        self.connected = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.service}-kafka-link")

    async def _connect_forever(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                await self._ensure_topics()
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=f"govproj-{self.service}",
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=0,  # an outbox batch is already a batch; waiting adds to every hop
                    request_timeout_ms=15000,
                    **self.client_options,
                )
                await asyncio.wait_for(producer.start(), timeout=15)
                self.producer = producer
                self.connected.set()
                KAFKA_CONNECTED.labels(self.service).set(1)
                log.info("kafka connected", service=self.service, bootstrap=self.bootstrap)
                return
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("kafka not reachable yet", service=self.service, error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)  # back-off between reconnect attempts, not a test wait
                delay = min(delay * 2, 5.0)

    async def _ensure_topics(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10000, **self.client_options)
        await asyncio.wait_for(admin.start(), timeout=10)
        try:
            existing = set(await admin.list_topics())
            missing = [t for t in self.topics if t not in existing]
            if missing:
                try:
                    await admin.create_topics([self.new_topic(t) for t in missing])
                except TopicAlreadyExistsError:
                    pass
        finally:
            await admin.close()

    def new_topic(self, name: str) -> NewTopic:
        """A topic as this service would create it when missing (Strimzi's KafkaTopics usually come first)."""
        config = {}
        if self.min_insync_replicas is not None:
            config["min.insync.replicas"] = str(self.min_insync_replicas)
        return NewTopic(
            name=name,
            num_partitions=self.partitions,
            replication_factor=self.replication_factor,
            topic_configs=config,
        )

    async def reconnect(self) -> None:
        """Drop a wedged producer (e.g. OutOfOrderSequenceNumber after a blip, aiokafka #1017)."""
        self.connected.clear()
        KAFKA_CONNECTED.labels(self.service).set(0)
        old, self.producer = self.producer, None
        if old is not None:
            with contextlib.suppress(Exception):
                await old.stop()
        if not self._stopping:
            self.start()

    @property
    def ready(self) -> bool:
        return self.connected.is_set() and self.producer is not None

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        KAFKA_CONNECTED.labels(self.service).set(0)
