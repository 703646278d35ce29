package io.connectmqtt.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/** The command line every benchmark driver reads. */
class BenchmarkSetupTest {

  @Test
  void optionsAreReadWithOrWithoutTheEqualsSignInOrder() {
    assertThat(
            BenchmarkSetup.options(
                new String[] {
                  "--messages=1000", "--rate", "500", "--connector.mqtt.qos=0", "--brokers", "A,B"
                }))
        .containsExactly(
            entry("messages", "1000"),
            entry("rate", "500"),
            entry("connector.mqtt.qos", "0"),
            entry("brokers", "A,B"));
  }

  @Test
  void aValueMayContainEqualsSignsAndBeEmpty() {
    assertThat(BenchmarkSetup.options(new String[] {"--variant.a.k=x=y", "--out="}))
        .containsExactly(entry("variant.a.k", "x=y"), entry("out", ""));
  }

  @Test
  void aNameWithoutAValueIsRefusedNamingBothForms() {
    for (String[] args :
        new String[][] {{"--messages"}, {"--messages", "--rate=5"}, {"--rate=5", "--messages"}}) {
      assertThatThrownBy(() -> BenchmarkSetup.options(args))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("option --messages has no value: write --messages=value or --messages value");
    }
  }

  @Test
  void aValueWithoutANameIsRefusedNamingBothForms() {
    for (String arg : new String[] {"1000", "-messages=1", "--", "--=5"}) {
      assertThatThrownBy(() -> BenchmarkSetup.options(new String[] {arg}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("expected an option --name=value or --name value, got '" + arg + "'");
    }
  }
}
