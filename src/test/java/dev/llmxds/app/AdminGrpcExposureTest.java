package dev.llmxds.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the admin gRPC service is served: the xDS port listens on every interface. */
class AdminGrpcExposureTest {
  @TempDir Path dir;

  private LlmXdsConfig config(String xds, String admin) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    Path tls = Path.of("src/test/resources/tls").toAbsolutePath(); // checked when read
    Files.copy(
        tls.resolve("server.pem"),
        dir.resolve("cert.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        tls.resolve("server.key"),
        dir.resolve("key.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        tls.resolve("ca.pem"),
        dir.resolve("ca.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return ConfigLoader.parse("xds: " + xds + "\nadmin: " + admin + "\n", dir);
  }

  @Test
  void onlyOnAnMtlsXdsPortUnlessExplicitlyEnabled() throws Exception {
    String tls = "{tls: {certFile: cert.pem, keyFile: key.pem}}";
    String mtls = "{tls: {certFile: cert.pem, keyFile: key.pem, clientCaFile: ca.pem}}";
    assertFalse(LlmXds.adminOnXdsPort(config("{}", "{}")), "plaintext: not by default");
    assertFalse(LlmXds.adminOnXdsPort(config(tls, "{}")), "TLS without client certs: not");
    assertTrue(LlmXds.adminOnXdsPort(config(mtls, "{}")), "mTLS: served");
    assertTrue(LlmXds.adminOnXdsPort(config("{}", "{grpcOnXdsPort: true}")), "explicitly on");
    assertFalse(LlmXds.adminOnXdsPort(config(mtls, "{grpcOnXdsPort: false}")), "explicitly off");
  }
}
