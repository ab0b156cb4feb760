package dev.llmxds.sim.engine;

import dev.llmxds.demo.EngineModel;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.workload.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A GPU in simulated time: the project's {@link EngineModel} (the same one behind the fake engine),
 * stepped by the event clock. Its speed can change while it runs (a degrading GPU) and it can die
 * (a lost zone).
 */
public final class SimEngine {
  public final int id;
  public final String zone;
  private final Clock clock;
  private final EngineModel model;
  private final Map<Long, Request> requests = new HashMap<>();
  private final Consumer<Request> onDone;
  private double speed;
  private boolean stepping;
  private boolean alive = true;
  private double inFlightArea;
  private double lastChange;
  private long generatedTokens;
  private long submitted;
  private long queriedBefore;
  private long hitsBefore;

  public SimEngine(
      int id, String zone, EngineModel.Spec spec, Clock clock, Consumer<Request> onDone) {
    this(id, zone, spec, false, clock, onDone);
  }

  /** A GPU with vLLM's automatic prefix caching on or off. */
  public SimEngine(
      int id,
      String zone,
      EngineModel.Spec spec,
      boolean prefixCaching,
      Clock clock,
      Consumer<Request> onDone) {
    this.id = id;
    this.zone = zone;
    this.clock = clock;
    this.model = new EngineModel(spec.withSpeed(1.0), prefixCaching);
    this.speed = spec.speed();
    this.onDone = onDone;
  }

  public double speed() {
    return speed;
  }

  public void speed(double newSpeed) {
    speed = newSpeed;
  }

  public boolean alive() {
    return alive;
  }

  /** The GPU dies: its requests fail (they count as done, never completed). */
  public void kill() {
    accumulate();
    alive = false;
    for (Request r : requests.values()) {
      r.done = Double.NaN;
      onDone.accept(r);
    }
    requests.clear();
  }

  public void submit(Request r) {
    accumulate();
    r.engine = id;
    requests.put(r.id, r);
    submitted++;
    model.submit(model(r));
    if (!stepping) {
      stepping = true;
      clock.after(0, this::step);
    }
  }

  private void step() {
    if (!alive || model.idle()) {
      stepping = false;
      return;
    }
    EngineModel.Step step = model.step();
    clock.after(step.durationNanos() / 1e9 / speed, () -> finish(step));
  }

  private void finish(EngineModel.Step step) {
    if (!alive) {
      stepping = false;
      return;
    }
    accumulate();
    generatedTokens += step.tokens().size(); // counted once the step's output is out, as vLLM does
    for (long id : step.firstTokens()) {
      requests.get(id).firstToken = clock.now();
    }
    for (long id : step.finished()) {
      Request r = requests.remove(id);
      r.done = clock.now();
      onDone.accept(r);
    }
    step();
  }

  private static EngineModel.Request model(Request r) {
    return new EngineModel.Request(r.id, r.promptTokens, r.outputTokens, r.prefix);
  }

  /** How many of {@code r}'s prompt tokens this GPU's prefix cache holds now. */
  public int cachedTokens(Request r) {
    return model.cachedTokens(model(r));
  }

  /** Requests submitted since the last reset. */
  public long submitted() {
    return submitted;
  }

  /** Prompt tokens looked up in the prefix cache since the last reset. */
  public long prefixQueriedTokens() {
    return model.prefixQueriedTokens() - queriedBefore;
  }

  /** Prompt tokens found in the prefix cache since the last reset. */
  public long prefixHitTokens() {
    return model.prefixHitTokens() - hitsBefore;
  }

  /** Tokens generated so far ({@code vllm:generation_tokens_total}). */
  public long generatedTokens() {
    return generatedTokens;
  }

  public int maxNumSeqs() {
    return model.spec().maxNumSeqs();
  }

  public int running() {
    return model.running();
  }

  public int waiting() {
    return model.waiting();
  }

  public double kvUsage() {
    return model.kvUsage();
  }

  public int inFlight() {
    return requests.size();
  }

  private void accumulate() {
    inFlightArea += requests.size() * (clock.now() - lastChange);
    lastChange = clock.now();
  }

  /** Time-averaged in-flight requests since the last reset. */
  public double meanInFlight(double since) {
    accumulate();
    return inFlightArea / Math.max(1e-9, clock.now() - since);
  }

  public void resetStats() {
    accumulate();
    inFlightArea = 0;
    submitted = 0;
    queriedBefore = model.prefixQueriedTokens();
    hitsBefore = model.prefixHitTokens();
  }
}
