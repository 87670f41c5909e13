// A sweep worker in its own process, for the queue tests:
//   tsx test/worker-main.ts REDIS_URL FAKE_ASNG NAME LOCK_MS
import { startWorker } from '../src/queue.js';

const [redis, fake, name, lock] = process.argv.slice(2);
const worker = startWorker({ redis: redis!, asng: [process.execPath, fake!], name: name!, lockDuration: Number(lock) });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
