package dev.llmxds.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS files are checked when the config is read: each problem names its field and file. */
class TlsConfigTest {
  private static final Path TLS = Path.of("src/test/resources/tls").toAbsolutePath();
  @TempDir Path dir;

  private String error(Path cert, Path key, Path ca) {
    return assertThrows(ConfigException.class, () -> new TlsConfig(cert, key, ca)).getMessage();
  }

  @Test
  void theProjectsOwnTestFilesPass() {
    TlsConfig ok = new TlsConfig(TLS.resolve("server.pem"), TLS.resolve("server.key"), null);
    assertEquals(false, ok.mutual());
  }

  @Test
  void aKeyThatIsNotTheCertificatesFailsAtStartNotAtEveryHandshake() {
    String e = error(TLS.resolve("server.pem"), TLS.resolve("client.key"), TLS.resolve("ca.pem"));
    assertTrue(e.startsWith("keyFile: " + TLS.resolve("client.key") + " is not the key of"), e);
  }

  @Test
  void wrongKeyFormatsNameTheFieldTheFileAndTheFix() throws Exception {
    Path pkcs1 = dir.resolve("rsa.key");
    Files.writeString(
        pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    String e = error(TLS.resolve("server.pem"), pkcs1, null);
    assertTrue(e.startsWith("keyFile: " + pkcs1 + " is a PKCS#1/SEC1 key"), e);
    assertTrue(e.contains("openssl pkcs8 -topk8"), e);

    Path encrypted = dir.resolve("enc.key");
    Files.writeString(
        encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertTrue(error(TLS.resolve("server.pem"), encrypted, null).contains("is encrypted"));

    Path garbage = dir.resolve("garbage.key");
    Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertTrue(
        error(TLS.resolve("server.pem"), garbage, null).contains("is not an RSA, EC or EdDSA"));
  }

  @Test
  void aFileThatIsNoCertificateSaysSo() throws Exception {
    Path notCert = dir.resolve("ca.pem");
    Files.writeString(notCert, "hello");
    assertEquals(
        "clientCaFile: " + notCert + " holds no PEM certificate (BEGIN CERTIFICATE)",
        error(TLS.resolve("server.pem"), TLS.resolve("server.key"), notCert));
    assertTrue(
        error(TLS.resolve("server.key"), TLS.resolve("server.key"), null).startsWith("certFile: "));
  }
}
