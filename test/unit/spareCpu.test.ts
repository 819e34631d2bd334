import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { SpareCpuMeter } from '../../src/core/spareCpu';

test('idle cores come from the kernel counters: 0 before a first interval, and a busy core is not counted idle', async () => {
  const meter = new SpareCpuMeter(200);
  assert.equal(meter.idleCores(), 0, 'no interval measured yet');
  await new Promise((resolve) => setTimeout(resolve, 250));
  const quiet = meter.idleCores();
  assert.ok(quiet >= 0 && quiet <= os.cpus().length, `idle cores ${quiet} outside 0..${os.cpus().length}`);
  // Keep one core busy for the next interval: at most the others can be idle.
  for (const until = Date.now() + 300; Date.now() < until; );
  const busy = meter.idleCores();
  assert.ok(busy <= os.cpus().length - 0.5, `one core was busy, yet ${busy.toFixed(2)} of ${os.cpus().length} read idle`);
});
