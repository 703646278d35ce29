package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResponseTopicPolicyTest {

  private final ResponseTopicPolicy policy = new ResponseTopicPolicy("spec");

  @Test
  void allowsTheClientsOwnResponseTopicAndTopicsBelowIt() {
    assertThat(policy.allows("c1", "spec/c1/response")).isTrue();
    assertThat(policy.allows("c1", "spec/c1/response/req-7")).isTrue();
    assertThat(policy.allows("c1", "spec/c1/inbox")).isTrue();
  }

  @Test
  void refusesOtherClientsTopicsAndEverythingOutsideTheProtocol() {
    assertThat(policy.problem("c1", "spec/c2/response"))
        .contains("outside this client's topics spec/c1/");
    assertThat(policy.allows("c1", "spec/c2/notify/sid")).isFalse();
    assertThat(policy.allows("c1", "spec/c1x/response"))
        .as("a client id that merely starts the same")
        .isFalse();
    assertThat(policy.allows("c1", "spec/c1")).isFalse();
    assertThat(policy.allows("c1", "spec/c1/")).isFalse();
    assertThat(policy.allows("c1", "other/c1/response")).isFalse();
    assertThat(policy.allows("c1", "$SYS/broker")).isFalse();
    assertThat(policy.allows("c1", "spec/+/response")).isFalse();
  }

  @Test
  void refusesTheClientsOwnRequestAndNotifyTopics() {
    assertThat(policy.problem("c1", "spec/c1/request")).contains("reserved");
    assertThat(policy.allows("c1", "spec/c1/notify")).isFalse();
    assertThat(policy.allows("c1", "spec/c1/notify/sid")).isFalse();
    assertThat(policy.allows("c1", "spec/c1/notifyx")).isTrue();
  }
}
