package io.connectmqtt.source;

import io.connectmqtt.testkit.ThirdPartyNotices;
import org.junit.jupiter.api.Test;

/**
 * The built plugin directory and zip name every bundled jar with its licence and carry the licence
 * texts.
 */
class ThirdPartyNoticeIT {

  @Test
  void theArchivesCarryTheNotices() {
    ThirdPartyNotices.assertSparkplugNotices("connect-mqtt-source");
  }
}
