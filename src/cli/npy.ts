/**
 * @module cli/npy
 * The NumPy `.npy` format (version 1.0, or 2.0 when the header outgrows 64 KiB), written and read without NumPy, so
 * `graphrec export` can hand embeddings to a notebook: `np.load('item_embeddings.npy')`.
 *
 * Layout: the magic `\x93NUMPY`, the version bytes, the header length (uint16 LE in 1.0, uint32 LE in 2.0), then an
 * ASCII Python dict `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }` padded with spaces and ended by `\n`
 * so the data starts on a 64-byte boundary, then the C-order (row-major) little-endian data.
 *
 * @example
 * writeFileSync('items.npy', encodeNpy(vectors, [nItems, dim])); // vectors: Float32Array
 * const { shape, data } = decodeNpy(readFileSync('items.npy')); // shape [nItems, dim], data Float32Array
 */
import { AppError } from '../core/errors.ts';

export type NpyArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const DESCR: ReadonlyArray<readonly [string, new (n: number) => NpyArray, (v: DataView, at: number, x: number) => void, (v: DataView, at: number) => number]> = [
  ['<f4', Float32Array, (v, at, x) => v.setFloat32(at, x, true), (v, at) => v.getFloat32(at, true)],
  ['<f8', Float64Array, (v, at, x) => v.setFloat64(at, x, true), (v, at) => v.getFloat64(at, true)],
  ['<i4', Int32Array, (v, at, x) => v.setInt32(at, x, true), (v, at) => v.getInt32(at, true)],
  ['<u4', Uint32Array, (v, at, x) => v.setUint32(at, x, true), (v, at) => v.getUint32(at, true)],
  ['<i2', Int16Array, (v, at, x) => v.setInt16(at, x, true), (v, at) => v.getInt16(at, true)],
  ['<u2', Uint16Array, (v, at, x) => v.setUint16(at, x, true), (v, at) => v.getUint16(at, true)],
  ['|i1', Int8Array, (v, at, x) => v.setInt8(at, x), (v, at) => v.getInt8(at)],
  ['|u1', Uint8Array, (v, at, x) => v.setUint8(at, x), (v, at) => v.getUint8(at)],
];

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function descrOf(data: NpyArray) {
  const entry = DESCR.find(([, ctor]) => data instanceof ctor);
  if (!entry) throw new AppError('BAD_REQUEST', 'npy: unsupported array type');
  return entry;
}

/** The `.npy` bytes of `data` with `shape` (row-major; the product of `shape` must equal `data.length`). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Buffer {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new AppError('BAD_REQUEST', `npy: bad shape ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new AppError('BAD_REQUEST', `npy: shape ${JSON.stringify(shape)} holds ${count} values, the array ${data.length}`);
  const [descr, , set] = descrOf(data);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - prefix;
  const header = Buffer.alloc(total, 0x20);
  MAGIC.copy(header, 0);
  header[6] = version;
  header[7] = 0;
  if (version === 1) header.writeUInt16LE(headerLen, 8);
  else header.writeUInt32LE(headerLen, 8);
  header.write(dict, prefix, 'latin1');
  header[total - 1] = 0x0a;
  const body = Buffer.alloc(data.byteLength);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) set(view, i * width, data[i]!);
  return Buffer.concat([header, body]);
}

/** Parses `.npy` bytes written by {@link encodeNpy} (or NumPy, for the little-endian C-order types above). */
export function decodeNpy(bytes: Uint8Array): { descr: string; shape: number[]; data: NpyArray } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new AppError('BAD_REQUEST', 'npy: not a .npy file');
  const version = buf[6]!;
  const prefix = version === 1 ? 10 : 12;
  const headerLen = version === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dict = buf.toString('latin1', prefix, prefix + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (!descr || fortran === undefined || shapeText === undefined) throw new AppError('BAD_REQUEST', 'npy: malformed header');
  if (fortran === 'True') throw new AppError('BAD_REQUEST', 'npy: Fortran order is not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const entry = DESCR.find(([d]) => d === descr);
  if (!entry) throw new AppError('BAD_REQUEST', `npy: unsupported dtype ${descr}`);
  const [, ctor, , get] = entry;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new ctor(count);
  const start = prefix + headerLen;
  const width = data.BYTES_PER_ELEMENT;
  if (buf.length < start + count * width) throw new AppError('BAD_REQUEST', 'npy: file shorter than its shape');
  const view = new DataView(buf.buffer, buf.byteOffset + start, count * width);
  for (let i = 0; i < count; i++) data[i] = get(view, i * width);
  return { descr, shape, data };
}
