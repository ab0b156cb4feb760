package dev.llmxds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency directions of ../shared/DESIGN.md, read from the sources: every reference to a
 * project class (import or fully qualified name) is an arrow from the referring package to the
 * referred one. Generated code (the admin API's protobuf classes) is not a package of its own.
 */
class ArchitectureTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/llmxds");
  private static final Pattern REFERENCE =
      Pattern.compile("dev\\.llmxds\\.([a-z][a-z0-9.]*)\\.[A-Z]");

  /** package → packages it refers to (both relative to dev.llmxds, e.g. "xds.serve"). */
  private static final Map<String, Set<String>> arrows = new TreeMap<>();

  @BeforeAll
  static void read() {
    Set<String> packages = new TreeSet<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.forEach(f -> packages.add(packageOf(f)));
    for (Path f : files) {
      String from = packageOf(f);
      Set<String> to = arrows.computeIfAbsent(from, k -> new TreeSet<>());
      Matcher m = REFERENCE.matcher(read(f));
      while (m.find()) {
        String target = m.group(1);
        if (packages.contains(target) && !target.equals(from)) {
          to.add(target);
        }
      }
    }
  }

  private static String packageOf(Path file) {
    return SOURCES.relativize(file.getParent()).toString().replace('/', '.').replace('\\', '.');
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Packages {@code pkg} (and its subpackages) refer to outside themselves. */
  private static Set<String> uses(String pkg) {
    Set<String> out = new TreeSet<>();
    arrows.forEach(
        (from, to) -> {
          if (within(from, pkg)) {
            to.stream().filter(t -> !within(t, pkg)).forEach(out::add);
          }
        });
    return out;
  }

  private static boolean within(String pkg, String root) {
    return pkg.equals(root) || pkg.startsWith(root + ".");
  }

  private static void onlyUses(String pkg, Set<String> allowed) {
    Set<String> bad = new TreeSet<>();
    for (String used : uses(pkg)) {
      if (allowed.stream().noneMatch(a -> within(used, a))) {
        bad.add(used);
      }
    }
    assertEquals(Set.of(), bad, pkg + " may use only " + allowed + "; it uses " + uses(pkg));
  }

  @Test
  void theSourcesWereFound() {
    assertTrue(arrows.keySet().containsAll(Set.of("config", "fleet", "reconcile", "xds.serve")));
  }

  @Test
  void configFleetAndUtilDependOnNothingOfTheProject() {
    onlyUses("config", Set.of());
    onlyUses("fleet", Set.of());
    onlyUses("util", Set.of());
  }

  @Test
  void sourcesAndWeightingSeeOnlyConfigAndFleet() {
    for (String pkg : List.of("discovery", "load", "weighting")) {
      onlyUses(pkg, Set.of("config", "fleet", "util"));
    }
  }

  @Test
  void xdsLayersPointDownward() {
    onlyUses("xds.resource", Set.of("config", "fleet", "weighting", "util"));
    onlyUses("xds.projection", Set.of("config", "fleet", "weighting", "xds.resource", "util"));
    onlyUses("xds.serve", Set.of("config", "fleet", "xds.resource", "util"));
  }

  @Test
  void reconcileAdminAndDemoKeepTheirPlace() {
    onlyUses(
        "reconcile", Set.of("config", "fleet", "discovery", "load", "weighting", "xds", "util"));
    assertTrue(!uses("admin").contains("app"), "admin must not use app: " + uses("admin"));
    onlyUses("demo", Set.of("config", "fleet", "util"));
  }

  @Test
  void noPackageCycles() {
    for (String start : arrows.keySet()) {
      List<String> cycle =
          cycleFrom(start, start, new ArrayList<>(List.of(start)), new TreeSet<>());
      assertEquals(List.of(), cycle, "package cycle");
    }
  }

  private static List<String> cycleFrom(
      String start, String at, List<String> path, Set<String> seen) {
    for (String next : arrows.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return cycle;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = cycleFrom(start, next, path, seen);
        if (!found.isEmpty()) {
          return found;
        }
        path.remove(path.size() - 1);
      }
    }
    return List.of();
  }
}
