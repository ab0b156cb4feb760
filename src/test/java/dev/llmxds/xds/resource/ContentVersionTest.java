package dev.llmxds.xds.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Versions named by content: the same in every process, different for different content. */
class ContentVersionTest {
  private static Cluster cluster(String name, String... metadataKeys) {
    Struct.Builder fields = Struct.newBuilder();
    for (String k : metadataKeys) {
      fields.putFields(k, Value.newBuilder().setStringValue(k + "-value").build());
    }
    return Cluster.newBuilder()
        .setName(name)
        .setMetadata(Metadata.newBuilder().putFilterMetadata("llm-xds", fields.build()))
        .build();
  }

  @Test
  void aVersionIsAFunctionOfTheBytesAloneTheSameInEveryProcess() {
    String v = ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("llama", "zone", "model")));
    // pinned: a second process (another replica, a restart, another JVM) computes this same
    // string from the same resources; it changes only if the hashing scheme does (then bump c1-)
    assertEquals("c1-", v.substring(0, 3));
    assertEquals(27, v.length());
    assertEquals(
        v,
        ContentVersion.of(
            ResourceTypes.CLUSTER,
            List.of(Cluster.newBuilder(cluster("llama", "zone", "model")).build())),
        "an equal, separately built resource");
    assertEquals(PINNED, v);
  }

  /** Computed once from the resources above; see the test. */
  private static final String PINNED = "c1-71da1d68be3baa9565e50955";

  @Test
  void mapFieldsInAnyInsertionOrderHaveOneVersion() {
    assertEquals(
        ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("llama", "a", "b", "c"))),
        ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("llama", "c", "a", "b"))));
  }

  @Test
  void anyChangeInContentNamesOrTypeIsANewVersion() {
    String base = ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("llama", "zone")));
    assertNotEquals(
        base, ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("qwen", "zone"))));
    assertNotEquals(
        base, ContentVersion.of(ResourceTypes.CLUSTER, List.of(cluster("llama", "az"))));
    assertNotEquals(
        base,
        ContentVersion.of(
            ResourceTypes.CLUSTER, List.of(cluster("llama", "zone"), cluster("qwen", "zone"))));
    assertTrue(
        !ContentVersion.of(ResourceTypes.CLUSTER, List.of())
            .equals(ContentVersion.of(ResourceTypes.LISTENER, List.of())),
        "empty sets of different types differ");
  }
}
