package dev.llmxds.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Checks TLS files at start-up, so a bad file fails with its field and path instead of a bare
 * library message, and a certificate with a key that is not its own fails before any handshake
 * does: certificates must be X.509 PEM, the key an unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE
 * KEY}, what gRPC's Netty TLS reads), and the key must sign what the certificate's public key
 * verifies.
 */
final class TlsFiles {
  /** A TLS file is a few KB; larger ones are refused unread. */
  static final long MAX_BYTES = 1024 * 1024;

  private TlsFiles() {}

  static List<X509Certificate> certificates(String field, Path file) {
    String pem = read(field, file);
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigException(field, file + " holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .stream()
          .map(c -> (X509Certificate) c)
          .toList();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ConfigException(field, file + " is not a valid PEM certificate: " + e.getMessage());
    }
  }

  static PrivateKey privateKey(String field, Path file) {
    String pem = read(field, file);
    if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")) {
      throw new ConfigException(
          field,
          file
              + " is a PKCS#1/SEC1 key; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt"
              + " -in <key> -out <key>.pk8`");
    }
    if (pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
      throw new ConfigException(field, file + " is encrypted; give an unencrypted PKCS#8 key");
    }
    String begin = "-----BEGIN PRIVATE KEY-----";
    String end = "-----END PRIVATE KEY-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new ConfigException(field, file + " holds no PKCS#8 PEM key (BEGIN PRIVATE KEY)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field, file + ": the key is not valid base64");
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException(field, file + " is not an RSA, EC or EdDSA PKCS#8 key");
  }

  /** Throws unless {@code key} is the private half of {@code certificate}'s public key. */
  static void requirePair(
      Path certFile, X509Certificate certificate, Path keyFile, PrivateKey key) {
    PublicKey pub = certificate.getPublicKey();
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    boolean matches;
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pub);
      verifier.update(challenge);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      matches = false;
    }
    if (!matches) {
      throw new ConfigException(
          "keyFile",
          keyFile
              + " is not the key of the certificate in "
              + certFile
              + " (every handshake would fail)");
    }
  }

  private static String read(String field, Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new ConfigException(field, file + " is " + size + " bytes, not a PEM file");
      }
      return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(field, "cannot read file " + file + ": " + e.getMessage());
    }
  }
}
