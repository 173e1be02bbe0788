// .npy round trips against files with known bytes (written by NumPy 2.4's np.save).
import { describe, expect, it } from 'vitest';
import { ConfigError, npyToFloat32, npyToLabels, readNpy, writeNpy } from '../src/index.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
const F4_2x3 =
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000c03f000000c000000000000050406f12833a00000080';
const I1_4 =
  '934e554d5059010076007b276465736372273a20277c6931272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028342c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a01ff0101';
const F8_2 =
  '934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f03f0000000000000040';
const I4_3 =
  '934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200affffffff0100000007000000';

describe('.npy', () => {
  it('reads NumPy float32 (2, 3) and writes the same bytes back', () => {
    const a = readNpy(hex(F4_2x3));
    expect(a.dtype).toBe('<f4');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 0, 3.25, Math.fround(1e-3), -0]);
    expect(Object.is((a.data as Float32Array)[5], -0)).toBe(true);
    expect(writeNpy(a.data, a.shape)).toEqual(hex(F4_2x3));
  });

  it('reads and writes int8 labels, float64 and int32 with NumPy’s exact bytes', () => {
    for (const [h, dtype, values] of [[I1_4, '|i1', [1, -1, 1, 1]], [F8_2, '<f8', [1, 2]], [I4_3, '<i4', [-1, 1, 7]]] as const) {
      const a = readNpy(hex(h));
      expect(a.dtype).toBe(dtype);
      expect(Array.from(a.data as ArrayLike<number>)).toEqual(values);
      expect(writeNpy(a.data, a.shape)).toEqual(hex(h));
    }
  });

  it('reads from a view with a non-zero offset (a Node Buffer from the shared pool)', () => {
    const pooled = new Uint8Array(3 + hex(F4_2x3).length);
    pooled.set(hex(F4_2x3), 3);
    const a = readNpy(pooled.subarray(3));
    expect(Array.from(a.data as Float32Array).slice(0, 2)).toEqual([1.5, -2]);
  });

  it('round-trips large shapes, and the header is padded to 64 bytes', () => {
    const data = Float32Array.from({ length: 1234 * 7 }, (_, i) => i / 7);
    const bytes = writeNpy(data, [1234, 7]);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const back = readNpy(bytes);
    expect(back.shape).toEqual([1234, 7]);
    expect(back.data).toEqual(data);
    expect(npyToFloat32(back, 'X', 2)).toEqual(data);
  });

  it('converts labels and floats, refusing what does not fit', () => {
    expect(Array.from(npyToLabels(readNpy(hex(I1_4)), 'y'))).toEqual([1, -1, 1, 1]);
    expect(() => npyToLabels(readNpy(hex(I4_3)), 'y')).toThrow(/y\[2\] must be \+1 or −1, got 7/);
    expect(() => npyToFloat32(readNpy(hex(I1_4)), 'X', 1)).toThrow(/X must be float32 \(<f4\) or float64 \(<f8\), got "\|i1"/);
    expect(() => npyToFloat32(readNpy(hex(F4_2x3)), 'X', 1)).toThrow(/X must be an array of 1 dimension, got "shape \(2, 3\)"/);
    const nan = writeNpy(Float32Array.from([1, NaN]), [2]);
    expect(() => npyToFloat32(readNpy(nan), 'X', 1)).toThrow(/X\[flat 1\] must be a finite number, got NaN/);
  });

  it('refuses malformed files with a clear error', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'W.npy')).toThrow(ConfigError);
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'W.npy')).toThrow(/W.npy must be a .npy file/);
    const truncated = hex(F4_2x3).slice(0, -4);
    expect(() => readNpy(truncated, 'X')).toThrow(/X must be 24 data bytes for shape \(2, 3\) of <f4, got "20 bytes"/);
    const fortran = new TextDecoder('latin1').decode(hex(F4_2x3)).replace('False', 'True ');
    expect(() => readNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)), 'X')).toThrow(/C-ordered/);
    const bigEndian = new TextDecoder('latin1').decode(hex(F4_2x3)).replace('<f4', '>f4');
    expect(() => readNpy(Uint8Array.from(bigEndian, (c) => c.charCodeAt(0)), 'X')).toThrow(/supported dtype.*got ">f4"/);
  });

  it('refuses a shape that does not match the data when writing', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(/shape must be dimensions whose product is the data length 5/);
  });
});
