package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.publish.PublishingSinkTask;
import io.connectmqtt.testkit.JvmMBeans;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A SIGKILL of the sink's Connect worker while the sink is still publishing, and what the crash may
 * repeat. The records carry their index in the first eight payload bytes.
 *
 * <p>What a crash repeats is what the sink had published beyond the offsets Connect last committed.
 * The sink asks for a commit about once a second and Connect commits asynchronously, so what the
 * broker had acknowledged {@link #MIN_COMMIT_LAG_SECONDS} before the kill is committed, and the
 * crash repeats at most what the sink published after that moment plus what was then in flight. A
 * loaded machine (modules built in parallel) stretches Connect's commit cycle: the count is taken
 * before the commit before the last one too, whose completion Connect awaits before it takes the
 * offsets of the next.
 *
 * <p>Both counts are the sink task's own ({@code messages-published-total} and {@code
 * messages-acknowledged-total}, read from the worker over JMX every 20 ms up to the kill), not a
 * rate estimated from commits: the sink's rate changes while it warms up or catches up with a
 * backlog: on HiveMQ CE, in a loaded run, the rate between the last two commits was 2,638 msg/s
 * while the subscriber alone already held 6,614 records more than were committed at the kill.
 */
final class SinkWorkerKill {

  /** About once a second, with room for a loaded machine. */
  static final double MAX_COMMIT_INTERVAL_SECONDS = 5;

  /** A commit interval of a second and the asynchronous commit's round trip. */
  static final double MIN_COMMIT_LAG_SECONDS = 2;

  /**
   * One reading, taken between {@code from} and {@code to} (nanoTime): the task's counters, then
   * the committed offsets and the subscriber's count.
   */
  private record Sample(
      long from, long to, double published, double acknowledged, long committed, int received) {}

  final long committedAtKill;
  final int receivedAtKill;

  /** The sink's publishes per second over the last second before the kill. */
  final double perSecond;

  /** Seconds between the last two commits Connect made before the kill. */
  final double commitInterval;

  /** Seconds from the last commit before the kill to the kill. */
  final double sinceLastCommit;

  /**
   * What the sink had published at the kill (the last reading and the time after it at its rate).
   */
  final double publishedAtKill;

  /** What the broker had acknowledged {@link #referenceSeconds} before the kill. */
  final double acknowledgedBefore;

  /**
   * Seconds before the kill of the reading counted from: before Connect's commit before the last
   * one, and at least {@link #MIN_COMMIT_LAG_SECONDS}.
   */
  final double referenceSeconds;

  private final long killedAt;

  private SinkWorkerKill(
      long committedAtKill,
      int receivedAtKill,
      double perSecond,
      double commitInterval,
      double sinceLastCommit,
      double publishedAtKill,
      double acknowledgedBefore,
      double referenceSeconds,
      long killedAt) {
    this.committedAtKill = committedAtKill;
    this.receivedAtKill = receivedAtKill;
    this.perSecond = perSecond;
    this.commitInterval = commitInterval;
    this.sinceLastCommit = sinceLastCommit;
    this.publishedAtKill = publishedAtKill;
    this.acknowledgedBefore = acknowledgedBefore;
    this.referenceSeconds = referenceSeconds;
    this.killedAt = killedAt;
  }

