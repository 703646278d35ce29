package io.connectmqtt.testkit;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.common.utils.Sanitizer;

/**
 * The MBeans of a JVM this test started as a separate process (a Connect worker), read through the
 * JDK's attach API and the process's local JMX agent: no port and no worker option, so any worker
 * can be read, e.g. a task's own counters sampled up to the moment a test kills it.
 */
public final class JvmMBeans implements AutoCloseable {

  private final JMXConnector connector;
  private final MBeanServerConnection server;

  private JvmMBeans(JMXConnector connector) throws IOException {
    this.connector = connector;
    this.server = connector.getMBeanServerConnection();
  }

  /**
   * Attaches to process {@code pid} (of this user) and connects to its local JMX agent. The agent's
   * address comes from the process the test started itself, not from input (Error Prone's BanJNDI).
   */
  @SuppressWarnings("BanJNDI")
  public static JvmMBeans attach(long pid) {
    try {
      VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
      String address;
      try {
        address = vm.startLocalManagementAgent();
      } finally {
        vm.detach();
      }
      JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
      try {
        return new JvmMBeans(connector);
      } catch (IOException e) {
        connector.close();
        throw e;
      }
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the MBeans of process " + pid, e);
    }
  }

  /**
   * The MBean name of a connect-mqtt task's metrics group {@code group}, as Kafka's JmxReporter
   * writes it for TaskMetrics.
   */
  public static ObjectName taskMetrics(String group, String connector, int task) {
    try {
      return new ObjectName(
          "connect-mqtt:type="
              + group
              + ",connector="
              + Sanitizer.jmxSanitize(connector)
              + ",task="
              + task);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A numeric attribute, e.g. a Kafka metric's value; NaN while the MBean is not registered. */
  public double number(ObjectName name, String attribute) {
    try {
      return ((Number) server.getAttribute(name, attribute)).doubleValue();
    } catch (javax.management.InstanceNotFoundException e) {
      return Double.NaN;
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read " + name + " " + attribute, e);
    }
  }

  /** Closes the connection; after the process died (a SIGKILL) there is nothing to close. */
  @Override
  public void close() {
    try {
      connector.close();
    } catch (IOException e) {
      // The process is gone.
    }
  }
}
