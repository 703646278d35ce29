package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The demo's options: a second demo on the same machine takes free ports where the usual ones are
 * in use.
 */
class DemoOptionsTest {

  @Test
  void aTakenDefaultPortIsReplacedByAFreeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int usual = taken.getLocalPort();
      int chosen = DemoOptions.port(null, usual);
      assertThat(chosen).isNotEqualTo(usual).isPositive();
      try (ServerSocket free = new ServerSocket(chosen, 1, InetAddress.getLoopbackAddress())) {
        assertThat(free.isBound()).isTrue();
      }
    }
  }

  @Test
  void anExplicitPortIsUsedAsGiven() {
    assertThat(DemoOptions.port("18830", 1883)).isEqualTo(18830);
    DemoOptions options =
        DemoOptions.parse(
            new String[] {
              "--mqtt-port=18831", "--http-port=18832", "--duration=5", "--dashboard=off"
            });
    assertThat(options.mqttPort()).isEqualTo(18831);
    assertThat(options.httpPort()).isEqualTo(18832);
    assertThat(options.durationSeconds()).isEqualTo(5);
  }

  @Test
  void unknownOrMalformedOptionsAreRefusedWithTheKnownOnes() {
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--mqtt-prot=1"}))
        .hasMessageContaining("mqtt-prot")
        .hasMessageContaining("--mqtt-port");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"1883"}))
        .hasMessageContaining("--name=value");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--dashboard=maybe"}))
        .hasMessageContaining("auto");
  }
}
