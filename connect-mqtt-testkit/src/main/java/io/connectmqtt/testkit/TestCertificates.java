package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made with the JDK's keytool: a CA, a server certificate for 127.0.0.1/localhost
 * and a client certificate, as JKS and PKCS12 stores and as PEM files (the private key as
 * unencrypted PKCS#8).
 */
public final class TestCertificates {

  public static final String PASSWORD = "changeit";

  public final Path dir;
  public final Path serverKeystoreJks;
  public final Path truststoreJks;
  public final Path clientKeystoreP12;
  public final Path truststoreP12;
  public final Path caPem;
  public final Path clientCertPem;
  public final Path clientKeyPem;

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.serverKeystoreJks = dir.resolve("server.jks");
    this.truststoreJks = dir.resolve("truststore.jks");
    this.clientKeystoreP12 = dir.resolve("client.p12");
    this.truststoreP12 = dir.resolve("truststore.p12");
    this.caPem = dir.resolve("ca.pem");
    this.clientCertPem = dir.resolve("client-cert.pem");
    this.clientKeyPem = dir.resolve("client-key.pem");
  }

  public static TestCertificates create() {
    TestCertificates certs = new TestCertificates(ProjectLayout.scratch("pki-"));
    certs.generate();
    return certs;
  }

  private void generate() {
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=connect-mqtt test CA",
        "-ext",
        "bc:c",
        "-startdate",
        "-1d",
        "-validity",
        "3",
        "-keystore",
        "ca.p12",
        "-storetype",
        "PKCS12");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
    issue("server", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", "server.jks", "JKS");
    issue("client", "CN=connect-mqtt-client", null, "client.p12", "PKCS12");
    trustCa("truststore.jks", "JKS");
    trustCa("truststore.p12", "PKCS12");
    writePem(clientKeystoreP12, "client");
  }

  /** Imports the CA certificate into the trust store {@code truststore} of type {@code type}. */
  private void trustCa(String truststore, String type) {
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        "ca.pem",
        "-keystore",
        truststore,
        "-storetype",
        type);
  }

  private void issue(String alias, String dname, String san, String keystore, String type) {
    keytool(
        "-genkeypair",
        "-alias",
        alias,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        dname,
        "-startdate",
        "-1d",
        "-validity",
        "3",
        "-keystore",
        keystore,
        "-storetype",
        type);
    keytool("-certreq", "-alias", alias, "-keystore", keystore, "-file", alias + ".csr");
    List<String> gencert =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-infile",
                alias + ".csr",
                "-outfile",
                alias + ".crt",
                "-startdate",
                "-1d",
                "-validity",
                "3"));
    if (san != null) {
      gencert.addAll(List.of("-ext", san));
    }
    keytool(gencert.toArray(new String[0]));
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", keystore);
    keytool("-importcert", "-alias", alias, "-file", alias + ".crt", "-keystore", keystore);
  }

  private void writePem(Path p12, String alias) {
    try (InputStream in = Files.newInputStream(p12)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, PASSWORD.toCharArray());
      Key key = store.getKey(alias, PASSWORD.toCharArray());
      StringBuilder chain = new StringBuilder();
      for (Certificate certificate : store.getCertificateChain(alias)) {
        chain.append(pem("CERTIFICATE", certificate.getEncoded()));
      }
      Files.writeString(clientCertPem, chain);
      Files.writeString(clientKeyPem, pem("PRIVATE KEY", key.getEncoded()));
    } catch (Exception e) {
      throw new IllegalStateException("Cannot write PEM files", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private void keytool(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", PASSWORD));
    if (List.of(args).contains("-genkeypair")) {
      command.addAll(List.of("-keypass", PASSWORD));
    }
    try {
      Process process =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
