package dev.llmxds.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.discovery.FleetAssembler.Candidate;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetAssemblerTest {
  private static final List<Endpoint> ONE =
      List.of(new Endpoint("10.0.0.1", 8000, Locality.NONE, 1, EndpointHealth.HEALTHY, false));

  private static Candidate c(String name, String... models) {
    return new Candidate(name, List.of(models), ONE);
  }

  @Test
  void invalidServicesAreSkippedAndTheRestKept() {
    FleetAssembler.Result r =
        FleetAssembler.assemble(List.of(c("ok"), c("x".repeat(129)), c("bad name"), c("m", " ")));
    assertEquals(List.of("ok"), List.copyOf(r.fleet().services().keySet()));
    assertEquals(3, r.problems().size(), r.problems().toString());
    assertTrue(
        r.problems().stream().anyMatch(p -> p.startsWith("service 'xxx") && p.contains("…(129")),
        r.problems().toString());
  }

  @Test
  void aContestedModelGoesToTheNameThatSortsFirstWhateverTheOrder() {
    for (List<Candidate> order :
        List.of(
            List.of(c("b", "shared", "b1"), c("a", "shared")),
            List.of(c("a", "shared"), c("b", "shared", "b1")))) {
      FleetAssembler.Result r = FleetAssembler.assemble(order);
      Fleet f = r.fleet();
      assertEquals(List.of("shared"), f.service("a").orElseThrow().models());
      assertEquals(List.of("b1"), f.service("b").orElseThrow().models());
      assertEquals(
          List.of(
              "model 'shared' is claimed by 'a' and 'b': 'a' keeps it (the service name that"
                  + " sorts first)"),
          r.problems());
    }
  }

  @Test
  void aServiceThatLosesEveryModelKeepsItsOwnNameUnlessThatIsTakenToo() {
    FleetAssembler.Result r = FleetAssembler.assemble(List.of(c("a", "m"), c("b", "m")));
    assertEquals(List.of("b"), r.fleet().service("b").orElseThrow().models());

    r = FleetAssembler.assemble(List.of(c("a", "b"), c("b")));
    assertEquals(List.of("a"), List.copyOf(r.fleet().services().keySet()));
    assertEquals(2, r.problems().size(), r.problems().toString());
    assertTrue(r.problems().get(1).startsWith("service 'b' skipped"), r.problems().toString());
  }

  @Test
  void controlCharactersNeverReachALogLine() {
    assertEquals("a?b", FleetAssembler.shown("a\nb", 80));
  }
}
