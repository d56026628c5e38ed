import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIGMAP_LIMIT_BYTES, parseCaBundle, ParsedBundle, ParseOptions } from './pem';

/** Largest input read: the ConfigMap limit plus room for comments and `openssl x509 -text` output. */
const READ_LIMIT_BYTES = 8 * CONFIGMAP_LIMIT_BYTES;

/**
 * Where the org CA comes from: a file, or PEM text. Use as `OrgCaBundle`'s `source`.
 */
export class CaSource {
  /**
   * A PEM bundle (one or more certificates) or a single DER certificate, read at synth time.
   *
   * @param file path of the file; relative paths are resolved from the current working directory
   */
  public static fromFile(file: string): CaSource {
    if (typeof file !== 'string' || file === '') {
      throw new Error(`CaSource.fromFile: the path must be a non-empty string, not ${JSON.stringify(file)}`);
    }
    return new CaSource(file, undefined);
  }

  /**
   * PEM text: one or more `-----BEGIN CERTIFICATE-----` blocks.
   *
   * @param pem the PEM text
   */
  public static fromPem(pem: string): CaSource {
    if (typeof pem !== 'string') {
      throw new Error(`CaSource.fromPem: the PEM text must be a string, not ${pem === null ? 'null' : typeof pem}; pass the file's contents, or use CaSource.fromFile(path)`);
    }
    return new CaSource(undefined, pem);
  }

  /** The file, for a source from a file. */
  public readonly path?: string;

  private readonly pem?: string;

  private constructor(file: string | undefined, pem: string | undefined) {
    this.path = file;
    this.pem = pem;
  }

  /**
   * Reads and validates the source.
   * @internal
   */
  public _load(options: ParseOptions = {}): ParsedBundle {
    if (this.pem !== undefined) return parseCaBundle(this.pem, 'inline PEM', new Date(), options);
    return parseCaBundle(readCaFile(this.path!), this.path!, new Date(), options);
  }
}

/**
 * Reads a CA file: a regular file only (a directory, FIFO, socket or device would hang or grow
 * without end), at most READ_LIMIT_BYTES, read in one bounded read. The file is opened first
 * (non-blocking, so a FIFO cannot hang the open) and what was opened is checked, so a path swapped
 * between a check and the open cannot slip a FIFO or a device through.
 */
function readCaFile(file: string): Buffer {
  const full = path.resolve(file);
  const cannot = (e: unknown) => new Error(`cannot read the org CA bundle at path "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  let fd: number;
  try {
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw notAFile(file, 'a socket or a FIFO without a writer');
    throw cannot(e);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw cannot(e);
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw notAFile(file, st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file');
  }
  try {
    if (st.size > READ_LIMIT_BYTES) {
      throw new Error(`the org CA bundle at "${file}" is ${st.size} bytes, over the ${READ_LIMIT_BYTES}-byte read limit; a CA bundle is a few KiB: check the file`);
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}

function notAFile(file: string, what: string): Error {
  return new Error(`the org CA bundle path "${file}" is ${what}; point it at a PEM or DER file`);
}
