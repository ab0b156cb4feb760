package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import dev.llmxds.xds.serve.NodeStatus;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped mTLS gRPC bootstrap ({@code deploy/grpc/xds-bootstrap-mtls.json}) with grpc-java's
 * own xDS client against an llm-xds whose xDS port requires client certificates from the test CA.
 * Only the server addresses and the certificate directory are changed to the test's.
 *
 * <p>grpc-java 1.81's built-in {@code tls} channel credentials ignore the bootstrap's {@code
 * config}, so the client-certificate cases register {@link FileTlsProvider}, a provider of the same
 * name that reads the gRFC A65 fields, through grpc-java's public credentials registry: the rest
 * (bootstrap parsing, xDS client, ADS over TLS, resources, RPCs) is grpc-java's own path.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class XdsMtlsClientTest {
  private static final Path TLS = Path.of("src/test/resources/tls").toAbsolutePath();
  private static final String SHIPPED_CERT_DIR = "/etc/llm-xds/tls/";
  private static final Duration CONVERGE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private TestBackend backend;
  private LlmXds server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private FileTlsProvider provider;

  @BeforeEach
  void start() {
    backend = new TestBackend("a1");
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(backend.port(), "r1", "a"))));
    String xds =
        "{host: 127.0.0.1, port: 0, tls: {certFile: %s, keyFile: %s, clientCaFile: %s}}"
            .formatted(TLS.resolve("server.pem"), TLS.resolve("server.key"), TLS.resolve("ca.pem"));
    server = TestServers.start(TestServers.config(fleet, xds, "load: {enabled: false}"));
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (provider != null) {
      registry("deregister", provider);
    }
    if (server != null) {
      server.close();
    }
    backend.close();
  }

  /**
   * The shipped bootstrap with every server pointed at the test's llm-xds (by the name its
   * certificate carries), the certificate paths moved to the test CA's directory, this node id, and
   * without the config fields named in {@code drop}.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> bootstrap(String nodeId, String... drop) throws IOException {
    Map<String, Object> b =
        new ObjectMapper()
            .readValue(Path.of("deploy/grpc/xds-bootstrap-mtls.json").toFile(), Map.class);
    for (Map<String, Object> s : (List<Map<String, Object>>) b.get("xds_servers")) {
      s.put("server_uri", "localhost:" + server.xdsPort());
      for (Map<String, Object> creds : (List<Map<String, Object>>) s.get("channel_creds")) {
        Map<String, Object> config = (Map<String, Object>) creds.get("config");
        config.replaceAll(
            (k, v) -> String.valueOf(v).replace(SHIPPED_CERT_DIR, TLS.toString() + File.separator));
        for (String field : drop) {
          config.remove(field);
        }
      }
    }
    ((Map<String, Object>) b.get("node")).put("id", nodeId);
    ((Map<String, Object>) b.get("node")).put("locality", Map.of("region", "r1", "zone", "a"));
    return b;
  }

  private ManagedChannel channel(Map<String, Object> bootstrap) {
    ManagedChannel ch = XdsClients.channel("llama", bootstrap);
    channels.add(ch);
    return ch;
  }

  private void registerFileTlsProvider() throws Exception {
    provider = new FileTlsProvider();
    registry("register", provider);
  }

  /**
   * Calls {@code register} or {@code deregister} of grpc-java's default XdsCredentialsRegistry,
   * which 1.81 does not make public (an application lists its provider in {@code
   * META-INF/services/io.grpc.xds.XdsCredentialsProvider} instead, for the whole process; the test
   * adds and removes it around each case).
   */
  private static void registry(String action, XdsCredentialsProvider p) throws Exception {
    Class<?> registryClass = Class.forName("io.grpc.xds.XdsCredentialsRegistry");
    Method getDefault = registryClass.getMethod("getDefaultRegistry");
    getDefault.setAccessible(true);
    Method m = registryClass.getMethod(action, XdsCredentialsProvider.class);
    m.setAccessible(true);
    m.invoke(getDefault.invoke(null), p);
  }

  private boolean nodeSeen(String nodeId) {
    return server.streams().nodes().stream().anyMatch(n -> n.nodeId().equals(nodeId));
  }

  /** Polls RPCs until one fails with UNAVAILABLE; returns that status. */
  private static Status awaitRefusal(ManagedChannel ch) {
    AtomicReference<Status> refused = new AtomicReference<>();
    Await.until(
        CONVERGE,
        () -> {
          try {
            TestBackend.who(ch);
            return false;
          } catch (StatusRuntimeException e) {
            refused.set(e.getStatus());
            return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
          }
        },
        () -> "RPCs fail for want of xDS configuration: " + refused.get());
    return refused.get();
  }

  @Test
  void clientWithACertificateFromTheCaGetsItsConfigurationOverMtls() throws Exception {
    registerFileTlsProvider();
    ManagedChannel ch = channel(bootstrap("mtls-client"));
    AtomicReference<Object> last = new AtomicReference<>();
    Await.until(
        CONVERGE,
        () -> {
          try {
            return TestBackend.who(ch).equals("a1");
          } catch (StatusRuntimeException e) {
            last.set(e.getStatus());
            return false;
          }
        },
        () -> "an RPC routed by llm-xds's configuration: " + last.get());
    assertTrue(provider.built > 0, "grpc-java took the tls credentials from the test provider");
    Await.until(
        CONVERGE,
        () ->
            server.streams().nodes().stream()
                .filter(n -> n.nodeId().equals("mtls-client"))
                .anyMatch(Streams::fullyAcked),
        () -> "the client ACKed everything: " + server.streams().nodes());
    NodeStatus node =
        server.streams().nodes().stream()
            .filter(n -> n.nodeId().equals("mtls-client"))
            .findFirst()
            .orElseThrow();
    assertEquals(java.util.Set.of("lds", "cds", "eds"), node.types().keySet(), node.toString());
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void clientWithoutACertificateIsRefused() throws Exception {
    registerFileTlsProvider();
    ManagedChannel ch = channel(bootstrap("mtls-no-cert", "certificate_file", "private_key_file"));
    awaitRefusal(ch);
    assertTrue(provider.built > 0, "the CA-only credentials were used");
    assertFalse(nodeSeen("mtls-no-cert"), "llm-xds never saw a request from it");
    assertEquals(0, backend.calls());
  }

  /**
   * grpc-java 1.81's own {@code tls} provider ignores the bootstrap's config (no CA file, no client
   * certificate), so the shipped mTLS bootstrap alone does not connect. When grpc-java reads the
   * A65 fields this fails: then the provider workaround in deploy/grpc/README.md can go.
   */
  @Test
  void grpcJavasBuiltInTlsCredentialsIgnoreTheBootstrapFiles() throws Exception {
    ManagedChannel ch = channel(bootstrap("mtls-builtin"));
    awaitRefusal(ch);
    assertFalse(nodeSeen("mtls-builtin"), "llm-xds never saw a request from it");
  }

  /**
   * {@code tls} channel credentials from the bootstrap's {@code ca_certificate_file}, {@code
   * certificate_file} and {@code private_key_file} (gRFC A65 field names), read once.
   */
  static final class FileTlsProvider extends XdsCredentialsProvider {
    volatile int built;

    @Override
    protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      try {
        if (config != null && config.get("ca_certificate_file") instanceof String ca) {
          b.trustManager(new File(ca));
        }
        Object cert = config == null ? null : config.get("certificate_file");
        Object key = config == null ? null : config.get("private_key_file");
        if (cert instanceof String c && key instanceof String k) {
          b.keyManager(new File(c), new File(k));
        } else if (cert != null || key != null) {
          return null; // both or neither, as A65 says
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      built++;
      return b.build();
    }

    @Override
    protected String getName() {
      return "tls";
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public int priority() {
      return 10; // above grpc-java's own "tls" provider (5)
    }
  }
}
