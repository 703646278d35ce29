package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Netty thread of one MQTT connection, owned by it. The HiveMQ client otherwise puts every
 * client of the JVM on one shared pool (twice the cores), several to a thread, and a source task's
 * intake waits on its client's thread while it is full (Kafka slow or away): every other connection
 * on that thread, of any task or connector in the worker, would stop with it.
 *
 * <p>The connection owns the event loop group and shuts it down when it closes. Given an executor
 * of another kind, the HiveMQ client makes a group itself and shuts it down when its count of uses
 * comes back to zero, which after reconnects it did not (our global publish callback, never
 * cancelled, holds one): each closed connection that had reconnected left its thread behind ({@code
 * ConnectionThreadsIT}). The group is of the transport the client uses (epoll where the client
 * finds it usable, as its {@code NettyEventLoopProvider} decides, else NIO), made by name because
 * Netty is the client's runtime dependency, not ours.
 */
final class ConnectionThread {

  /** The Netty event loop group class of the client's transport, decided once. */
  private static final String GROUP_CLASS =
      epollUsable()
          ? "io.netty.channel.epoll.EpollEventLoopGroup"
          : "io.netty.channel.nio.NioEventLoopGroup";

  private final ExecutorService group;

  ConnectionThread(String name) {
    ThreadFactory threads =
        work -> {
          Thread thread = new Thread(work, name);
          thread.setDaemon(true);
          return thread;
        };
    try {
      group =
          (ExecutorService)
              Class.forName(GROUP_CLASS, true, MqttClient.class.getClassLoader())
                  .getConstructor(int.class, ThreadFactory.class)
                  .newInstance(1, threads);
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException("Cannot make the MQTT client's Netty thread", e);
    }
  }

  /** The client's executor settings: this one thread. */
  MqttClientExecutorConfig executorConfig() {
    return MqttClientExecutorConfig.builder().nettyExecutor(group).nettyThreads(1).build();
  }

  /** Ends the thread once the tasks queued on it are done. */
  void shutdown() {
    try {
      group
          .getClass()
          .getMethod("shutdownGracefully", long.class, long.class, TimeUnit.class)
          .invoke(group, 0L, 1L, TimeUnit.SECONDS);
    } catch (ReflectiveOperationException e) {
      group.shutdown();
    }
  }

  /** As the HiveMQ client decides: the epoll classes present and usable on this machine. */
  private static boolean epollUsable() {
    try {
      Class<?> epoll =
          Class.forName("io.netty.channel.epoll.Epoll", true, MqttClient.class.getClassLoader());
      return (Boolean) epoll.getMethod("isAvailable").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return false;
    }
  }
}
