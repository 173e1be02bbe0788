// A Node built-in module, reached through process.getBuiltinModule (Node ≥ 20.16) so that no code of
// the core imports `node:` (bundlers for browsers would choke on it); null where there is no Node.
export function nodeBuiltin<T>(id: string): T | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (p?.getBuiltinModule?.(id) as T | undefined) ?? null;
}
