package dev.llmxds.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A lean HTTP/1.1 keep-alive GET client on Netty, for scraping: one event-loop thread does all the
 * I/O, the deadlines and the body readers (no hand-off per scrape); a connection per engine is kept
 * open and reused by the next scrape; the body is collected into one pooled buffer and handed to
 * the reader as bytes, then the buffer goes back to the pool.
 *
 * <p>The whole exchange — connect, request, headers, body — has one deadline; when it passes the
 * exchange fails with {@link ScrapeClient#TIMED_OUT} and its connection is closed. A {@code
 * Content-Length} or a body growing past the cap fails the exchange and closes the connection; so
 * does an answer other than 200, a malformed answer, or any I/O error. A kept connection that the
 * engine closed while idle is retried once on a fresh one when nothing of the answer had arrived.
 * Chunked bodies are read as they come. No redirects, no compression (on loopback and in a data
 * centre, inflating costs more CPU than the bytes it saves; see the scrape benchmark).
 */
public final class NettyScrapeClient implements ScrapeClient {
  /**
   * Idle connections kept per engine address: one per concurrent scrape of it, beyond are closed.
   */
  private static final int MAX_IDLE_PER_PEER = 8;

  /** The exchange using a connection, none while it is idle. */
  private static final AttributeKey<Exchange<?>> CURRENT =
      AttributeKey.valueOf(NettyScrapeClient.class, "exchange");

  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;

  /** Idle kept connections by "host:port"; touched only on {@link #loop}. */
  private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

  private volatile boolean closed;

  /** A kept connection unused this long is closed (an engine that left the fleet, say). */
  private final long maxIdleNanos;

  /** When a kept connection went idle. */
  private static final AttributeKey<Long> IDLE_SINCE =
      AttributeKey.valueOf(NettyScrapeClient.class, "idleSince");

  public NettyScrapeClient() {
    this(Duration.ofSeconds(30));
  }

