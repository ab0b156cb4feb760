package dev.llmxds.admin;

import dev.llmxds.config.AdminConfig;
import dev.llmxds.util.DaemonThreads;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.WriteTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: {@code /} (HTML), {@code /api/fleet}, {@code /api/nodes}, {@code
 * /api/config_dump?zone=…[&region=…][&kind=sidecar|proxyless]}, {@code /healthz}, {@code /readyz},
 * {@code /metrics} (Prometheus). Read-only (GET and HEAD, no request body); loopback by default.
 * The one exception is the demo's buttons, {@code POST /demo/act} with the page's form token, and
 * only while a {@link DemoPanel} is attached.
 *
 * <p>Built on Netty's HTTP/1.1 codec so that a stalled client costs a socket and never a thread:
 * reads are non-blocking, the request head must arrive within {@code admin.headerTimeout} of its
 * first byte, an idle keep-alive connection is closed after {@code admin.idleTimeout}, a response
 * the client does not read after {@code admin.writeTimeout}; request line and headers are capped,
 * connections are capped, and responses are rendered on a small bounded pool, one request per
 * connection at a time. Every response carries a restrictive Content-Security-Policy.
 */
public final class AdminHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);
  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final int MAX_QUERY_PARAMS = 16;

  /** How long an error answer waits for the client to stop sending before the socket closes. */
  private static final long LINGER_MILLIS = 1_000;

  private final AdminConfig config;

  /**
   * Bound to a loopback address (the default): then only requests naming a loopback host are
   * answered, so a web page whose DNS name is rebound to 127.0.0.1 cannot read the admin views or
   * press the demo's buttons from the operator's browser.
   */
  private final boolean loopbackOnly;

  private final AdminSource source;
  private final AdminViews views;
  private final LlmXdsMetrics metrics;
  private final EventLoopGroup boss = new NioEventLoopGroup(1, DaemonThreads.named("admin-accept"));
  private final EventLoopGroup io = new NioEventLoopGroup(1, DaemonThreads.named("admin-io"));
  private final ThreadPoolExecutor renderers;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  private final Channel listener;
  private final FleetHistory history = new FleetHistory();
  private final java.util.concurrent.ScheduledExecutorService sampler =
      DaemonThreads.scheduler("admin-history");

  /** The token a demo button must post back (a form token: another site cannot read it). */
  private final String formToken = newToken();

  private volatile DemoPanel demo;

  public AdminHttpServer(
      AdminConfig config, AdminSource source, AdminViews views, LlmXdsMetrics metrics)
      throws IOException {
    this.config = config;
    this.loopbackOnly = isLoopback(config.host());
    this.source = source;
    this.views = views;
    this.metrics = metrics;
    // one request per connection at a time, so the queue never holds more than the connections
    this.renderers =
        new ThreadPoolExecutor(
            config.threads(),
            config.threads(),
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.maxConnections()),
            DaemonThreads.named("admin-http"));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, io)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (open.incrementAndGet() > config.maxConnections()) {
                      open.decrementAndGet();
                      ch.close();
                      return;
                    }
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    channels.add(ch);
                    Deadline deadline = new Deadline();
                    ch.pipeline()
                        .addLast("deadline", deadline)
                        .addLast(
                            "write-timeout",
                            new WriteTimeoutHandler(
                                config.writeTimeout().toMillis(), TimeUnit.MILLISECONDS))
                        .addLast(
                            "http",
                            new HttpServerCodec(
                                new HttpDecoderConfig()
                                    .setMaxInitialLineLength(config.maxRequestLineBytes())
                                    .setMaxHeaderSize(config.maxHeaderBytes())
                                    .setMaxChunkSize(8_192)))
                        .addLast("admin", new Exchange(deadline));
                  }
                });
    try {
      this.listener =
          bootstrap
              .bind(new InetSocketAddress(config.host(), config.port()))
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      shutdownThreads();
      throw new IOException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Shows the demo's panel on the page and accepts its buttons (POST /demo/act). */
  public void demo(DemoPanel panel) {
    this.demo = panel;
  }

  /** Starts sampling weights and queues for the page's charts, every {@code seconds}. */
  public void sampleHistory(long seconds) {
    sampler.scheduleAtFixedRate(
        () -> {
          try {
            history.sample(views.fleet(), System.currentTimeMillis());
          } catch (RuntimeException e) {
            log.debug("admin history sample failed: {}", e.toString());
          }
        },
        0,
        seconds,
        TimeUnit.SECONDS);
  }

  private static String newToken() {
    byte[] bytes = new byte[18];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The one timer of a connection. Armed with {@code headerTimeout} when the connection opens and
   * when the first byte of a request arrives, with {@code idleTimeout} after a response; cancelled
   * once a request head is complete. When it fires the connection is closed, with a 408 if a
   * request had begun.
   */
  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** Whether a Host header names a loopback host (any port): localhost, 127.x.y.z or [::1]. */
  static boolean loopbackHost(String hostHeader) {
    String h = hostHeader.strip().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 && h.substring(1, end).equals("::1") && portOnly(h.substring(end + 1));
    }
    int colon = h.indexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    if (colon >= 0 && !portOnly(h.substring(colon))) {
      return false;
    }
    return name.equals("localhost") || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static boolean portOnly(String rest) {
    return rest.isEmpty() || rest.matches(":\\d{1,5}");
  }

  private final class Deadline extends ChannelDuplexHandler {
    private ScheduledFuture<?> timer;
    private boolean awaitingFirstByte;
    private boolean inRequest = true;
    private boolean bytesSeen;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      arm(ctx, config.headerTimeout().toMillis());
      super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof ByteBuf buf && buf.isReadable()) {
        bytesSeen = true;
        if (awaitingFirstByte) {
          awaitingFirstByte = false;
          inRequest = true;
          arm(ctx, config.headerTimeout().toMillis());
        }
      }
      super.channelRead(ctx, msg);
    }

    /** The request head is complete: no deadline until the response is written. */
    void headReceived() {
      cancel();
      inRequest = false;
    }

    /** A response was written and the connection stays open for the next request. */
    void responded(ChannelHandlerContext ctx) {
      awaitingFirstByte = true;
      inRequest = false;
      bytesSeen = false;
      arm(ctx, config.idleTimeout().toMillis());
    }

    private void arm(ChannelHandlerContext ctx, long millis) {
      cancel();
      timer = ctx.executor().schedule(() -> expire(ctx), millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void expire(ChannelHandlerContext ctx) {
      timer = null;
      if (inRequest && bytesSeen && ctx.channel().isActive()) {
        // answer through the whole pipeline (the codec encodes it), then close
        FullHttpResponse r =
            response(HttpResponseStatus.REQUEST_TIMEOUT, TEXT, "request head too slow\n", false);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.pipeline().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      cancel();
      super.channelInactive(ctx);
    }
  }

  /** One connection's requests, one at a time. */
  private final class Exchange extends ChannelInboundHandlerAdapter {
    private final Deadline deadline;
    private boolean busy;
    private boolean closing;

    Exchange(Deadline deadline) {
      this.deadline = deadline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (closing) {
          return; // draining what a rejected client still sends
        }
        if (msg instanceof HttpRequest request) {
          deadline.headReceived();
          onRequest(ctx, request);
        } else if (msg instanceof HttpContent content && content.content().isReadable()) {
          // a body on a GET (e.g. chunked): not accepted
          reject(ctx, HttpResponseStatus.BAD_REQUEST, "a request body is not accepted\n");
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
      if (request.decoderResult().isFailure()) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
          reject(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n");
        } else if (cause instanceof TooLongHttpHeaderException) {
          reject(
              ctx,
              HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
              "request headers too large\n");
        } else {
          reject(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request\n");
        }
        return;
      }
      if (busy) {
        // pipelining: not supported; finish the request in flight, then close
        closing = true;
        return;
      }
      HttpMethod method = request.method();
      boolean demoPost =
          method.equals(HttpMethod.POST) && demo != null && request.uri().startsWith("/demo/act?");
      if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD) && !demoPost) {
        FullHttpResponse r =
            response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "read-only: use GET\n", false);
        r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        rejectWith(ctx, r);
        return;
      }
      if (HttpUtil.getContentLength(request, 0L) != 0
          || request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
        reject(ctx, HttpResponseStatus.BAD_REQUEST, "a request body is not accepted\n");
        return;
      }
      String hostHeader = request.headers().get(HttpHeaderNames.HOST);
      if (loopbackOnly && hostHeader != null && !loopbackHost(hostHeader)) {
        reject(
            ctx,
            HttpResponseStatus.MISDIRECTED_REQUEST,
            "refused: this admin server answers only to localhost, 127.0.0.1 or [::1]\n");
        return;
      }
      busy = true;
      boolean head = method.equals(HttpMethod.HEAD);
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String uri = request.uri();
      String site = request.headers().get("Sec-Fetch-Site");
      String origin = request.headers().get(HttpHeaderNames.ORIGIN);
      String host = request.headers().get(HttpHeaderNames.HOST);
      try {
        renderers.execute(
            () -> {
              FullHttpResponse r =
                  demoPost ? demoAction(uri, site, origin, host) : render(uri, head);
              ctx.executor().execute(() -> respond(ctx, r, keepAlive));
            });
      } catch (RejectedExecutionException e) {
        respond(ctx, response(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, "busy\n", head), false);
      }
    }

    private void respond(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
      busy = false;
      boolean close = !keepAlive || closing || !ctx.channel().isActive();
      if (close) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(r)
            .addListener(
                f -> {
                  if (f.isSuccess()) {
                    deadline.responded(ctx);
                  } else {
                    ctx.close();
                  }
                });
      }
    }

    private void reject(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
      rejectWith(ctx, response(status, TEXT, body, false));
    }

    /**
     * Answers and closes, after letting the client finish sending for a moment: closing a socket
     * with unread input resets it, and the client would never read the answer.
     */
    private void rejectWith(ChannelHandlerContext ctx, FullHttpResponse r) {
      closing = true;
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r)
          .addListener(
              f -> {
                if (f.isSuccess() && ctx.channel() instanceof SocketChannel ch) {
                  ch.shutdownOutput();
                  ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                  ctx.close();
                }
              });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private FullHttpResponse render(String uri, boolean head) {
    try {
      QueryStringDecoder q =
          new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, MAX_QUERY_PARAMS);
      String path = q.path();
      return switch (path) {
        case "/" -> response(HttpResponseStatus.OK, "text/html; charset=utf-8", page(), head);
        case "/api/fleet" ->
            response(HttpResponseStatus.OK, JSON, AdminViews.json(views.fleet()), head);
        case "/api/nodes" ->
            response(HttpResponseStatus.OK, JSON, AdminViews.json(views.nodes()), head);
        case "/api/config_dump" -> configDump(q.parameters(), head);
        case "/healthz" -> response(HttpResponseStatus.OK, TEXT, "ok\n", head);
        case "/readyz" -> readyz(head);
        case "/metrics" ->
            response(
                HttpResponseStatus.OK,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape(),
                head);
        default ->
            response(
                HttpResponseStatus.NOT_FOUND,
                TEXT,
                "no such page: " + AdminViews.clip(path, AdminViews.MAX_NAME) + "\n",
                head);
      };
    } catch (IllegalArgumentException e) {
      return response(HttpResponseStatus.BAD_REQUEST, TEXT, "malformed request URI\n", head);
    } catch (RuntimeException e) {
      log.warn("admin request {} failed", AdminViews.clip(uri, AdminViews.MAX_NAME), e);
      return response(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          TEXT,
          "internal error: " + AdminViews.clip(String.valueOf(e.getMessage()), 512) + "\n",
          head);
    }
  }

  /**
   * A demo button: POST /demo/act?do=ID&token=T with an empty body. Accepted only with the page's
   * form token and, where the browser says where the request comes from (Sec-Fetch-Site, Origin),
   * only from this origin: a cross-site form post is refused. Answers 303 back to the page.
   */
  private FullHttpResponse demoAction(String uri, String site, String origin, String host) {
    DemoPanel panel = demo;
    try {
      QueryStringDecoder q =
          new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, MAX_QUERY_PARAMS);
      String token = first(q.parameters(), "token", "");
      boolean sameSite = site == null || site.equals("same-origin") || site.equals("none");
      boolean sameOrigin =
          origin == null
              || origin.equals("null") && site != null && !site.equals("cross-site")
              || host != null && origin.equals("http://" + host);
      if (panel == null
          || !q.path().equals("/demo/act")
          || !java.security.MessageDigest.isEqual(
              token.getBytes(StandardCharsets.UTF_8), formToken.getBytes(StandardCharsets.UTF_8))
          || !sameSite
          || !sameOrigin) {
        return response(
            HttpResponseStatus.FORBIDDEN, TEXT, "refused: not a button of this page\n", false);
      }
      panel.act(first(q.parameters(), "do", ""));
      FullHttpResponse r = response(HttpResponseStatus.SEE_OTHER, TEXT, "done\n", false);
      r.headers().set(HttpHeaderNames.LOCATION, "/");
      return r;
    } catch (IllegalArgumentException e) {
      return response(
          HttpResponseStatus.BAD_REQUEST,
          TEXT,
          "bad demo action: " + AdminViews.clip(String.valueOf(e.getMessage()), 200) + "\n",
          false);
    } catch (RuntimeException e) {
      log.warn("demo action {} failed", AdminViews.clip(uri, AdminViews.MAX_NAME), e);
      return response(
          HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, "demo action failed\n", false);
    }
  }

  private String page() {
    DemoPanel panel = demo;
    return HtmlPage.render(
        views.fleet(),
        views.nodes(),
        history.samples(),
        panel == null ? null : panel.view(),
        formToken,
        System.currentTimeMillis());
  }

  private FullHttpResponse readyz(boolean head) {
    boolean discovered = source.discovery().lastSuccess() != null;
    boolean published = source.published().publications() > 0;
    if (discovered && published) {
      return response(HttpResponseStatus.OK, TEXT, "ready\n", head);
    }
    return response(
        HttpResponseStatus.SERVICE_UNAVAILABLE,
        TEXT,
        "not ready: "
            + (discovered ? "first snapshot not published yet" : "waiting for the first discovery")
            + "\n",
        head);
  }

  private FullHttpResponse configDump(Map<String, List<String>> q, boolean head) {
    String kind = first(q, "kind", "sidecar");
    if (!kind.equals("sidecar") && !kind.equals("proxyless")) {
      return response(
          HttpResponseStatus.BAD_REQUEST,
          JSON,
          "{\"error\": \"kind must be sidecar or proxyless\"}\n",
          head);
    }
    return response(
        HttpResponseStatus.OK,
        JSON,
        AdminViews.json(views.configDump(kind, first(q, "region", null), first(q, "zone", null))),
        head);
  }

  private static String first(Map<String, List<String>> q, String name, String fallback) {
    List<String> values = q.get(name);
    return values == null || values.isEmpty() ? fallback : values.get(0);
  }

  /** A response with the admin headers; for HEAD the length of the body it leaves out. */
  private static FullHttpResponse response(
      HttpResponseStatus status, String type, String body, boolean head) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set("Content-Security-Policy", HtmlPage.CONTENT_SECURITY_POLICY)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer");
    return r;
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdownThreads();
  }

  private void shutdownThreads() {
    sampler.shutdownNow();
    renderers.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
