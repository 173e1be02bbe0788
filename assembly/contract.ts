// The kernels' preconditions, checked by assert() in the debug build (rfa-debug.wasm, which the kernel
// tests run against) and compiled away in the release builds (noAssert): sizes are non-negative,
// f32 buffers are 4-byte aligned, and an output never overlaps an input it is computed from.

// @ts-ignore: decorator
@inline export function aligned4(p: usize): bool {
  return (p & 3) == 0;
}

/** Two byte ranges [a, a + aBytes) and [b, b + bBytes) share no byte (an empty range overlaps nothing). */
// @ts-ignore: decorator
@inline export function disjoint(a: usize, aBytes: usize, b: usize, bBytes: usize): bool {
  return aBytes == 0 || bBytes == 0 || a + aBytes <= b || b + bBytes <= a;
}
