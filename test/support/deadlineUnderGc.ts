/**
 * Run with --expose-gc: a Deadline and, beside it, a timeout handed to AbortSignal.any(), while gc() runs every
 * 20 ms. Prints when each fired (ms) and the Deadline's reason, as JSON.
 */
import { Deadline } from '../../src/core/deadline';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');
const started = Date.now();
const results: { any?: number; deadline?: number; reason?: string } = {};
const gc = setInterval(collect, 20);
const viaAny = AbortSignal.any([AbortSignal.timeout(300), new AbortController().signal]);
viaAny.addEventListener('abort', () => (results.any = Date.now() - started));
const deadline = new Deadline(300, [new AbortController().signal], 'did not answer');
deadline.signal.addEventListener('abort', () => {
  const reason = deadline.signal.reason as Error;
  results.deadline = Date.now() - started;
  results.reason = `${reason.name}: ${reason.message}`;
});
setTimeout(() => {
  clearInterval(gc);
  console.log(JSON.stringify(results));
}, 2000);
