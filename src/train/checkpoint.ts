// A run's full state at a step, as an object (TrainCheckpoint) and as bytes (encodeCheckpoint /
// decodeCheckpoint): the config and seed, the backend and path, the step, the history and the per-step
// losses so far, and what the engine evolves — W (m, d) on the primal path, C on the kernel-space path,
// where W = W(0) + C·X. The data and W(0) are not stored: they are sampled again from the seed (the
// same bits) and checked against a fingerprint of them, so a checkpoint of a d = 40000 run on the
// kernel path is n·m values, not m·d.
//
// The bytes: "RFACKPT" 0x01, the header's length (u32 LE) and 4 zero bytes, the header (JSON, UTF-8,
// space-padded to a multiple of 8), the arrays it lists (each padded to 8 bytes), then "RFAEND" 0 0
// and a 64-bit checksum of everything before it. A file that is cut short, has a byte changed, or is
// not a checkpoint is a CheckpointError, never a misread.
import type { RfaConfig } from '../config.js';
import type { Backend, StepPath } from './engine.js';
import type { EvalRecord } from './train.js';

export const CHECKPOINT_VERSION = 1;
const MAGIC = [0x52, 0x46, 0x41, 0x43, 0x4b, 0x50, 0x54, CHECKPOINT_VERSION]; // "RFACKPT" v1
const END = [0x52, 0x46, 0x41, 0x45, 0x4e, 0x44, 0, 0]; // "RFAEND\0\0"

export interface TrainCheckpoint {
  version: number;
  config: RfaConfig;
  backend: Backend;
  path: StepPath;
  /** W(step) (or C(step)) is the state: steps [0, step) have run and every record at or before step is in history */
  step: number;
  /** the run's evaluation steps (a resumed run must have the same) */
  evalSteps: number[];
  history: EvalRecord[];
  /** L̂(W(t)) for t < step, when the run keeps them, else null */
  losses: Float64Array | null;
  /** training accuracy at W(t) for t < step, when the run keeps them, else null */
  trainAccs: Float32Array | null;
  /** what the engine evolves: W (m, d) row-major on the primal path, C in the engine's layout on the kernel path */
  state: Float32Array | Float64Array;
  /** a fingerprint of the training and test data and W(0) (16 hex digits): a resumed run must sample the same */
  inputs: string;
}

/** A checkpoint file that is not one, is cut short, is corrupt, or is of another version. */
export class CheckpointError extends Error {
  readonly source: string;
  constructor(source: string, problem: string) {
    super(`${source}: not a usable rfa checkpoint: ${problem}`);
    this.name = 'CheckpointError';
    this.source = source;
  }
}

/**
 * A 64-bit fingerprint of byte ranges (two multiply-xor lanes over 32-bit words, then the tail bytes):
 * fast (about 1 ns a word) and the same on every engine; 16 hex digits. Not cryptographic — it finds
 * corruption and mismatched inputs, not forgery.
 */
export function fingerprint(parts: readonly ArrayBufferView[]): string {
  let h1 = 0x811c9dc5 | 0, h2 = 0x9e3779b9 | 0;
  const mix = (w: number) => {
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul((h2 + w) | 0, 0x85ebca6b) ^ (h2 >>> 13);
  };
  for (const v of parts) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const words = bytes.byteLength >>> 2;
    const aligned = (bytes.byteOffset & 3) === 0;
    const u32 = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset, words) : null;
    const dv = aligned ? null : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words; i++) mix(u32 ? u32[i]! : dv!.getUint32(4 * i, true));
    for (let i = words * 4; i < bytes.byteLength; i++) mix(bytes[i]! | 0x100);
    mix(bytes.byteLength); // a boundary between parts, so [ab][c] and [a][bc] differ
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

type Dtype = 'f32' | 'f64';
interface ArrayEntry { name: 'state' | 'losses' | 'trainAccs'; dtype: Dtype; length: number }

/** JSON of records that may hold non-finite numbers and typed arrays (an instrument's output), losslessly. */
function replacer(this: unknown, _k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return { $typed: v.constructor.name, data: Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : String(x))) };
  return v;
}
const TYPED: Record<string, new (a: number[]) => ArrayBufferView> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array,
};
function reviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$num === 'string' && Object.keys(o).length === 1) return Number(o.$num);
    if (typeof o.$typed === 'string' && Array.isArray(o.data) && TYPED[o.$typed]) return new TYPED[o.$typed]!((o.data as unknown[]).map(Number));
  }
  return v;
}

/** History records as JSON text that keeps NaN, ±∞ and typed arrays (for checkpoints and result lines). */
function recordsToJson(v: unknown): string {
  return JSON.stringify(v, replacer);
}
function recordsFromJson(s: string): unknown {
  return JSON.parse(s, reviver);
}

const pad8 = (x: number) => (x + 7) & ~7;

