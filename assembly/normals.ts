// Standard normal draws: the 256-layer ziggurat of Marsaglia & Tsang (2000), in the form NumPy's
// generator uses (52-bit layer test, Marsaglia's exponential tail), driven by xoroshiro128+ with
// native u64 arithmetic. The generator's state is two u64 words the caller owns (the same state the
// TypeScript Rng keeps in 32-bit halves), so the draws interleave with the Rng's other draws.
// Everything here (the tables included) is integer and IEEE f64 arithmetic plus AssemblyScript's own
// exp/log/sqrt, compiled into the module: the same bits on every engine and in every build.
import { disjoint } from "./contract";

const LAYERS = 256;
/** The base strip's right edge and the layers' common area (Marsaglia & Tsang, 256 layers). */
const R: f64 = 3.6541528853610088;
const V: f64 = 4.92867323399e-3;
const M52: f64 = 4503599627370496; // 2^52
/** Bytes of the tables normal_tables() writes: ki (u64) then wi and fi (f64), 256 each. */
const NORMAL_TABLE_BYTES: i32 = LAYERS * 24;

/** Fill the ziggurat's tables at `tables` (NORMAL_TABLE_BYTES, 8-byte aligned). */
export function normal_tables(tables: usize): void {
  assert((tables & 7) == 0, "normal_tables: unaligned tables");
  const ki = tables, wi = tables + LAYERS * 8, fi = tables + LAYERS * 16;
  let dn = R, tn = R;
  const q = V / Math.exp(-0.5 * dn * dn);
  store<u64>(ki, <u64>((dn / q) * M52));
  store<u64>(ki + 8, 0);
  store<f64>(wi, q / M52);
  store<f64>(wi + (LAYERS - 1) * 8, dn / M52);
  store<f64>(fi, 1.0);
  store<f64>(fi + (LAYERS - 1) * 8, Math.exp(-0.5 * dn * dn));
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2.0 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    store<u64>(ki + (<usize>(i + 1) << 3), <u64>((dn / tn) * M52));
    tn = dn;
    store<f64>(fi + (<usize>i << 3), Math.exp(-0.5 * dn * dn));
    store<f64>(wi + (<usize>i << 3), dn / M52);
  }
}

// The generator's state while a rare path (the tail, a wedge) draws: the hot loop keeps it in locals.
let g0: u64 = 0;
let g1: u64 = 0;

/** One xoroshiro128+ output from the state in g0, g1. */
// @ts-ignore: decorator
@inline function next(): u64 {
  const r = g0 + g1;
  const t = g0 ^ g1;
  g0 = rotl<u64>(g0, 24) ^ t ^ (t << 16);
  g1 = rotl<u64>(t, 37);
  return r;
}

/** A uniform double in [0, 1) from the top 53 bits of one output. */
// @ts-ignore: decorator
@inline function uniform(): f64 {
  return <f64><i64>(next() >> 11) * 1.1102230246251565e-16; // 2^-53
}

/**
 * The rare outcomes of one draw (about 1.2% of them) for layer idx and abscissa x: a draw in the tail
 * beyond R (idx 0; Marsaglia's exponential proposals) or the wedge test of layer idx. NaN means
 * "rejected, draw again". Uses and advances the state in g0, g1.
 */
function rare(fi: usize, idx: usize, negative: bool, x: f64): f64 {
  if (idx == 0) {
    for (;;) {
      const xx = -Math.log1p(-uniform()) / R;
      const yy = -Math.log1p(-uniform());
      if (yy + yy > xx * xx) return negative ? -(R + xx) : R + xx;
    }
  }
  const f0 = load<f64>(fi + (idx << 3));
  const f1 = load<f64>(fi + ((idx - 1) << 3));
  if ((f1 - f0) * uniform() + f0 < Math.exp(-0.5 * x * x)) return negative ? -x : x;
  return NaN;
}

/**
 * `count` standard normal draws into out[0, count) (f64), advancing the xoroshiro128+ state at
 * `state` (s0, s1 as two u64). `tables` holds normal_tables()' output.
 */
export function normals_f64(state: usize, tables: usize, out: usize, count: i32): void {
  assert(count >= 0 && (state & 7) == 0 && (tables & 7) == 0 && (out & 7) == 0, "normals_f64: bad count or unaligned buffer");
  assert(disjoint(out, <usize>count << 3, state, 16) && disjoint(out, <usize>count << 3, tables, NORMAL_TABLE_BYTES),
    "normals_f64: output overlaps the state or the tables");
  const ki = tables, wi = tables + LAYERS * 8, fi = tables + LAYERS * 16;
  let s0 = load<u64>(state), s1 = load<u64>(state, 8);
  for (let i = 0; i < count; ) {
    // one output: the top 8 bits pick the layer, the next the sign, the low 52 the abscissa
    const r = s0 + s1;
    const t = s0 ^ s1;
    s0 = rotl<u64>(s0, 24) ^ t ^ (t << 16);
    s1 = rotl<u64>(t, 37);
    const idx = <usize>(r >> 56);
    const negative = ((r >> 55) & 1) != 0;
    const rabs = r & 0xfffffffffffff;
    const x = <f64><i64>rabs * load<f64>(wi + (idx << 3));
    let z: f64;
    if (rabs < load<u64>(ki + (idx << 3))) {
      z = negative ? -x : x;
    } else {
      g0 = s0;
      g1 = s1;
      z = rare(fi, idx, negative, x);
      s0 = g0;
      s1 = g1;
      if (isNaN(z)) continue;
    }
    store<f64>(out + (<usize>i << 3), z);
    i++;
  }
  store<u64>(state, s0);
  store<u64>(state, s1, 8);
}
