// Aedes as a child process of a test: node aedes-broker.mjs PORT DATA_DIR|-
// Binds 127.0.0.1:PORT. With DATA_DIR, sessions, subscriptions and queued QoS 1/2 messages live in a LevelDB there
// (aedes-persistence-level), so they survive a restart; with "-" they live in memory. Prints "READY <port>" once it
// listens.
//
// With LevelDB, the stores of a stream of QoS 1 messages complete out of order (classic-level writes on libuv's
// thread pool), and Aedes hands each message to online subscribers when its store completes. A client drops any
// message numbered below one it already got from this broker (dedupe in aedes/lib/client.js), so a message that
// overtook another leaves the other in the queue, undelivered, until the subscriber resumes its session. After a
// broker restart that wait never ends on its own (docs/troubleshooting.md). OrderedLevelPersistence completes the
// stores in the order they began, so messages reach subscribers in order and none is held back.
//
// SIGTERM/SIGINT close the broker and the database cleanly. The testkit's watchdog (BrokerProcess) sends SIGTERM when
// the test JVM ends.
import net from 'node:net'
import { createRequire } from 'node:module'
import { Aedes } from 'aedes'

const require = createRequire(import.meta.url)
const port = Number(process.argv[2])
const dataDir = process.argv[3] ?? '-'

let persistence
let db
if (dataDir !== '-') {
  const { Level } = require('level')
  const AsyncLevelPersistence = require('aedes-persistence-level/asyncPersistence.js')
  class OrderedLevelPersistence extends AsyncLevelPersistence {
    #previous = Promise.resolve()
    outgoingEnqueueCombi (subs, packet) {
      const stored = super.outgoingEnqueueCombi(subs, packet)
      // The writes still run concurrently; only their completions are put back in order.
      const inOrder = this.#previous.then(() => stored)
      this.#previous = inOrder.catch(() => {})
      return inOrder
    }
  }
  db = new Level(dataDir)
  persistence = new OrderedLevelPersistence(db)
}

const broker = await Aedes.createBroker({
  ...(persistence ? { persistence } : {}),
  // Messages a client may send before its CONNECT is processed (default 42): publishers that pipeline.
  queueLimit: 10000,
  // Messages the broker routes at once (default 100).
  concurrency: 1000,
  heartbeatInterval: 3600000
})
const log = (...args) => console.log(new Date().toISOString(), ...args)
broker.on('client', (client) => log('client connected', client.id))
broker.on('clientDisconnect', (client) => log('client disconnected', client.id))
broker.on('subscribe', (subs, client) => log('subscribe', client ? client.id : '-', subs.map((s) => s.topic + '@' + s.qos).join(',')))
broker.on('clientError', (client, err) => log('client error', client ? client.id : '-', err.message))
broker.on('connectionError', (client, err) => log('connection error', client ? client.id : '-', err.message))

const server = net.createServer(broker.handle)
server.on('error', (err) => { log('server error', err.message); process.exit(2) })
server.listen(port, '127.0.0.1', () => log('READY', port, 'persistence', persistence ? dataDir : 'memory'))

let closing = false
async function shutdown (signal) {
  if (closing) return
  closing = true
  log('stopping on', signal)
  const forced = setTimeout(() => process.exit(1), 5000)
  server.close()
  await new Promise((resolve) => broker.close(resolve))
  if (db) await db.close()
  clearTimeout(forced)
  process.exit(0)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
