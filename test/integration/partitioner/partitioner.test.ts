// Producers that share a topic must send a key to the same partition. Here the responders,
// `karafka produce` and tombstones write keys next to clients nobody here wrote (kcat 1.7 on
// librdkafka, and Apache Kafka's own Java producer) on real topics, and every key must land
// in one partition whoever wrote it: crc32 topics agree with librdkafka's default
// (consistent_random), murmur2 topics with the Java client and librdkafka's murmur2_random.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ensureClasspath } from '../../../src/broker/index.js'
import { createTestApp, type TestApp, waitFor } from '../../helpers/app.js'
import { karafka } from '../../helpers/cli.js'
import { testBrokers, testKafka, uniqueName } from '../../helpers/kafka.js'

const PARTITION_COUNTS = [3, 7, 16]
/** Key sets of the kinds apps use: small integers, UUIDs, words with accents and other scripts, long and spaced keys. */
const KEYS = [
  ...Array.from({ length: 40 }, (_, i) => String(i)),
  ...Array.from({ length: 20 }, () => randomUUID()),
  ...['jürgen', 'émile', 'Ωmega', '日本語のキー', '🦄-42', 'ключ', 'a b c', 'x'.repeat(300), 'user:7', 'k0', 'K0'],
]

const kcat = spawnSync('kcat', ['-V']).status === 0

/** Apache Kafka's Java producer (the broker's own client jars), sending each key of stdin to each topic named, with the value "java". */
const JAVA_PRODUCER = `import java.io.*;
import java.util.*;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.StringSerializer;

public class ProduceKeys {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("acks", "all");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props);
         BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"))) {
      for (String key; (key = in.readLine()) != null; )
        for (int i = 1; i < args.length; i++) sent.add(producer.send(new ProducerRecord<>(args[i], key, "java")));
      for (Future<RecordMetadata> done : sent) done.get();
    }
  }
}
`

/**
 * Where each record of `topics` landed, by `topic writer key`: the writer is the value (kcat,
 * java), the payload's `via` for the responders and karafka produce, or "tombstone".
 */
async function landings(topics: string[], expected: number): Promise<Map<string, number>> {
  const consumer = testKafka().consumer({ groupId: uniqueName('landings') })
  const landed = new Map<string, number>()
  await consumer.connect()
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    partitionsConsumedConcurrently: 8,
    eachMessage: async ({ topic, partition, message }) => {
      const value = message.value?.toString()
      const writer =
        value === undefined ? 'tombstone' : value.startsWith('{') ? (JSON.parse(value) as { payload: { via: string } }).payload.via : value
      landed.set(`${topic} ${writer} ${message.key!.toString()}`, partition)
    },
  })
  try {
    await waitFor(`${expected} records`, () => landed.size >= expected, 30_000)
  } finally {
    await consumer.disconnect()
  }
  return landed
}

