package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ThirdPartyNotices;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built plugin directory and zip carry doc/THIRD-PARTY.txt naming every bundled jar with its
 * licence, and the full text of the LGPL the MariaDB JDBC driver is under (LGPL 2.1 section 6 asks
 * for it with the library).
 */
class ThirdPartyNoticeIT {

  private static final String LGPL = "doc/licenses/LGPL-2.1.txt";

  @Test
  void thePluginDirectoryNamesEveryBundledJarAndShipsTheLgpl() {
    assertLgpl(ThirdPartyNotices.pluginDirectory("connect-entity-sync"));
  }

  @Test
  void theZipNamesEveryBundledJarAndShipsTheLgpl() {
    assertLgpl(ThirdPartyNotices.zip("connect-entity-sync"));
  }

  private static void assertLgpl(Map<String, String> files) {
    Map<String, String> rows = ThirdPartyNotices.assertNotices(files);
    assertThat(
            rows.entrySet().stream()
                .filter(e -> e.getKey().startsWith("mariadb-java-client-"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(""))
        .contains("LGPL-2.1-or-later");
    String notice = files.get(ThirdPartyNotices.NOTICE);
    assertThat(notice).contains("its full text is " + LGPL).contains("mariadb-connector-j");
    assertThat(files.get(LGPL))
        .startsWith("                  GNU LESSER GENERAL PUBLIC LICENSE")
        .contains("Version 2.1, February 1999");
  }
}
