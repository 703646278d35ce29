package io.connectmqtt.sink;

import io.connectmqtt.testkit.ThirdPartyNotices;
import org.junit.jupiter.api.Test;

/** The built plugin directory and zip name every bundled jar with its licence and carry the licence texts. */
class ThirdPartyNoticeIT {

  @Test
  void thePluginDirectoryCarriesTheNotices() {
    ThirdPartyNotices.assertSparkplugNotices(ThirdPartyNotices.pluginDirectory("connect-mqtt-sink"));
  }

  @Test
  void theZipCarriesTheNotices() {
    ThirdPartyNotices.assertSparkplugNotices(ThirdPartyNotices.zip("connect-mqtt-sink"));
  }
}
