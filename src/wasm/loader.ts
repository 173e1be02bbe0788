// Our own loader for the kernels (the deprecated @assemblyscript/loader is not used). The compiler
// emits `--bindings raw` (build/rfa-*.js and .d.ts); we take the export types from its .d.ts and
// instantiate the module ourselves. The simd and scalar builds are inlined (base64, 14 + 8 KB) so that
// every host — Node, any bundler, a Web Worker, a plain <script type="module"> — has them with no file
// to locate and can compile them synchronously; the opt-in builds (relaxed, threaded, debug) are read
// from build/ in Node, fetched next to this module in browsers, or given to init(). Nothing here imports
// a Node built-in: in Node files are read through process.getBuiltinModule.
import { inflateRaw } from './inflate.js';
import { simd as detectSimd } from 'wasm-feature-detect';
import { deflated, sizes } from '../../build/rfa-inline.js';
import { nodeBuiltin } from '../builtin.js';
import { packageUrl } from './here.js';

export type KernelExports = Awaited<ReturnType<typeof import('../../build/rfa-simd.js').instantiate>>;
export type WasmBackend = 'simd' | 'scalar' | 'relaxed';
/** Where a build comes from: a compiled module, its bytes, or a URL (a string is a URL) or Response to fetch. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string | Response;
/**
 * The builds: one per backend ('relaxed': SIMD with relaxed_madd, opt-in), the threaded SIMD build
 * (imported shared memory, atomics) and 'debug' (SIMD with the kernels' assert() preconditions, unoptimized:
 * the kernel tests run against it).
 */
export type KernelBuild = WasmBackend | 'simd-mt' | 'debug';

const compiled = new Map<KernelBuild, WebAssembly.Module>();

/**
 * The URL of a build's .wasm file as built by `npm run build:wasm` (the opt-in builds are loaded from it
 * in Node); null in a page, which gives them with init().
 */
export function defaultWasmUrl(backend: KernelBuild): URL | null {
  return packageUrl(`../../build/rfa-${backend}.wasm`);
}

interface NodeFs {
  readFileSync(path: URL | string): Uint8Array;
}
function nodeFs(): NodeFs | null {
  return nodeBuiltin<NodeFs>('node:fs');
}

function toBytes(src: ArrayBuffer | Uint8Array): Uint8Array<ArrayBuffer> {
  return (src instanceof Uint8Array ? src : new Uint8Array(src)) as Uint8Array<ArrayBuffer>;
}

let inlined: { scalar: Uint8Array<ArrayBuffer>; simd: Uint8Array<ArrayBuffer> } | null = null;
/** The inlined builds' bytes (scripts/inline-wasm.mjs: simd then scalar, raw-deflated, base64), inflated once. */
function inlinedBytes(build: 'simd' | 'scalar'): Uint8Array<ArrayBuffer> {
  if (!inlined) {
    const text = atob(deflated);
    const packed = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) packed[i] = text.charCodeAt(i);
    const all = inflateRaw(packed, sizes.simd + sizes.scalar);
    inlined = { simd: all.subarray(0, sizes.simd), scalar: all.subarray(sizes.simd) };
  }
  return inlined[build];
}

const isResponse = (v: unknown): v is Response => typeof Response === 'function' && v instanceof Response;

/** The default module of a build, compiled synchronously when it can be (inlined, or a file in Node); null otherwise. */
function defaultModuleSync(backend: KernelBuild): WebAssembly.Module | null {
  const hit = compiled.get(backend);
  if (hit) return hit;
  let module: WebAssembly.Module;
  if (backend === 'simd' || backend === 'scalar') module = new WebAssembly.Module(inlinedBytes(backend));
  else {
    const fs = nodeFs();
    const url = defaultWasmUrl(backend);
    if (!fs || !url) return null;
    module = new WebAssembly.Module(fs.readFileSync(url) as Uint8Array<ArrayBuffer>);
  }
  compiled.set(backend, module);
  return module;
}

/** Whether a build can be had synchronously here (inlined, a file in Node, or given to init()). */
export function kernelsAvailable(backend: KernelBuild): boolean {
  try {
    return defaultModuleSync(backend) !== null;
  } catch {
    return false; // a file that cannot be read or compiled
  }
}

/** The builds compiled so far that are not inlined (given to init() or read from files): a worker is sent these. */
export function givenModules(): Partial<Record<KernelBuild, WebAssembly.Module>> {
  const out: Partial<Record<KernelBuild, WebAssembly.Module>> = {};
  for (const [k, m] of compiled) if (k !== 'simd' && k !== 'scalar') out[k] = m;
  return out;
}

/**
 * Compile a build synchronously: the inlined simd and scalar builds anywhere, the others in Node (or
 * after init() gave them), or the bytes or module given.
 */
export function compileKernelsSync(backend: KernelBuild, source?: WasmSource): WebAssembly.Module {
  if (source === undefined) {
    const module = defaultModuleSync(backend);
    if (!module) {
      throw new Error(`the ${backend} kernels are not inlined: in a browser give them first with ` +
        `init({ wasm: { ${backend === 'simd-mt' ? "'simd-mt'" : backend}: url } }) or await compileKernels('${backend}')`);
    }
    return module;
  }
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return new WebAssembly.Module(toBytes(source));
  const fs = nodeFs();
  if (!fs || isResponse(source)) throw new Error(`compiling the ${backend} kernels from a URL or a Response needs the asynchronous compileKernels() or init()`);
  const url = typeof source === 'string' ? new URL(source, defaultWasmUrl(backend) ?? undefined) : source;
  return new WebAssembly.Module(fs.readFileSync(url) as Uint8Array<ArrayBuffer>);
}

