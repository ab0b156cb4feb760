package dev.llmxds.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS on the xDS port. With {@code clientCaFile} set, clients must present a certificate signed by
 * that CA (mTLS). The files are checked when the config is read ({@link TlsFiles}): PEM
 * certificates, an unencrypted PKCS#8 key, and a key that belongs to the certificate.
 */
public record TlsConfig(Path certFile, Path keyFile, Path clientCaFile) {
  public TlsConfig {
    requireReadable("certFile", certFile);
    requireReadable("keyFile", keyFile);
    if (clientCaFile != null) {
      requireReadable("clientCaFile", clientCaFile);
      TlsFiles.certificates("clientCaFile", clientCaFile);
    }
    var chain = TlsFiles.certificates("certFile", certFile);
    TlsFiles.requirePair(certFile, chain.get(0), keyFile, TlsFiles.privateKey("keyFile", keyFile));
  }

  public boolean mutual() {
    return clientCaFile != null;
  }

  private static void requireReadable(String field, Path file) {
    if (file == null) {
      throw new ConfigException(field, "is required when tls is set");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(field, "cannot read file " + file);
    }
  }
}
