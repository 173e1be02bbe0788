// Our own loader for the kernels (the deprecated @assemblyscript/loader is not used). The compiler
// emits `--bindings raw` (build/rfa-*.js and .d.ts); we take the export types from its .d.ts and
// instantiate the module ourselves, so that the same code works synchronously (Node) and
// asynchronously (browsers), from bytes, a URL or a compiled WebAssembly.Module. Nothing here
// imports a Node built-in: in Node the .wasm file is read through process.getBuiltinModule.
import { simd as detectSimd } from 'wasm-feature-detect';

export type KernelExports = Awaited<ReturnType<typeof import('../../build/rfa-simd.js').instantiate>>;
export type WasmBackend = 'simd' | 'scalar' | 'relaxed';
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;
/**
 * The builds: one per backend ('relaxed': SIMD with relaxed_madd, opt-in), the threaded SIMD build
 * (imported shared memory, atomics) and 'debug' (SIMD with the kernels' assert() preconditions, unoptimized:
 * the kernel tests run against it).
 */
export type KernelBuild = WasmBackend | 'simd-mt' | 'debug';

const compiled = new Map<KernelBuild, WebAssembly.Module>();

/** The URL of a build's .wasm file as built by `npm run build:wasm`. */
export function defaultWasmUrl(backend: KernelBuild): URL {
  return new URL(`../../build/rfa-${backend}.wasm`, import.meta.url);
}

interface NodeFs {
  readFileSync(path: URL | string): Uint8Array;
}
function nodeFs(): NodeFs | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (p?.getBuiltinModule?.('node:fs') as NodeFs | undefined) ?? null;
}

function toBytes(src: ArrayBuffer | Uint8Array): Uint8Array {
  return src instanceof Uint8Array ? src : new Uint8Array(src);
}

/** Compile a backend's module synchronously (Node, or any host given bytes or a Module). */
export function compileKernelsSync(backend: KernelBuild, source?: WasmSource): WebAssembly.Module {
  if (source === undefined) {
    const hit = compiled.get(backend);
    if (hit) return hit;
  }
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) module = source;
  else if (source instanceof ArrayBuffer || source instanceof Uint8Array) module = new WebAssembly.Module(toBytes(source) as Uint8Array<ArrayBuffer>);
  else {
    const fs = nodeFs();
    if (!fs) {
      throw new Error(`loading the ${backend} kernels synchronously needs Node, bytes or a WebAssembly.Module; in a browser call loadKernels() first`);
    }
    const url = source === undefined ? defaultWasmUrl(backend) : typeof source === 'string' ? new URL(source, defaultWasmUrl(backend)) : source;
    module = new WebAssembly.Module(fs.readFileSync(url) as Uint8Array<ArrayBuffer>);
  }
  if (source === undefined) compiled.set(backend, module);
  return module;
}

/** Compile a backend's module (fetch in browsers, file read in Node); cached per backend. */
export async function compileKernels(backend: KernelBuild, source?: WasmSource): Promise<WebAssembly.Module> {
  if (source === undefined) {
    const hit = compiled.get(backend);
    if (hit) return hit;
    if (nodeFs()) return compileKernelsSync(backend);
    const module = await WebAssembly.compileStreaming(fetch(defaultWasmUrl(backend)));
    compiled.set(backend, module);
    return module;
  }
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return WebAssembly.compile(toBytes(source) as Uint8Array<ArrayBuffer>);
  if (nodeFs()) return compileKernelsSync(backend, source);
  return WebAssembly.compileStreaming(fetch(source));
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