async function compileResponse(response: Response | Promise<Response>, what: string): Promise<WebAssembly.Module> {
  const r = await response;
  if (!r.ok) throw new Error(`fetching the ${what} kernels failed: HTTP ${r.status} ${r.statusText} for ${r.url || 'the response given'}`);
  // compileStreaming needs the application/wasm type; fall back to the bytes when a server sends another
  if (typeof WebAssembly.compileStreaming === 'function' && r.headers.get('content-type')?.split(';')[0]?.trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(r);
  }
  return WebAssembly.compile(await r.arrayBuffer());
}

/** Compile a build (inlined, a file in Node, else fetched next to this module), or the source given; cached per build. */
export async function compileKernels(backend: KernelBuild, source?: WasmSource | Promise<WasmSource>): Promise<WebAssembly.Module> {
  if (source === undefined) {
    const module = defaultModuleSync(backend);
    if (module) return module;
    const url = defaultWasmUrl(backend);
    if (!url) throw new Error(`the ${backend} kernels are not inlined: in a page give them first with init({ wasm: { ${backend === 'simd-mt' ? "'simd-mt'" : backend}: url } })`);
    const fetched = await compileResponse(fetch(url), backend);
    compiled.set(backend, fetched);
    return fetched;
  }
  const src = await source;
  if (src instanceof WebAssembly.Module) return src;
  if (src instanceof ArrayBuffer || src instanceof Uint8Array) return WebAssembly.compile(toBytes(src));
  if (isResponse(src)) return compileResponse(src, backend);
  if (nodeFs() && !(typeof src === 'string' && /^(https?|data|blob):/.test(src)) && !(src instanceof URL && /^(https?|data|blob):$/.test(src.protocol))) {
    return compileKernelsSync(backend, src);
  }
  return compileResponse(fetch(src), backend);
}

/** What init() takes: one source (the build this host's 'auto' backend picks) or one per build. */
export type InitSources = WasmSource | Promise<WasmSource> | Partial<Record<KernelBuild, WasmSource | Promise<WasmSource>>>;

/**
 * Give rfa its kernels from elsewhere than the inlined copies: a URL (streaming compilation), a
 * Response, bytes or a compiled WebAssembly.Module, one per build, or one for the build the 'auto'
 * backend picks on this host (simd when supported, else scalar). Later runs use these modules.
 * Optional: without it the inlined simd and scalar builds are used; needed in browsers only for the
 * opt-in 'relaxed' build.
 */
export async function init(options: { wasm?: InitSources } = {}): Promise<void> {
  const { wasm } = options;
  if (wasm === undefined) return;
  const single = wasm instanceof WebAssembly.Module || wasm instanceof ArrayBuffer || wasm instanceof Uint8Array ||
    wasm instanceof URL || typeof wasm === 'string' || isResponse(wasm) || wasm instanceof Promise;
  const entries: [KernelBuild, WasmSource | Promise<WasmSource>][] = single
    ? [[simdSupportedSync() ? 'simd' : 'scalar', wasm as WasmSource]]
    : Object.entries(wasm as Record<string, WasmSource>).map(([k, v]) => {
        if (!['simd', 'scalar', 'relaxed', 'simd-mt', 'debug'].includes(k)) {
          throw new TypeError(`init: wasm.${k} is not a build (simd, scalar, relaxed, simd-mt, debug)`);
        }
        return [k as KernelBuild, v];
      });
  const modules = await Promise.all(entries.map(([k, v]) => compileKernels(k, v)));
  entries.forEach(([k], i) => compiled.set(k, modules[i]!));
}

/** A fresh instance of a compiled kernel module: its own linear memory, or `memory` (the threaded build's shared one). */
export function instantiateKernels(module: WebAssembly.Module, memory?: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      ...(memory ? { memory } : {}),
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`rfa kernel assertion failed at line ${line}:${col}`);
      },
    },
  });
  const exports = instance.exports as unknown as KernelExports & { _initialize?: () => void };
  exports._initialize?.();
  return exports;
}

let simdCache: boolean | null = null;
/** Whether this engine runs WebAssembly 128-bit SIMD (feature detection, cached). */
export async function simdSupported(): Promise<boolean> {
  if (simdCache === null) simdCache = await detectSimd();
  return simdCache;
}

let relaxedCache: boolean | null = null;
/**
 * Whether this engine runs relaxed SIMD (the 'relaxed' backend): validates wasm-feature-detect's
 * relaxedSimd probe. Node 20 needs --experimental-wasm-relaxed-simd; Chromium ≥ 114 has it.
 */
export function relaxedSimdSupportedSync(): boolean {
  if (relaxedCache === null) {
    // (module (func (result v128) i32.const 1 i8x16.splat i32.const 2 i8x16.splat i8x16.relaxed_swizzle))
    const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);
    relaxedCache = WebAssembly.validate(probe);
  }
  return relaxedCache;
}

/** Synchronous SIMD detection: validate wasm-feature-detect's probe module directly. */
export function simdSupportedSync(): boolean {
  if (simdCache === null) {
    // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)) — the probe wasm-feature-detect uses
    const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
    simdCache = WebAssembly.validate(probe);
  }
  return simdCache;
}
