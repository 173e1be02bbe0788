// The code a training worker runs (bundled whole, with the kernels, by scripts/bundle.mjs into
// build/rfa-worker.js and an inlined copy): it takes one 'train' message, runs train() with the
// options given, posts progress (with each evaluation record) as it goes and the result or the error
// at the end, and aborts the run when told to. The same file runs in a browser Worker and in a Node
// worker_threads Worker.
import { nodeBuiltin } from '../builtin.js';
import { namedInstrument } from '../metrics/record.js';
import { init, train } from '../index.js';
import { serializeError, transferables, type FromWorker, type ToWorker } from './protocol.js';

interface Port {
  post(msg: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(fn: (msg: ToWorker) => void): void;
}

function port(): Port {
  const wt = nodeBuiltin<{ parentPort: { postMessage(m: unknown, t?: ArrayBuffer[]): void; on(e: 'message', fn: (m: ToWorker) => void): void } | null }>(
    'node:worker_threads',
  );
  if (wt?.parentPort) {
    const pp = wt.parentPort;
    return { post: (m, t) => pp.postMessage(m, t), listen: (fn) => pp.on('message', fn) };
  }
  const self = globalThis as unknown as { postMessage(m: unknown, t?: ArrayBuffer[]): void; onmessage: ((e: { data: ToWorker }) => void) | null };
  return { post: (m, t) => self.postMessage(m, t), listen: (fn) => { self.onmessage = (e) => fn(e.data); } };
}

const io = port();
const controller = new AbortController();
let started = false;
io.listen((msg) => {
  if (msg.type === 'abort') {
    controller.abort();
    return;
  }
  if (msg.type !== 'train' || started) return;
  started = true;
  (globalThis as { __rfaLoaderUrl?: string }).__rfaLoaderUrl = msg.loaderUrl;
  void (async () => {
    try {
      // the builds the caller was given (e.g. the threaded one from init() in a page) are this worker's too
      if (msg.modules && Object.keys(msg.modules).length > 0) await init({ wasm: msg.modules as never });
      const { instruments, ...options } = msg.options ?? {};
      const instrument = instruments === undefined ? undefined : namedInstrument(instruments, msg.config as never);
      const result = await train(msg.config as never, {
        ...options,
        ...(instrument ? { instrument } : {}),
        signal: controller.signal,
        onProgress: (progress) => io.post({ type: 'progress', progress }),
      });
      try {
        io.post({ type: 'done', result }, transferables(result));
      } catch {
        io.post({ type: 'done', result }); // a buffer that cannot be transferred (none expected): copy
      }
    } catch (e) {
      io.post({ type: 'error', error: serializeError(e) });
    }
  })();
});
