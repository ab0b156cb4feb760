package dev.llmxds.testing.consul;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives a Consul agent through its documented HTTP API (register, deregister, TTL check status,
 * maintenance), the way an operator's tooling would. Works against the double and real Consul.
 */
public final class ConsulControl {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI address;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ConsulControl(URI address) {
    this.address = address;
  }

  /** A service registration as Consul's agent API takes it; with one TTL check. */
  public static final class Registration {
    private final Map<String, Object> body = new LinkedHashMap<>();

    public Registration(String id, String name, int port) {
      body.put("ID", id);
      body.put("Name", name);
      body.put("Port", port);
      body.put("Tags", List.of("llm"));
      body.put("Check", Map.of("CheckID", checkId(id), "TTL", "10m", "Status", "passing"));
    }

    /** The registration as the agent API's JSON body. */
    public Map<String, Object> body() {
      return body;
    }

    public static String checkId(String id) {
      return "ttl:" + id;
    }

    public Registration address(String a) {
      body.put("Address", a);
      return this;
    }

    public Registration tags(String... tags) {
      body.put("Tags", List.of(tags));
      return this;
    }

    public Registration meta(Map<String, String> meta) {
      body.put("Meta", meta);
      return this;
    }

    public Registration locality(String region, String zone) {
      body.put("Locality", Map.of("Region", region, "Zone", zone));
      return this;
    }

    public Registration weights(int passing, int warning) {
      body.put("Weights", Map.of("Passing", passing, "Warning", warning));
      return this;
    }

    public Registration initialStatus(String status) {
      @SuppressWarnings("unchecked")
      Map<String, Object> check = new LinkedHashMap<>((Map<String, Object>) body.get("Check"));
      check.put("Status", status);
      body.put("Check", check);
      return this;
    }
  }

  public void register(Registration r) {
    put("/v1/agent/service/register", r.body);
  }

  public void deregister(String id) {
    put("/v1/agent/service/deregister/" + id, null);
  }

  public void pass(String id) {
    put("/v1/agent/check/pass/" + Registration.checkId(id), null);
  }

  public void warn(String id) {
    put("/v1/agent/check/warn/" + Registration.checkId(id), null);
  }

  public void fail(String id) {
    put("/v1/agent/check/fail/" + Registration.checkId(id), null);
  }

  public void maintenance(String id, boolean enable) {
    put("/v1/agent/service/maintenance/" + id + "?enable=" + enable + "&reason=test", null);
  }

  private void put(String path, Object body) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(address.resolve(path))
              .timeout(Duration.ofSeconds(10))
              .PUT(
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "PUT " + path + ": HTTP " + response.statusCode() + " " + response.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
