"""Kafka plumbing: the link to the broker, the transactional outbox relay, and inbox-deduplicating consumers."""

from shared.bus.consumer import EventConsumer, Subscriptions
from shared.bus.link import KafkaLink
from shared.bus.outbox import OutboxRelay

__all__ = ["EventConsumer", "KafkaLink", "OutboxRelay", "Subscriptions"]