describe('partitioners agree with the other clients on a topic (real broker)', { skip: kcat ? false : 'kcat is not installed' }, () => {
  let app: TestApp
  let javaDir: string
  let classpath: string
  const topics = PARTITION_COUNTS.flatMap((count) => [
    { name: uniqueName(`crc32-${count}`), count, partitioner: 'crc32' as const },
    { name: uniqueName(`murmur2-${count}`), count, partitioner: 'murmur2' as const },
  ])

  before(async () => {
    app = await createTestApp(
      'partitioners',
      `app:
  clientId: partitioner-test
  brokers: \${KAFKA_BROKERS}
  partitioner: crc32                 # the app's default; the murmur2 topics say otherwise
topics:
${topics
  .map(
    (t, i) =>
      `  ${t.name}:\n    partitions: ${t.count}\n${t.partitioner === 'murmur2' ? '    partitioner: murmur2\n' : ''}    key: id\n    events:\n      kv${i}: { id: string, via: string }\n`,
  )
  .join('')}`,
      {},
    )
    classpath = await ensureClasspath()
    javaDir = mkdtempSync(path.join(os.tmpdir(), 'karafka-java-'))
    writeFileSync(path.join(javaDir, 'ProduceKeys.java'), JAVA_PRODUCER)
    const javac = spawnSync('javac', ['-cp', classpath, '-d', javaDir, path.join(javaDir, 'ProduceKeys.java')], { encoding: 'utf8' })
    assert.equal(javac.status, 0, `javac: ${javac.stderr}`)
  })
  after(async () => {
    await app?.remove()
    if (javaDir) rmSync(javaDir, { recursive: true, force: true })
  })

  it('every key lands in one partition, whoever wrote it: the responders, their tombstones, karafka produce, kcat and the Java producer', async () => {
    const broker = testBrokers().join(',')
    const manifestPath = path.join(app.dir, 'karafka.yml')
    const cliKey = KEYS[5]!
    const cliTopics = topics.filter((t) => t.count === 7)
    await Promise.all([
      ...topics.flatMap((topic, i) => {
        const responder = app.generated.responders[topic.name]
        return KEYS.flatMap((key) => [responder[`kv${i}`]({ id: key, via: 'responders' }), responder.tombstone(key)])
      }),
      ...cliTopics.map(async (topic) => {
        const event = `kv${topics.indexOf(topic)}`
        const cli = await karafka(['produce', topic.name, event, JSON.stringify({ id: cliKey, via: 'cli' }), '--manifest', manifestPath])
        assert.equal(cli.code, 0, cli.stderr)
      }),
    ])
    for (const topic of topics) {
      const args = [
        '-P',
        '-b',
        broker,
        '-t',
        topic.name,
        '-K',
        '|',
        ...(topic.partitioner === 'murmur2' ? ['-X', 'partitioner=murmur2_random'] : []),
      ]
      const produced = spawnSync('kcat', args, { input: `${KEYS.map((key) => `${key}|kcat`).join('\n')}\n`, encoding: 'utf8' })
      assert.equal(produced.status, 0, `kcat: ${produced.stderr}`)
    }
    const murmurTopics = topics.filter((t) => t.partitioner === 'murmur2').map((t) => t.name)
    const java = spawnSync('java', ['-cp', `${javaDir}${path.delimiter}${classpath}`, 'ProduceKeys', broker, ...murmurTopics], {
      input: `${KEYS.join('\n')}\n`,
      encoding: 'utf8',
    })
    assert.equal(java.status, 0, `the Java producer: ${java.stderr}`)

    const writersOf = (topic: (typeof topics)[number]) => [
      'responders',
      'tombstone',
      'kcat',
      ...(topic.partitioner === 'murmur2' ? ['java'] : []),
    ]
    const expected = topics.reduce((sum, t) => sum + KEYS.length * writersOf(t).length, 0) + cliTopics.length
    const landed = await landings(
      topics.map((t) => t.name),
      expected,
    )
    const summary: string[] = []
    for (const topic of topics) {
      const writers = writersOf(topic)
      const at = (writer: string, key: string) => landed.get(`${topic.name} ${writer} ${key}`)
      const disagreements = KEYS.filter((key) => new Set(writers.map((w) => at(w, key))).size !== 1)
      assert.deepEqual(
        disagreements.map((key) => `${key}: ${writers.map((w) => `${w} ${at(w, key)}`).join(', ')}`),
        [],
        `${topic.partitioner} with ${topic.count} partitions`,
      )
      if (cliTopics.includes(topic)) assert.equal(at('cli', cliKey), at('kcat', cliKey), 'karafka produce follows the topic partitioner')
      const used = new Set(KEYS.map((key) => at('kcat', key))).size
      assert.ok(used > 1, `the keys spread over ${used} of ${topic.count} partitions`)
      summary.push(`${topic.partitioner}/${topic.count}: ${KEYS.length} keys x ${writers.join(', ')} agree, over ${used} partitions`)
    }
    // The two hashes differ: on the same partition count, some keys go elsewhere under the other.
    const [crc, murmur] = cliTopics
    assert.ok(
      KEYS.some((key) => landed.get(`${crc!.name} kcat ${key}`) !== landed.get(`${murmur!.name} kcat ${key}`)),
      'crc32 and murmur2 place some keys differently',
    )
    process.stderr.write(`${summary.join('\n')}\n`)
  })
})
