package dev.llmxds.xds.resource;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Version strings derived from content: {@value #PREFIX} and the first 96 bits of a SHA-256 over
 * one type's resources for a node group (each resource's name and its deterministic serialisation,
 * in publication order). Two replicas that project the same fleet and weights publish the same
 * version for the same bytes, so a client that moves from one to the other is told nothing changed;
 * a restarted replica with the same content publishes the same version (correct: the client has
 * it), and any change in content is a new version.
 *
 * <p>Each resource's digest is computed once per instance (resources that did not change keep their
 * instance across publications, see the projection memo), so re-versioning a type after one
 * assignment changed hashes one assignment and combines the others' digests.
 */
public final class ContentVersion {
  /** Marks a content-derived version (scheme 1). */
  public static final String PREFIX = "c1-";

  private static final Cache<Message, byte[]> DIGESTS =
      CacheBuilder.newBuilder().weakKeys().build();

  private ContentVersion() {}

  /** The version of {@code resources} of {@code type}. */
  public static <T extends Message> String of(XdsResourceType<T> type, List<T> resources) {
    MessageDigest combined = sha256();
    combined.update(type.typeUrl().getBytes(StandardCharsets.UTF_8));
    for (T resource : resources) {
      combined.update(digest(type.name(resource), resource));
    }
    return PREFIX + HexFormat.of().formatHex(combined.digest(), 0, 12);
  }

  private static byte[] digest(String name, Message resource) {
    byte[] d = DIGESTS.getIfPresent(resource);
    if (d == null) {
      MessageDigest md = sha256();
      md.update(name.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(deterministicBytes(resource));
      d = md.digest();
      DIGESTS.put(resource, d);
    }
    return d;
  }

  /** Map entries sorted by key, so equal messages serialise to equal bytes in any process. */
  static byte[] deterministicBytes(Message m) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      m.writeTo(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }
}
