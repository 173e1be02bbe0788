// Raw DEFLATE decoding (RFC 1951: stored, fixed and dynamic Huffman blocks) into a buffer of known
// size, for the inlined kernel builds (scripts/inline-wasm.mjs deflates them with zlib). Synchronous,
// so the kernels compile synchronously anywhere, and about 1 KB minified where fflate's inflate was
// 3.8 KB of the page's bundle. Huffman codes are decoded a bit at a time (puff's canonical method):
// slow for megabytes, a fraction of a millisecond for the 7 KB it decodes. Tested against zlib.

interface Huffman { counts: Uint16Array; symbols: Uint16Array }

function huffman(lengths: ArrayLike<number>, n: number): Huffman {
  const counts = new Uint16Array(16), offsets = new Uint16Array(16), symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  for (let i = 1; i < 16; i++) offsets[i] = offsets[i - 1]! + counts[i - 1]!;
  for (let i = 0; i < n; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  return { counts, symbols };
}

// base lengths and distances, and their extra bits (RFC 1951 §3.2.5), computed
const LEN_EXTRA = new Uint8Array(29).map((_, k) => (k < 8 || k === 28 ? 0 : (k - 4) >> 2));
const LEN_BASE = new Uint16Array(29);
const DIST_EXTRA = new Uint8Array(30).map((_, k) => (k < 4 ? 0 : (k >> 1) - 1));
const DIST_BASE = new Uint16Array(30);
LEN_BASE[0] = 3;
for (let k = 1; k < 28; k++) LEN_BASE[k] = LEN_BASE[k - 1]! + (1 << LEN_EXTRA[k - 1]!);
LEN_BASE[28] = 258;
DIST_BASE[0] = 1;
for (let k = 1; k < 30; k++) DIST_BASE[k] = DIST_BASE[k - 1]! + (1 << DIST_EXTRA[k - 1]!);
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Inflate raw DEFLATE data that decodes to exactly `size` bytes (anything else is an Error). */
export function inflateRaw(src: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let pos = 0, bit = 0, o = 0;
  const fail = (): never => {
    throw new Error('rfa: the inlined kernel builds are corrupt (the package files were changed?)');
  };
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= src.length) fail();
      v |= ((src[pos]! >> bit) & 1) << i;
      if (++bit === 8) {
        bit = 0;
        pos++;
      }
    }
    return v;
  };
  const decode = (h: Huffman): number => {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = h.counts[len]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail();
  };
  let last: number;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      if (bit) {
        bit = 0;
        pos++;
      }
      const len = src[pos]! | (src[pos + 1]! << 8);
      pos += 4;
      if (pos + len > src.length || o + len > size) fail();
      out.set(src.subarray(pos, pos + len), o);
      o += len;
      pos += len;
      continue;
    }
    let lit: Huffman, dist: Huffman;
    if (type === 1) {
      const l = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280);
      lit = huffman(l, 288);
      dist = huffman(new Uint8Array(30).fill(5), 30);
    } else if (type === 2) {
      const nlit = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
      const cl = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) cl[ORDER[i]!] = bits(3);
      const ch = huffman(cl, 19);
      const lens = new Uint8Array(nlit + ndist);
      for (let i = 0; i < nlit + ndist;) {
        const s = decode(ch);
        if (s < 16) lens[i++] = s;
        else {
          const rep = s === 16 ? 3 + bits(2) : s === 17 ? 3 + bits(3) : 11 + bits(7);
          if ((s === 16 && i === 0) || i + rep > lens.length) fail();
          lens.fill(s === 16 ? lens[i - 1]! : 0, i, i + rep);
          i += rep;
        }
      }
      lit = huffman(lens.subarray(0, nlit), nlit);
      dist = huffman(lens.subarray(nlit), ndist);
    } else {
      return fail();
    }
    for (;;) {
      const s = decode(lit);
      if (s < 256) {
        if (o >= size) fail();
        out[o++] = s;
      } else if (s === 256) {
        break;
      } else {
        const k = s - 257;
        if (k > 28) fail();
        const len = LEN_BASE[k]! + bits(LEN_EXTRA[k]!);
        const dk = decode(dist);
        if (dk > 29) fail();
        const d = DIST_BASE[dk]! + bits(DIST_EXTRA[dk]!);
        if (d > o || o + len > size) fail();
        for (let i = 0; i < len; i++, o++) out[o] = out[o - d]!;
      }
    }
  } while (!last);
  if (o !== size) fail();
  return out;
}