/** The checkpoint as bytes (see the file comment for the layout). */
export function encodeCheckpoint(c: TrainCheckpoint): Uint8Array {
  const arrays: [ArrayEntry, Float32Array | Float64Array][] = [[{ name: 'state', dtype: c.state instanceof Float64Array ? 'f64' : 'f32', length: c.state.length }, c.state]];
  if (c.losses) arrays.push([{ name: 'losses', dtype: 'f64', length: c.losses.length }, c.losses]);
  if (c.trainAccs) arrays.push([{ name: 'trainAccs', dtype: 'f32', length: c.trainAccs.length }, c.trainAccs]);
  const header = {
    version: CHECKPOINT_VERSION, config: c.config, backend: c.backend, path: c.path, step: c.step,
    evalSteps: c.evalSteps, history: c.history, inputs: c.inputs, arrays: arrays.map(([e]) => e),
  };
  const text = new TextEncoder().encode(recordsToJson(header));
  const hlen = pad8(text.length);
  let size = 16 + hlen;
  for (const [, a] of arrays) size += pad8(a.byteLength);
  size += 16;
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, hlen, true);
  out.set(text, 16);
  out.fill(0x20, 16 + text.length, 16 + hlen);
  let at = 16 + hlen;
  for (const [, a] of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += pad8(a.byteLength);
  }
  out.set(END, at);
  writeSum(out, at + 8, fingerprint([out.subarray(0, at + 8)]));
  return out;
}

function writeSum(out: Uint8Array, at: number, hex: string): void {
  const dv = new DataView(out.buffer, out.byteOffset);
  dv.setUint32(at, parseInt(hex.slice(0, 8), 16), true);
  dv.setUint32(at + 4, parseInt(hex.slice(8), 16), true);
}

/** Read a checkpoint's bytes; `source` names it in errors (a file path). */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): TrainCheckpoint {
  const bad = (why: string): never => {
    throw new CheckpointError(source, why);
  };
  if (!(bytes instanceof Uint8Array)) bad('expected bytes (a Uint8Array)');
  if (bytes.length < 32) bad(`${bytes.length} bytes is too short to be a checkpoint (cut short, or empty)`);
  for (let i = 0; i < 7; i++) if (bytes[i] !== MAGIC[i]) bad('it does not start with "RFACKPT" (not an rfa checkpoint)');
  if (bytes[7] !== CHECKPOINT_VERSION) bad(`it is of format version ${bytes[7]}; this rfa reads version ${CHECKPOINT_VERSION}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  if (hlen % 8 !== 0 || 16 + hlen + 16 > bytes.length) bad(`its header length ${hlen} does not fit in ${bytes.length} bytes (cut short?)`);
  const endAt = bytes.length - 16;
  for (let i = 0; i < 8; i++) if (bytes[endAt + i] !== END[i]) bad('it does not end with the end mark (cut short, or bytes appended)');
  const sum = (dv.getUint32(endAt + 8, true).toString(16).padStart(8, '0')) + (dv.getUint32(endAt + 12, true).toString(16).padStart(8, '0'));
  if (fingerprint([bytes.subarray(0, endAt + 8)]) !== sum) bad('its checksum does not match its content (the file is corrupt)');
  let header: Record<string, unknown>;
  try {
    header = recordsFromJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + hlen))) as Record<string, unknown>;
  } catch (e) {
    return bad(`its header is not JSON (${(e as Error).message})`);
  }
  const arrays = header.arrays as ArrayEntry[] | undefined;
  if (!Array.isArray(arrays) || typeof header.step !== 'number' || !Array.isArray(header.history) || !Array.isArray(header.evalSteps) || typeof header.inputs !== 'string') {
    bad('its header lacks step, history, evalSteps, inputs or arrays');
  }
  let at = 16 + hlen;
  const got: Partial<Record<ArrayEntry['name'], Float32Array | Float64Array>> = {};
  for (const e of arrays!) {
    const width = e.dtype === 'f64' ? 8 : e.dtype === 'f32' ? 4 : bad(`array ${e.name} has dtype ${String(e.dtype)}`);
    if (!Number.isInteger(e.length) || e.length < 0 || at + pad8(e.length * width) > endAt) bad(`array ${e.name} (${e.length} values) runs past the end`);
    const copy = bytes.slice(at, at + e.length * width);
    got[e.name] = e.dtype === 'f64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    at += pad8(e.length * width);
  }
  if (at !== endAt) bad(`${endAt - at} bytes between the arrays and the end mark are not accounted for`);
  if (!got.state) bad('it holds no state array');
  const step = header.step as number;
  if (got.losses && got.losses.length !== step) bad(`it has ${got.losses.length} losses for step ${step}`);
  if (got.trainAccs && got.trainAccs.length !== step) bad(`it has ${got.trainAccs.length} accuracies for step ${step}`);
  return {
    version: header.version as number,
    config: header.config as RfaConfig,
    backend: header.backend as Backend,
    path: header.path as StepPath,
    step,
    evalSteps: header.evalSteps as number[],
    history: header.history as EvalRecord[],
    losses: got.losses as Float64Array | undefined ?? null,
    trainAccs: got.trainAccs as Float32Array | undefined ?? null,
    state: got.state!,
    inputs: header.inputs as string,
  };
}
