package io.connectmqtt.migrate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The command: reads another MQTT connector's config (JSON for the Connect REST API, or
 * .properties), prints ours on standard output and, on standard error, every key it could not
 * translate with the reason, and notes on behaviour that changes. Exit status 0: everything
 * translated; 2: some keys were not; 1: the input was unusable.
 */
public final class Migrate {

  private Migrate() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    boolean properties = false;
    String file = null;
    for (String arg : args) {
      if (arg.equals("--properties")) {
        properties = true;
      } else if (arg.equals("--json")) {
        properties = false;
      } else if (arg.startsWith("-")) {
        return usage(err, "unknown option " + arg);
      } else if (file == null) {
        file = arg;
      } else {
        return usage(err, "one config file at a time");
      }
    }
    if (file == null) {
      return usage(err, "no config file given");
    }
    Translation translation;
    try {
      String text =
          file.equals("-")
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file));
      translation = PeerTranslator.translate(ConfigFile.parse(text));
    } catch (IOException e) {
      err.println("error: cannot read " + file + ": " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    Map<String, String> config = translation.config();
    out.print(properties ? ConfigFile.toProperties(config) : ConfigFile.toJson(config) + "\n");
    err.println(
        "# "
            + translation.peer()
            + " "
            + translation.direction().name().toLowerCase()
            + " -> "
            + translation.direction().connectorClass);
    if (!translation.untranslatedKeys().isEmpty()) {
      err.println("# Not translated (" + translation.untranslatedKeys().size() + "):");
      translation
          .untranslatedKeys()
          .forEach(u -> err.println("#   " + u.key() + ": " + u.reason()));
    }
    if (!translation.notes().isEmpty()) {
      err.println("# Notes:");
      translation.notes().forEach(n -> err.println("#   " + n));
    }
    err.println("# Behaviour that differs: docs/migration.md");
    return translation.untranslatedKeys().isEmpty() ? 0 : 2;
  }

  private static int usage(PrintStream err, String problem) {
    err.println("error: " + problem);
    err.println(
        "usage: migrate.sh [--json|--properties] <connector config: .json or .properties, '-' for stdin>");
    return 1;
  }
}
