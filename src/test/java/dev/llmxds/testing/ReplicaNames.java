package dev.llmxds.testing;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * A name that resolves to every llm-xds replica, as DNS does for a Kubernetes headless Service or a
 * compose alias: {@code replicas:///<anything>} answers the loopback xDS ports of the replicas, in
 * order (a stopped replica stays listed, as a DNS record does until its pod is gone). Registered in
 * grpc's default registry while open.
 */
public final class ReplicaNames extends NameResolverProvider implements AutoCloseable {
  public static final String SCHEME = "replicas";
  private final List<IntSupplier> ports = new CopyOnWriteArrayList<>();

  public ReplicaNames() {
    NameResolverRegistry.getDefaultRegistry().register(this);
  }

  /** Lists one more replica, by its xDS port (read at each resolution). */
  public void add(IntSupplier xdsPort) {
    ports.add(xdsPort);
  }

  /** Replaces replica {@code i} (a restarted replica on a new port). */
  public void set(int i, IntSupplier xdsPort) {
    ports.set(i, xdsPort);
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme())) {
      return null;
    }
    return new NameResolver() {
      private Listener2 listener;

      @Override
      public String getServiceAuthority() {
        return "llm-xds";
      }

      @Override
      public void start(Listener2 l) {
        listener = l;
        refresh();
      }

      @Override
      public void refresh() {
        List<EquivalentAddressGroup> addresses =
            ports.stream()
                .map(
                    p ->
                        new EquivalentAddressGroup(
                            new InetSocketAddress("127.0.0.1", p.getAsInt())))
                .toList();
        listener.onResult(ResolutionResult.newBuilder().setAddresses(addresses).build());
      }

      @Override
      public void shutdown() {}
    };
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public void close() {
    NameResolverRegistry.getDefaultRegistry().deregister(this);
  }
}
