package dev.llmxds.discovery.file;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmxds.config.AffinityConfig;
import dev.llmxds.config.ConfigException;
import dev.llmxds.discovery.Affinities;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Engine;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import java.util.ArrayList;
import java.util.List;

/** The YAML shape of a fleet file, converted to the domain with errors naming the entry. */
record FleetFileModel(@JsonProperty("services") List<Service> services) {

  record Service(
      String name, List<String> models, List<EndpointEntry> endpoints, AffinityConfig affinity) {}

  record EndpointEntry(
      String address,
      Integer port,
      String region,
      String zone,
      Integer weight,
      String health,
      Boolean backup,
      String engine,
      Integer metricsPort,
      String metricsPath) {

    Endpoint toEndpoint() {
      if (address == null) {
        throw new ConfigException("address", "is required");
      }
      if (port == null) {
        throw new ConfigException("port", "is required");
      }
      EndpointHealth h;
      try {
        h = health == null ? EndpointHealth.HEALTHY : EndpointHealth.parse(health);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("health", e.getMessage());
      }
      Engine eng;
      try {
        eng =
            new Engine(
                EngineKind.parse(engine), metricsPort == null ? 0 : metricsPort, metricsPath);
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage();
        String field =
            msg.startsWith("unknown engine")
                ? "engine"
                : msg.startsWith("metrics port") ? "metricsPort" : "metricsPath";
        throw new ConfigException(field, msg);
      }
      try {
        return new Endpoint(
            address.strip(),
            port,
            Locality.of(region, zone),
            weight == null ? 1 : weight,
            h,
            backup != null && backup,
            eng);
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage();
        String field = msg.startsWith("port") ? "port" : msg.startsWith("weight") ? "weight" : "";
        throw new ConfigException(field, msg);
      }
    }
  }

  Fleet toFleet() {
    List<InferenceService> result = new ArrayList<>();
    List<Service> list = services == null ? List.of() : services;
    for (int i = 0; i < list.size(); i++) {
      Service s = list.get(i);
      String at = "services[" + i + "]";
      if (s == null || s.name() == null) {
        throw new ConfigException(at + ".name", "is required");
      }
      List<Endpoint> endpoints = new ArrayList<>();
      List<EndpointEntry> entries = s.endpoints() == null ? List.of() : s.endpoints();
      for (int j = 0; j < entries.size(); j++) {
        if (entries.get(j) == null) {
          throw new ConfigException(at + ".endpoints[" + j + "]", "is empty");
        }
        try {
          endpoints.add(entries.get(j).toEndpoint());
        } catch (ConfigException e) {
          throw e.under(at + ".endpoints[" + j + "]");
        }
      }
      try {
        result.add(
            new InferenceService(s.name(), s.models(), endpoints, Affinities.of(s.affinity())));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(at, e.getMessage());
      }
    }
    try {
      return Fleet.of(result);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("services", e.getMessage());
    }
  }
}
