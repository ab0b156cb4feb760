package dev.llmxds.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loopback HTTP/1.1 keep-alive servers that answer every request with the same canned {@code
 * /metrics} body (Content-Length framed): many listening ports on a few event-loop threads, for the
 * scrape benchmark. As a program ({@code ReplayServers <count> <body file> [threads]}) it prints
 * its ports on one line and serves until its standard input closes: the 10,000-endpoint run puts
 * them in child processes, since one process may not hold 10,000 listening, 10,000 accepted and
 * 10,000 client sockets under the machine's file limit.
 */
public final class ReplayServers implements AutoCloseable {
  private final EventLoopGroup group;
  private final List<Channel> listeners = new ArrayList<>();
  private final ByteBuf response;

  public ReplayServers(int count, byte[] body, int threads) throws InterruptedException {
    byte[] head =
        ("HTTP/1.1 200 OK\r\n"
                + "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    response =
        Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(head.length + body.length).writeBytes(head).writeBytes(body));
    group = new NioEventLoopGroup(threads, new DefaultThreadFactory("replay", true));
    ChannelHandler answer = new Answer(response);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpRequestDecoder(), answer);
                  }
                });
    for (int i = 0; i < count; i++) {
      listeners.add(bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel());
    }
  }

  public List<Integer> ports() {
    return listeners.stream()
        .map(c -> ((InetSocketAddress) c.localAddress()).getPort())
        .collect(Collectors.toList());
  }

  @ChannelHandler.Sharable
  private static final class Answer extends ChannelInboundHandlerAdapter {
    private final ByteBuf response;

    Answer(ByteBuf response) {
      this.response = response;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean end = msg instanceof LastHttpContent;
      ReferenceCountUtil.release(msg);
      if (end) {
        ctx.writeAndFlush(response.duplicate());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void close() {
    listeners.forEach(Channel::close);
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    byte[] body = Files.readAllBytes(Path.of(args[1]));
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    try (ReplayServers servers = new ReplayServers(count, body, threads)) {
      System.out.println(
          servers.ports().stream().map(String::valueOf).collect(Collectors.joining(" ")));
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
      while (in.readLine() != null) {
        // serve until the parent closes our input
      }
    }
  }
}
