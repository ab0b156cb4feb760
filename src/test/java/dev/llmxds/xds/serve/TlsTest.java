package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The xDS port over mTLS: a client with a certificate from the CA gets config; others do not. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {
  private static final Path TLS = Path.of("src/test/resources/tls").toAbsolutePath();
  private static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;
  private LlmXds server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))));
    String xds =
        "{host: 127.0.0.1, port: 0, tls: {certFile: %s, keyFile: %s, clientCaFile: %s}}"
            .formatted(TLS.resolve("server.pem"), TLS.resolve("server.key"), TLS.resolve("ca.pem"));
    server = TestServers.start(TestServers.config(fleet, xds, ""));
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
  }

  private ManagedChannel channel(ChannelCredentials creds) {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress("localhost", server.xdsPort(), creds).build();
    channels.add(ch);
    return ch;
  }

  private static DiscoveryRequest cds() {
    return DiscoveryRequest.newBuilder()
        .setNode(AdsClient.node("tls-envoy", "r1", "a"))
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
        .build();
  }

  @Test
  void clientWithCertificateFromTheCaGetsConfig() throws Exception {
    ChannelCredentials creds =
        TlsChannelCredentials.newBuilder()
            .trustManager(TLS.resolve("ca.pem").toFile())
            .keyManager(TLS.resolve("client.pem").toFile(), TLS.resolve("client.key").toFile())
            .build();
    try (var ads = AdsClient.sotw(channel(creds))) {
      ads.send(cds());
      assertEquals(1, ads.next(WAIT).getResourcesCount());
    }
  }

  @Test
  void clientsWithoutACertificateOrWithoutTlsAreRefused() throws Exception {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(TlsRefusalLog.class);
    var refusals =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    refusals.start();
    logger.addAppender(refusals);
    TlsRefusalLog.resetLimit();
    ChannelCredentials noClientCert =
        TlsChannelCredentials.newBuilder().trustManager(TLS.resolve("ca.pem").toFile()).build();
    for (ChannelCredentials creds : List.of(noClientCert, InsecureChannelCredentials.create())) {
      try (var ads = AdsClient.sotw(channel(creds))) {
        ads.send(cds());
        Status refused = Status.fromThrowable(ads.awaitError(WAIT));
        assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), refused.toString());
        assertNull(ads.poll(), "no configuration leaked");
      }
    }
    logger.detachAppender(refusals);
    assertEquals(
        1,
        refusals.list.stream()
            .filter(e -> e.getFormattedMessage().contains("refused a TLS handshake"))
            .count(),
        "the refusals are logged, rate-limited: " + refusals.list);
  }
}
