package io.connectmqtt.entitysync;

import java.util.ArrayList;
import java.util.List;

/** Command-line arguments of mosquitto_pub and mosquitto_sub for the broker ACL tests. */
final class MosquittoArgs {

  private MosquittoArgs() {}

  /**
   * Protocol {@code version} (-V), logged in as {@code user} with {@code password} and client id
   * {@code clientId}, at QoS 1, followed by {@code more}.
   */
  static String[] loggedIn(
      String version, String user, String password, String clientId, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("-V", version, "-u", user, "-P", password, "-i", clientId, "-q", "1"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}
