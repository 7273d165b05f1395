"""Kafka settings: topic replication, partitions and min ISR, and TLS/SASL handed to every aiokafka client."""

from __future__ import annotations

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from shared.bus import Subscriptions
from shared.bus.link import KafkaLink
from shared.db import ServiceSchema
from shared.service import ServiceRuntime
from shared.settings import Settings


def write_ca(path):
    """A self-signed CA like Strimzi's cluster CA, as the PEM the services mount."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cluster-ca")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_plaintext_with_one_replica_stays_the_default():
    settings = Settings(service="intake")
    assert settings.kafka_client_options == {"security_protocol": "PLAINTEXT"}
    topic = KafkaLink("kafka:9092", "intake", [], settings.topic_partitions).new_topic("govproj.intake")
    assert (topic.num_partitions, topic.replication_factor, topic.topic_configs) == (6, 1, {})


def test_topics_take_replication_partitions_and_min_isr_from_the_settings(tmp_path):
    settings = Settings(
        service="review",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'review.sqlite'}",
        topic_partitions=24,
        topic_replication_factor=3,
        topic_min_insync_replicas=2,
    )
    runtime = ServiceRuntime(settings, ServiceSchema("review"), Subscriptions())
    topic = runtime.link.new_topic("govproj.review")
    assert topic.num_partitions == 24 and topic.replication_factor == 3
    assert topic.topic_configs == {"min.insync.replicas": "2"}


@pytest.mark.parametrize(("replicas", "min_isr"), [(3, 4), (1, 0)])
def test_a_min_isr_the_replicas_cannot_meet_is_refused(replicas, min_isr):
    with pytest.raises(ValidationError, match="MIN_INSYNC_REPLICAS"):
        Settings(topic_replication_factor=replicas, topic_min_insync_replicas=min_isr)


def test_tls_verifies_the_brokers_against_the_mounted_ca(tmp_path):
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=write_ca(tmp_path / "ca.crt"))
    options = settings.kafka_client_options
    assert options["security_protocol"] == "SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "cluster-ca"),),)]


def test_sasl_over_tls_passes_the_login_to_the_clients(tmp_path):
    settings = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=write_ca(tmp_path / "ca.crt"),
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="intake",
        kafka_sasl_password="s3cret",
    )
    options = settings.kafka_client_options
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("intake", "s3cret")


def test_sasl_without_a_login_is_refused():
    with pytest.raises(ValidationError, match="SASL"):
        Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512")


def test_the_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GOVPROJ_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("GOVPROJ_TOPIC_MIN_INSYNC_REPLICAS", "2")
    monkeypatch.setenv("GOVPROJ_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("GOVPROJ_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("GOVPROJ_KAFKA_SASL_USERNAME", "budget")
    monkeypatch.setenv("GOVPROJ_KAFKA_SASL_PASSWORD", "pw")
    settings = Settings()
    assert (settings.topic_replication_factor, settings.topic_min_insync_replicas) == (3, 2)
    assert settings.kafka_client_options["security_protocol"] == "SASL_PLAINTEXT"


class _Captured(Exception):
    """Stops a client at construction once its keyword arguments are recorded."""


async def test_the_producer_admin_and_consumer_all_get_the_security_options(tmp_path, monkeypatch):
    import asyncio

    from shared.bus import consumer as consumer_module
    from shared.bus import link as link_module

    seen: dict[str, dict] = {}

    def capture(name, stop):
        def build(*_args, **kwargs):
            seen[name] = kwargs
            raise stop

        return build

    settings = Settings(
        service="budget",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'budget.sqlite'}",
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=write_ca(tmp_path / "ca.crt"),
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="budget",
        kafka_sasl_password="pw",
    )
    runtime = ServiceRuntime(settings, ServiceSchema("budget"), Subscriptions())
    monkeypatch.setattr(link_module, "AIOKafkaAdminClient", capture("admin", _Captured()))
    with pytest.raises(_Captured):
        await runtime.link._ensure_topics()

    async def no_topics():
        return None

    monkeypatch.setattr(runtime.link, "_ensure_topics", no_topics)
    monkeypatch.setattr(link_module, "AIOKafkaProducer", capture("producer", _Captured()))
    with pytest.raises(_Captured):
        await runtime.link._connect_forever()

    runtime.link.connected.set()
    # CancelledError is what the consumer's loop lets through (it reconnects on broker errors).
    monkeypatch.setattr(consumer_module, "AIOKafkaConsumer", capture("consumer", asyncio.CancelledError()))
    with pytest.raises(asyncio.CancelledError):
        await runtime.consumer._run_forever()

    for name in ("admin", "producer", "consumer"):
        assert seen[name]["security_protocol"] == "SASL_SSL", name
        assert seen[name]["sasl_mechanism"] == "SCRAM-SHA-512" and seen[name]["sasl_plain_username"] == "budget"
        assert isinstance(seen[name]["ssl_context"], ssl.SSLContext)
    await runtime.engine.dispose()
