// NumPy .npy files (format versions 1.0–3.0), little-endian, C order: float32, float64, int8,
// int32 (and uint8, int16, int64 for reading labels). Pure bytes in and out: no file system here,
// so it works in browsers too; src/node/files.ts reads and writes them.
import { ConfigError } from './errors.js';

export type NpyDtype = '<f4' | '<f8' | '|i1' | '<i4' | '|u1' | '<i2' | '<i8';
export type NpyData = Float32Array | Float64Array | Int8Array | Int32Array | Uint8Array | Int16Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const CTORS = {
  '<f4': Float32Array, '<f8': Float64Array, '|i1': Int8Array, '<i4': Int32Array,
  '|u1': Uint8Array, '<i2': Int16Array, '<i8': BigInt64Array,
} as const;

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int16Array) return '<i2';
  return '<i8';
}

/** Serialize an array as a version 1.0 .npy file. */
export function writeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  if (!ArrayBuffer.isView(data) || !Object.values(CTORS).some((C) => data instanceof C)) {
    throw new ConfigError('data', data, `a typed array NumPy can read (${Object.values(CTORS).map((C) => C.name).join(', ')})`);
  }
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw new ConfigError('shape', shape, 'an array of non-negative integers');
  }
  const count = shape.reduce((p, s) => p * s, 1);
  if (count !== data.length) throw new ConfigError('shape', shape, `dimensions whose product is the data length ${data.length}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // like numpy: room for the first axis to grow to 21 digits in place, then pad to 64 bytes
  if (shape.length > 0) header += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  const unpadded = 10 + header.length + 1; // magic(6) + version(2) + length(2) + header + '\n'
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Parse a .npy file. Throws a ConfigError naming `what` and the problem for anything malformed. */
export function readNpy(bytes: Uint8Array, what = 'npy'): NpyArray {
  if (!(bytes instanceof Uint8Array)) throw new ConfigError(what, bytes, 'the bytes of a .npy file (a Uint8Array)');
  const bad = (msg: string, value: unknown = `${bytes.length} bytes`): never => {
    throw new ConfigError(what, value, msg);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('a .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6]!;
  let headerLen: number, offset: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad('a complete .npy header');
    headerLen = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16)) + bytes[11]! * 2 ** 24;
    offset = 12;
  } else {
    return bad('a .npy file of format version 1, 2 or 3', `version ${major}`);
  }
  if (offset + headerLen > bytes.length) bad('a complete .npy header (the file is truncated)');
  const header = new TextDecoder('latin1').decode(bytes.subarray(offset, offset + headerLen));
  const parsed = parseHeader(header);
  if (typeof parsed === 'string') return bad(`a .npy header that is a dict of descr, fortran_order and shape (${parsed})`, header.trim());
  const { descr, fortran, shape } = parsed;
  if (fortran) bad('C-ordered (fortran_order False); save with np.ascontiguousarray', 'fortran_order True');
  const dtype = (descr === '<i1' ? '|i1' : descr === '<u1' ? '|u1' : descr) as NpyDtype;
  if (!Object.prototype.hasOwnProperty.call(CTORS, dtype)) bad(`a supported dtype (${Object.keys(CTORS).join(', ')}); big-endian and other types are not read`, descr);
  if (shape.some((s) => !Number.isSafeInteger(s) || s < 0)) bad('a shape of non-negative integers', `(${shape.join(', ')})`);
  const count = shape.reduce((p, s) => p * s, 1);
  const Ctor = CTORS[dtype];
  const start = offset + headerLen;
  const need = count * Ctor.BYTES_PER_ELEMENT;
  if (bytes.length - start !== need) bad(`${need} data bytes for shape (${shape.join(', ')}) of ${dtype}`, `${bytes.length - start} bytes`);
  // copy into a fresh, aligned buffer (a Node Buffer's slice() is a view into a shared pool)
  const buf = new Uint8Array(bytes.subarray(start, start + need)).buffer;
  return { dtype, shape, data: new Ctor(buf) };
}

/**
 * The header dict, parsed strictly: exactly the keys descr (a string), fortran_order (True or
 * False) and shape (a tuple of integers), each once, and nothing else. NumPy reads it with
 * ast.literal_eval, where a repeated key silently takes the last value: a repeated key is refused
 * here. Returns a reason string when the header is not such a dict.
 */
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } | string {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const eat = (c: string) => {
    ws();
    if (text[i] !== c) return false;
    i++;
    return true;
  };
  const str = (): string | null => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') return null;
    const end = text.indexOf(q, i + 1);
    if (end < 0) return null;
    const v = text.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  if (!eat('{')) return 'it does not start with {';
  const seen = new Map<string, unknown>();
  while (!eat('}')) {
    const key = str();
    if (key === null) return `a key must be a quoted string at offset ${i}`;
    if (seen.has(key)) return `the key '${key}' appears twice`;
    if (!eat(':')) return `a ':' must follow '${key}'`;
    ws();
    let value: unknown;
    if (key === 'descr') value = str();
    else if (key === 'fortran_order') {
      const m = /^(True|False)/.exec(text.slice(i));
      value = m ? m[1] === 'True' : null;
      if (m) i += m[1]!.length;
    } else if (key === 'shape') {
      const m = /^\(\s*((\d+\s*,\s*)*\d+\s*,?)?\s*\)/.exec(text.slice(i));
      value = m ? (m[1] ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0).map(Number) : null;
      if (m) i += m[0].length;
    } else return `unknown key '${key}'`;
    if (value === null) return `the value of '${key}' is malformed`;
    seen.set(key, value);
    if (!eat(',')) {
      if (!eat('}')) return `a ',' or '}' must follow the value of '${key}'`;
      break;
    }
  }
  ws();
  if (i !== text.length) return 'there is text after the closing }';
  for (const k of ['descr', 'fortran_order', 'shape']) if (!seen.has(k)) return `the key '${k}' is missing`;
  return { descr: seen.get('descr') as string, fortran: seen.get('fortran_order') as boolean, shape: seen.get('shape') as number[] };
}

/** A float array as Float32Array (from f4 or f8), checking the shape has `rank` dimensions. */
export function npyToFloat32(arr: NpyArray, what: string, rank: number): Float32Array {
  if (arr.shape.length !== rank) throw new ConfigError(what, `shape (${arr.shape.join(', ')})`, `an array of ${rank} dimension${rank > 1 ? 's' : ''}`);
  if (arr.dtype !== '<f4' && arr.dtype !== '<f8') throw new ConfigError(what, arr.dtype, 'float32 (<f4) or float64 (<f8)');
  const out = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as Float64Array);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      const v = Number(arr.data[i]);
      throw new ConfigError(`${what}[flat ${i}]`, v, Number.isFinite(v) ? 'a number within the float32 range (|x| ≤ 3.4e38)' : 'a finite number');
    }
  }
  return out;
}

/** Labels as an Int8Array of ±1 (from int8, int32, uint8, int16, int64 or float arrays); 0/1 labels are refused. */
export function npyToLabels(arr: NpyArray, what: string): Int8Array {
  if (arr.shape.length !== 1) throw new ConfigError(what, `shape (${arr.shape.join(', ')})`, 'a 1-D array of labels');
  const out = new Int8Array(arr.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(arr.data[i]);
    if (v !== 1 && v !== -1) throw new ConfigError(`${what}[${i}]`, v, '+1 or −1');
    out[i] = v;
  }
  return out;
}