  /**
   * Waits until Connect committed the connector's offsets three times and the subscriber holds
   * {@code minReceived} messages, then kills the worker with SIGKILL; asserts the sink had not
   * committed all {@code records} before the kill (the kill is mid-stream).
   */
  static SinkWorkerKill midStream(
      ProcessStack stack, String connector, MqttRecorder subscriber, int records, int minReceived) {
    subscriber.awaitAtLeast(1, Duration.ofSeconds(60));
    ObjectName task = JvmMBeans.taskMetrics(PublishingSinkTask.METRICS_GROUP, connector, 0);
    List<Sample> samples = new ArrayList<>();
    List<Sample> commits = new ArrayList<>();
    try (KafkaTopics.CommittedOffsets committed =
            stack.topics().committedOffsets("connect-" + connector);
        JvmMBeans worker = JvmMBeans.attach(stack.connectPid())) {
      Awaitility.await(connector + " commits three times, subscriber has " + minReceived)
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                long from = System.nanoTime();
                double published = worker.number(task, "messages-published-total");
                double acknowledged = worker.number(task, "messages-acknowledged-total");
                if (Double.isNaN(published)) {
                  throw new IllegalStateException("The worker has no MBean " + task);
                }
                long offsets = committed.sum();
                Sample sample =
                    new Sample(
                        from,
                        System.nanoTime(),
                        published,
                        acknowledged,
                        offsets,
                        subscriber.count());
                samples.add(sample);
                if (commits.isEmpty() || offsets > commits.get(commits.size() - 1).committed) {
                  commits.add(sample);
                }
                // The bound needs a reading at least MIN_COMMIT_LAG_SECONDS before the kill.
                return commits.size() >= 3
                    && sample.received >= minReceived
                    && sample.to - samples.get(0).to >= MIN_COMMIT_LAG_SECONDS * 1e9;
              });
      Sample previous = commits.get(commits.size() - 2);
      Sample last = commits.get(commits.size() - 1);
      // Checked before the kill, so that a failure leaves the worker running for the next test.
      assertThat(last.committed)
          .as("records committed before the kill (the kill must be mid-stream)")
          .isLessThan(records);
      long killAt = System.nanoTime();
      stack.killConnect();
      long killedAt = System.nanoTime();
      int receivedAtKill = subscriber.received().size();
      Sample latest = samples.get(samples.size() - 1);
      double perSecond = publishRate(samples, latest);
      // The reference: the latest reading taken wholly before the one that first saw the commit
      // before the last, and at least MIN_COMMIT_LAG_SECONDS before the kill. Connect takes the
      // offsets of its next commit (the last one) only once that commit completed, so they cover at
      // least what the broker had acknowledged when the reference read its count.
      long latestReference = killAt - (long) (MIN_COMMIT_LAG_SECONDS * 1e9);
      Sample reference =
          samples.subList(0, samples.indexOf(previous)).stream()
              .filter(sample -> sample.to <= latestReference)
              .reduce((first, second) -> second)
              .orElseThrow(() -> new IllegalStateException("no reading to count from"));
      return new SinkWorkerKill(
          committed.sum(),
          receivedAtKill,
          perSecond,
          (last.to - previous.to) / 1e9,
          (killAt - last.to) / 1e9,
          latest.published + perSecond * (killedAt - latest.from) / 1e9,
          reference.acknowledged,
          (killAt - reference.to) / 1e9,
          killedAt);
    }
  }

  /** Publishes per second over the readings of the last second up to {@code last}. */
  private static double publishRate(List<Sample> samples, Sample last) {
    Sample first =
        samples.stream().filter(sample -> last.to - sample.to <= 1e9).findFirst().orElse(last);
    return first == last ? 0 : (last.published - first.published) * 1e9 / (last.to - first.to);
  }

  /**
   * What a crash may repeat: what the sink published after the broker had acknowledged {@link
   * #acknowledgedBefore}. Asserts first that Connect did commit about once a second up to the kill
   * (the last two commits, and the last one and the kill, at most {@link
   * #MAX_COMMIT_INTERVAL_SECONDS} apart), so that the time counted cannot hide commits that
   * stopped.
   */
  int duplicateBound() {
    assertThat(commitInterval)
        .as("seconds between the sink's last two commits before the kill")
        .isLessThanOrEqualTo(MAX_COMMIT_INTERVAL_SECONDS);
    // The wait for the subscriber may outlast the commits: commits that stopped after the third
    // one show here.
    assertThat(sinceLastCommit)
        .as("seconds from the sink's last commit to the kill")
        .isLessThanOrEqualTo(MAX_COMMIT_INTERVAL_SECONDS);
    return (int) Math.ceil(publishedAtKill - acknowledgedBefore);
  }

  /**
   * Asserts that the crash repeated no more than {@link #duplicateBound()}, saying why if it did.
   */
  void assertDuplicatesWithinBound(int duplicates, MqttRecorder subscriber, String scenario) {
    assertThat(duplicates)
        .as(
            "records published again after the crash (%s): the sink had published %.0f at the kill"
                + " and %.0f were acknowledged %.1f s before it, %d committed at the kill (commits"
                + " %.1f s apart, the last %.1f s before the kill), %.0f msg/s; the subscriber lost"
                + " its connection %d times (each may bring what it had not acknowledged again)",
            scenario,
            publishedAtKill,
            acknowledgedBefore,
            referenceSeconds,
            committedAtKill,
            commitInterval,
            sinceLastCommit,
            perSecond,
            subscriber.connectionsLost())
        .isLessThanOrEqualTo(duplicateBound());
  }

  /** Seconds since the kill. */
  double secondsSinceKill() {
    return (System.nanoTime() - killedAt) / 1e9;
  }

  /** Records the sink connector has committed (its consumer group's offsets, summed). */
  static long committedOffsets(ProcessStack stack, String connector) {
    return stack.topics().committedOffsetSum("connect-" + connector);
  }

  /**
   * Waits until the subscriber received each of {@code records} at least once and returns how many
   * messages it received beyond one per record; the failure names what was missing, the committed
   * offsets and the worker's log.
   */
  static int awaitEveryRecord(
      ProcessStack stack,
      String connector,
      MqttRecorder subscriber,
      int records,
      Duration timeout) {
    try {
      Awaitility.await("all " + records + " records published")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(250))
          .until(() -> subscriber.sequences().cardinality() == records);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          subscriber.sequences().cardinality()
              + " of "
              + records
              + " records received ("
              + subscriber.received().size()
              + " messages), "
              + committedOffsets(stack, connector)
              + " committed; worker log:\n"
              + stack.log("connect"),
          e);
    }
    int duplicates = subscriber.received().size() - records;
    assertThat(duplicates).as("messages received beyond one per record").isNotNegative();
    return duplicates;
  }
}
