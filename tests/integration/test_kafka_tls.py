"""The Kafka TLS and SASL settings against a real broker: a SASL_SSL listener (PLAIN over TLS, the server
certificate signed by a CA the test makes) reached by the service's link, admin and consumer with the
settings' options; a client trusting another CA, or with a wrong password, is refused."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shared.bus.link import KafkaLink
from shared.settings import Settings
from tests.support import infra
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration


def _certificate(subject: str, key, issuer: x509.Name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(directory: Path, name: str) -> tuple[Path, x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = _certificate(name, key, subject, key, ca=True)
    path = directory / f"{name}.crt"
    path.write_bytes(_pem(cert))
    return path, cert, key


@pytest.fixture(scope="module")
def secured_broker(tmp_path_factory) -> Iterator[tuple[str, Path, Path]]:
    """A broker with a SASL_SSL listener beside its PLAINTEXT one; yields its address and two CAs."""
    directory = tmp_path_factory.mktemp("kafka-tls")
    ca_path, ca_cert, ca_key = make_ca(directory, "cluster-ca")
    other_ca_path, _, _ = make_ca(directory, "other-ca")
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server_cert = _certificate("broker", server_key, ca_cert.subject, ca_key, ca=False)
    keystore = directory / "broker.pem"  # Kafka's PEM keystore: the key (PKCS#8) then the chain
    keystore.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        + _pem(server_cert)
        + _pem(ca_cert)
    )
    port, controller, secure = infra.free_port(), infra.free_port(), infra.free_port()
    listeners = f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller},SASL_SSL://127.0.0.1:{secure}"
    properties = directory / "tls.properties"
    properties.write_text(
        f"listeners={listeners}\n"
        f"advertised.listeners={listeners}\n"
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL\n"
        "sasl.enabled.mechanisms=PLAIN\n"
        "listener.name.sasl_ssl.plain.sasl.jaas.config="
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_intake="intake-pw";\n'
        "ssl.keystore.type=PEM\n"
        f"ssl.keystore.location={keystore}\n"
    )
    infra.start_kafka(port, controller, extra_properties=properties)
    try:
        yield f"127.0.0.1:{secure}", ca_path, other_ca_path
    finally:
        infra.stop_kafka(port, remove_data=True)


def _settings(bootstrap: str, cafile: Path, password: str = "intake-pw") -> Settings:
    return Settings(
        service="intake",
        kafka_bootstrap=bootstrap,
        topic_partitions=4,
        kafka_security_protocol="SASL_SSL",
        kafka_ssl_cafile=cafile,
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="intake",
        kafka_sasl_password=password,
    )


async def test_the_link_and_a_consumer_reach_the_broker_over_sasl_ssl(secured_broker):
    bootstrap, ca, _ = secured_broker
    settings = _settings(bootstrap, ca)
    topic = f"govproj.tls{uuid.uuid4().hex[:6]}"
    link = KafkaLink(
        settings.kafka_bootstrap,
        "intake",
        [topic],
        settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        client_options=settings.kafka_client_options,
    )
    link.start()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"g-{topic}", auto_offset_reset="earliest",
        **settings.kafka_client_options,
    )  # fmt: skip
    try:
        await wait_for(lambda: link.ready, timeout=60, message="the link to connect over SASL_SSL")
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **settings.kafka_client_options)
        await admin.start()
        try:
            (described,) = await admin.describe_topics([topic])
        finally:
            await admin.close()
        assert len(described["partitions"]) == 4
        await link.producer.send_and_wait(topic, b"over tls", key=b"P-1")
        await consumer.start()
        record = await asyncio.wait_for(consumer.getone(), timeout=30)
        assert (record.key, record.value) == (b"P-1", b"over tls")
    finally:
        await consumer.stop()
        await link.stop()


@pytest.mark.parametrize("wrong", ["another CA", "a wrong password"])
async def test_a_client_with_the_wrong_ca_or_password_is_refused(secured_broker, wrong):
    bootstrap, ca, other_ca = secured_broker
    settings = _settings(bootstrap, other_ca) if wrong == "another CA" else _settings(bootstrap, ca, "nope")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000, **settings.kafka_client_options)
    try:
        # The same listener let the right CA and password in (the test above): here the handshake fails.
        with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
            await asyncio.wait_for(producer.start(), timeout=30)
    finally:
        await producer.stop()