  /** With kept connections closed after {@code maxIdle} unused. */
  public NettyScrapeClient(Duration maxIdle) {
    this.maxIdleNanos = maxIdle.toNanos();
    this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("scraper-io", true));
    this.loop = group.next();
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.TCP_NODELAY, true)
            // a metrics body is tens of KB: read it in one or two reads from the first scrape on
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new AdaptiveRecvByteBufAllocator(1024, 64 * 1024, 64 * 1024))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // 64 KB chunks: a typical metrics body arrives in a few content pieces
                    ch.pipeline()
                        .addLast("http", new HttpClientCodec(4096, 16 * 1024, 64 * 1024))
                        .addLast("scrape", new ScrapeHandler());
                  }
                });
    long sweep = Math.max(1, maxIdleNanos / 2);
    loop.scheduleAtFixedRate(this::closeIdle, sweep, sweep, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> CompletableFuture<T> get(
      URI uri, Duration timeout, int maxBytes, BodyReader<T> reader) {
    Exchange<T> x = new Exchange<>(uri, maxBytes, reader);
    if (closed) {
      x.result.completeExceptionally(new IOException("scrape client closed"));
      return x.result;
    }
    try {
      if (loop.inEventLoop()) {
        x.start(timeout);
      } else {
        loop.execute(() -> x.start(timeout));
      }
    } catch (java.util.concurrent.RejectedExecutionException e) {
      x.result.completeExceptionally(new IOException("scrape client closed"));
    }
    return x.result;
  }

  private static String peer(URI uri) {
    return uri.getHost() + ":" + uri.getPort();
  }

  /** A kept connection for {@code peer}, or null. On the loop. */
  private Channel takeIdle(String peer) {
    ArrayDeque<Channel> q = idle.get(peer);
    while (q != null && !q.isEmpty()) {
      Channel ch = q.pollLast();
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Keeps {@code ch} for the next scrape of {@code peer}. On the loop. */
  private void keep(String peer, Channel ch) {
    if (closed || !ch.isActive()) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(peer, k -> new ArrayDeque<>(2));
    if (q.size() >= MAX_IDLE_PER_PEER) {
      ch.close();
      return;
    }
    ch.attr(IDLE_SINCE).set(System.nanoTime());
    q.addLast(ch);
  }

  /** Closes kept connections idle longer than {@link #maxIdleNanos}. On the loop. */
  private void closeIdle() {
    long now = System.nanoTime();
    for (var it = idle.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Channel> q = it.next();
      q.removeIf(
          ch -> {
            Long since = ch.attr(IDLE_SINCE).get();
            if (!ch.isActive() || since == null || now - since > maxIdleNanos) {
              ch.close();
              return true;
            }
            return false;
          });
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  private void forget(String peer, Channel ch) {
    ArrayDeque<Channel> q = idle.get(peer);
    if (q != null && q.remove(ch) && q.isEmpty()) {
      idle.remove(peer);
    }
  }

  /** One GET, from start to its one outcome; every method runs on the loop. */
  private final class Exchange<T> {
    final URI uri;
    final String peer;
    final int maxBytes;
    final BodyReader<T> reader;
    final CompletableFuture<T> result = new CompletableFuture<>();
    ScheduledFuture<?> alarm;
    Channel channel;
    boolean reused;
    boolean retried;
    boolean answered; // some of the response has arrived
    boolean endsAtClose;
    boolean keepAlive;
    ByteBuf body;
    boolean done;

    Exchange(URI uri, int maxBytes, BodyReader<T> reader) {
      this.uri = uri;
      this.peer = peer(uri);
      this.maxBytes = maxBytes;
      this.reader = reader;
    }

    void start(Duration timeout) {
      alarm =
          loop.schedule(
              () -> fail(new HttpTimeoutException(TIMED_OUT)),
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
      send(timeout);
    }

    void send(Duration timeout) {
      Channel ch = takeIdle(peer);
      if (ch != null) {
        reused = true;
        attach(ch);
        write();
        return;
      }
      reused = false;
      String host = uri.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      ChannelFuture connect =
          bootstrap
              .clone()
              .option(
                  ChannelOption.CONNECT_TIMEOUT_MILLIS,
                  (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
              .connect(InetSocketAddress.createUnresolved(host, uri.getPort()));
      attach(connect.channel());
      connect.addListener(
          f -> {
            if (done) {
              connect.channel().close();
            } else if (!f.isSuccess()) {
              fail(f.cause());
            } else {
              Channel c = connect.channel();
              c.closeFuture().addListener(closed -> forget(peer, c));
              write();
            }
          });
    }

    void attach(Channel ch) {
      channel = ch;
      ch.attr(CURRENT).set(this);
    }

    void write() {
      FullHttpRequest request =
          new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri.getRawPath());
      request
          .headers()
          .set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
          .set(HttpHeaderNames.ACCEPT, "text/plain;version=0.0.4");
      channel
          .writeAndFlush(request)
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  closedBeforeAnswer(f.cause());
                }
              });
    }

    void onMessage(HttpObject msg) {
      try {
        if (done) {
          return;
        }
        answered = true;
        if (msg.decoderResult().isFailure()) {
          fail(new IOException("bad HTTP response: " + msg.decoderResult().cause().getMessage()));
          return;
        }
        if (msg instanceof HttpResponse response) {
          if (response.status().code() != 200) {
            fail(new HttpStatusException(response.status().code(), uri));
            return;
          }
          long length = HttpUtil.getContentLength(response, -1L);
          if (length > maxBytes) {
            fail(ScrapeClient.tooLarge(maxBytes));
            return;
          }
          keepAlive = HttpUtil.isKeepAlive(response);
          endsAtClose = length < 0 && !HttpUtil.isTransferEncodingChunked(response);
          int initial = length >= 0 ? (int) length : Math.min(maxBytes, 64 * 1024);
          body = channel.alloc().heapBuffer(Math.min(maxBytes, Math.max(initial, 256)), maxBytes);
        }
        if (msg instanceof HttpContent content) {
          if (body == null) {
            fail(new IOException("body without a response"));
            return;
          }
          ByteBuf bytes = content.content();
          if (body.readableBytes() + bytes.readableBytes() > maxBytes) {
            fail(ScrapeClient.tooLarge(maxBytes));
            return;
          }
          body.writeBytes(bytes);
          if (msg instanceof LastHttpContent) {
            if (endsAtClose && body.isReadable() && body.getByte(body.writerIndex() - 1) != '\n') {
              // no length and no chunks: only the close ends the body, and an engine dying
              // mid-line looks the same; the text format ends every line with a newline
              fail(new IOException("body cut short: ended by close in the middle of a line"));
              return;
            }
            succeed();
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void succeed() {
      done = true;
      alarm.cancel(false);
      Channel ch = channel;
      ch.attr(CURRENT).set(null);
      T value;
      try {
        int from = body.arrayOffset() + body.readerIndex();
        value = reader.read(body.array(), from, from + body.readableBytes());
      } catch (RuntimeException | Error e) {
        release();
        ch.close();
        result.completeExceptionally(e);
        return;
      }
      release();
      if (keepAlive) {
        keep(peer, ch);
      } else {
        ch.close();
      }
      result.complete(value);
    }

    /** The connection closed or a write failed; retried once if a kept one had gone stale. */
    void closedBeforeAnswer(Throwable cause) {
      if (done) {
        return;
      }
      if (reused && !answered && !retried) {
        retried = true;
        channel.attr(CURRENT).set(null);
        channel.close();
        send(Duration.ofNanos(Math.max(1, alarm.getDelay(TimeUnit.NANOSECONDS))));
        return;
      }
      fail(
          cause != null
              ? cause
              : new IOException("connection closed before the response ended by " + peer));
    }

    void fail(Throwable cause) {
      if (done) {
        return;
      }
      done = true;
      if (alarm != null) {
        alarm.cancel(false);
      }
      release();
      Channel ch = channel;
      if (ch != null) {
        ch.attr(CURRENT).compareAndSet(this, null);
        ch.close();
      }
      result.completeExceptionally(cause);
    }

    private void release() {
      if (body != null) {
        body.release();
        body = null;
      }
    }
  }

  /** Routes a connection's events to the exchange using it. */
  private static final class ScrapeHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Exchange<?> x = ctx.channel().attr(CURRENT).get();
      if (x == null || !(msg instanceof HttpObject http)) {
        ReferenceCountUtil.release(msg);
        if (x == null) {
          ctx.close(); // bytes nobody asked for on an idle connection
        }
        return;
      }
      x.onMessage(http);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Exchange<?> x = ctx.channel().attr(CURRENT).get();
      if (x != null) {
        x.closedBeforeAnswer(null);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Exchange<?> x = ctx.channel().attr(CURRENT).get();
      if (x != null) {
        x.fail(cause);
      } else {
        ctx.close();
      }
    }
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return loop;
  }

  @Override
  public void close() {
    closed = true;
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
