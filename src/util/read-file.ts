/**
 * Bounded reads of files the user names: a regular file only (a directory, FIFO, socket or device
 * would hang or grow without end), at most `limit` bytes. The file is opened first (non-blocking, so
 * a FIFO cannot hang the open) and what was opened is checked, so a path swapped between a check and
 * the open cannot slip a FIFO or a device through.
 * @internal
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How errors name the file and the fix, in the caller's words. @internal */
export interface ReadWords {
  /** e.g. 'the org CA bundle' */
  readonly what: string;
  /** what to point the path at, e.g. 'a PEM or DER file' */
  readonly expected: string;
  /** said when the file is over the limit, e.g. 'a CA bundle is a few KiB: check the file' */
  readonly tooLarge: string;
}

/** Reads `file` (a regular file of at most `limit` bytes), or throws an error in `words`. @internal */
export function readRegularFile(file: string, limit: number, words: ReadWords): Buffer {
  return withRegularFile(file, limit, words, (fd, size) => {
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  });
}

/** The size of `file`, checked as `readRegularFile` checks it (a regular file, at most `limit` bytes), without reading it. @internal */
export function regularFileSize(file: string, limit: number, words: ReadWords): number {
  return withRegularFile(file, limit, words, (_fd, size) => size);
}

function withRegularFile<T>(file: string, limit: number, words: ReadWords, use: (fd: number, size: number) => T): T {
  const full = path.resolve(file);
  const cannot = (e: unknown) => new Error(`cannot read ${words.what} at path "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  const notAFile = (kind: string) => new Error(`${words.what} path "${file}" is ${kind}; point it at ${words.expected}`);
  let fd: number;
  try {
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(full, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw notAFile('a socket or a FIFO without a writer');
    throw cannot(e);
  }
  try {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      throw cannot(e);
    }
    if (!st.isFile()) throw notAFile(kindOf(st));
    if (st.size > limit) throw new Error(`${words.what} at "${file}" is ${st.size} bytes, over the ${limit}-byte read limit; ${words.tooLarge}`);
    return use(fd, st.size);
  } finally {
    fs.closeSync(fd);
  }
}

/** What a non-regular file is, in words. @internal */
export function kindOf(st: fs.Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
}

/**
 * Reads a file descriptor that may be a pipe (stdin) up to `limit` bytes, handing each chunk read
 * to `sink`; returns the byte count. A device (e.g. stdin redirected from /dev/zero) is refused, a
 * regular file is size-checked first, and a pipe that goes on past the limit is an error, not an
 * ever-growing buffer.
 * @internal
 */
export function copyBoundedFd(fd: number, limit: number, words: ReadWords, sink: (b: Buffer) => void): number {
  const st = fs.fstatSync(fd);
  if (st.isCharacterDevice() || st.isBlockDevice() || st.isDirectory()) {
    throw new Error(`${words.what} is ${kindOf(st)}; give ${words.expected}`);
  }
  if (st.isFile() && st.size > limit) throw new Error(`${words.what} is ${st.size} bytes, over the ${limit}-byte read limit; ${words.tooLarge}`);
  let total = 0;
  const chunk = Buffer.alloc(1024 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw new Error(`${words.what} goes on past the ${limit}-byte read limit; ${words.tooLarge}`);
    sink(Buffer.from(chunk.subarray(0, n)));
  }
  return total;
}
