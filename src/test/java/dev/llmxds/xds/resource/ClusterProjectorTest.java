package dev.llmxds.xds.resource;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ClusterConfig;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterProjectorTest {
  private static final InferenceService LLAMA =
      new InferenceService("llama", List.of(), List.of(ep(1, "r1", "a")));

  private static Cluster project(String clusterYaml) {
    ClusterConfig config = ConfigLoader.parse("cluster: " + clusterYaml, null).cluster();
    return new ClusterProjector(config).project(LLAMA);
  }

  /** Envoy ejects only while 100 × (ejected + 1) / hosts ≤ max_ejection_percent. */
  private static boolean ejectsOneOf(OutlierDetection od, int hosts) {
    return 100.0 * 1 / hosts <= od.getMaxEjectionPercent().getValue();
  }

  @Test
  void edsOverAdsWithLeastRequestAndExplicitSettings() {
    Cluster c = project("{leastRequest: {choiceCount: 3, activeRequestBias: 0.5}}");
    assertEquals("llama", c.getName());
    assertEquals(Cluster.DiscoveryType.EDS, c.getType());
    assertTrue(c.getEdsClusterConfig().getEdsConfig().hasAds());
    assertEquals(Cluster.LbPolicy.LEAST_REQUEST, c.getLbPolicy());
    assertEquals(3, c.getLeastRequestLbConfig().getChoiceCount().getValue());
    assertEquals(0.5, c.getLeastRequestLbConfig().getActiveRequestBias().getDefaultValue());
    assertEquals(50.0, c.getCommonLbConfig().getHealthyPanicThreshold().getValue());
    assertEquals(16_384, c.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue());
    assertFalse(c.hasOutlierDetection() && c.getHealthChecksCount() > 0);
  }

  @Test
  void byDefaultTheBiasIsLeftToEnvoySoEqualWeightsKeepPowerOfTwoChoices() {
    Cluster c = project("{}");
    assertFalse(c.getLeastRequestLbConfig().hasActiveRequestBias());
    assertEquals(500_000_000, c.getCommonLbConfig().getUpdateMergeWindow().getNanos());
    assertEquals(
        2,
        project("{updateMergeWindow: 2s}").getCommonLbConfig().getUpdateMergeWindow().getSeconds());
  }

  @Test
  void defaultOutlierDetectionEjectsInPoolsOfTwoToTenGpus() {
    OutlierDetection od = project("{}").getOutlierDetection();
    for (int hosts = 2; hosts <= 10; hosts++) {
      assertTrue(ejectsOneOf(od, hosts), "ejects one of " + hosts);
    }
    OutlierDetection envoy = project("{outlierDetection: {preset: envoy}}").getOutlierDetection();
    assertFalse(ejectsOneOf(envoy, 9), "Envoy's own default ejects nobody below 10 hosts");
  }

  @Test
  void nginxPresetMatchesMaxFailsFiveFailTimeout120s() {
    OutlierDetection od = project("{outlierDetection: {preset: nginx}}").getOutlierDetection();
    assertEquals(5, od.getConsecutive5Xx().getValue());
    assertEquals(5, od.getConsecutiveGatewayFailure().getValue());
    assertEquals(100, od.getEnforcingConsecutiveGatewayFailure().getValue());
    assertEquals(120, od.getBaseEjectionTime().getSeconds());
    assertEquals(120, od.getMaxEjectionTime().getSeconds());
    assertEquals(100, od.getMaxEjectionPercent().getValue());
  }

  @Test
  void overridesApplyOnTopOfThePresetAndOffRemovesIt() {
    OutlierDetection od =
        project("{outlierDetection: {preset: nginx, consecutive5xx: 2}}").getOutlierDetection();
    assertEquals(2, od.getConsecutive5Xx().getValue());
    assertEquals(120, od.getBaseEjectionTime().getSeconds());
    assertFalse(project("{outlierDetection: {preset: 'off'}}").hasOutlierDetection());
  }

  @Test
  void slowStartAndActiveHealthCheckAreOptIn() {
    Cluster plain = project("{}");
    assertFalse(plain.getLeastRequestLbConfig().hasSlowStartConfig());
    assertEquals(0, plain.getHealthChecksCount());

    Cluster c = project("{slowStart: {window: 30s}, healthCheck: {path: /health, interval: 2s}}");
    assertEquals(
        30, c.getLeastRequestLbConfig().getSlowStartConfig().getSlowStartWindow().getSeconds());
    assertEquals("/health", c.getHealthChecks(0).getHttpHealthCheck().getPath());
    assertEquals(2, c.getHealthChecks(0).getInterval().getSeconds());
  }
}
