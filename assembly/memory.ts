// Where TypeScript may start laying out its arena: everything from here on is ours.
// The kernels never allocate (runtime stub); TypeScript grows memory and owns the layout.
export function heap_base(): usize {
  return (__heap_base + 15) & ~15;
}
