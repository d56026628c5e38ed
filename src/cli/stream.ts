/**
 * The command's input and output as streams, so a render of any size is wired in bounded memory:
 * the input is cut into documents without parsing it (YAML ends a document at a `---` or `...`
 * line, even inside a block or quoted scalar), and the output is held back (in memory while small,
 * in a temporary file past that) until the whole run has succeeded.
 * @internal
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** Bytes read or copied at a time. */
const CHUNK_BYTES = 1024 * 1024;


/** A line that is document content: not blank, not a comment, not a directive. */
const CONTENT_LINE = /^(?![ \t]*(?:#|\r?$)|%)/m;

/**
 * Cuts a YAML stream, given as chunks of text, into pieces of whole documents whose concatenation is
 * the input: a piece ends before each `---` line (unless all it holds so far is comments, blank
 * lines and directives, which belong to the document that follows) and after each `...` line.
 * Each piece parses on its own as it parses within the stream.
 * @internal
 */
export function* documentPieces(chunks: Iterable<string>): Generator<string> {
  // a line that starts a document (`---`) or ends one (`...`), at column 0
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let carry = '';
  let scanned = 0; // carry[0, scanned) holds no marker past the piece start
  function* cut(upTo: number): Generator<string> {
    // markers on complete lines before upTo
    marker.lastIndex = scanned;
    let start = 0;
    for (let m = marker.exec(carry); m && m.index < upTo; m = marker.exec(carry)) {
      if (m[1] === '---') {
        if (m.index > start && CONTENT_LINE.test(carry.slice(start, m.index))) {
          yield carry.slice(start, m.index);
          start = m.index;
        }
      } else {
        const eol = carry.indexOf('\n', m.index);
        const end = eol < 0 ? carry.length : eol + 1;
        yield carry.slice(start, end);
        start = end;
        marker.lastIndex = end;
      }
    }
    carry = carry.slice(start);
    scanned = Math.max(0, upTo - start);
  }
  for (const chunk of chunks) {
    carry += chunk;
    const lastLine = carry.lastIndexOf('\n') + 1; // the last line may go on in the next chunk
    if (lastLine > scanned) yield* cut(lastLine);
  }
  yield* cut(carry.length + 1);
  if (carry !== '') yield carry;
}

/** Text of `sources` (strings, or files read a chunk at a time), decoded as UTF-8. @internal */
export function* textOf(sources: Iterable<string | Spool>): Generator<string> {
  for (const s of sources) {
    if (typeof s === 'string') {
      yield s;
      continue;
    }
    const decoder = new StringDecoder('utf8');
    for (const b of s.chunks()) yield decoder.write(b);
    const rest = decoder.end();
    if (rest) yield rest;
  }
}

/**
 * Bytes kept back: in memory up to `memoryBytes`, then in a file of a private temporary directory
 * (removed by `dispose`). Also the command's view of an input file (`Spool.ofFile`), read a chunk
 * at a time, as often as asked.
 * @internal
 */
export class Spool {
  /** A file read in place, a chunk at a time. */
  public static ofFile(file: string, size: number): Spool {
    const s = new Spool(0);
    s.file = file;
    s.size = size;
    s.owned = false;
    return s;
  }

  /** Bytes written so far. */
  public size = 0;
  private parts: Buffer[] = [];
  private file?: string;
  private fd?: number;
  private owned = true;

  /**
   * @param memoryBytes held in memory up to this size
   * @param tmpdir where the file goes past it
   */
  constructor(private readonly memoryBytes = 8 * 1024 * 1024, private readonly tmpdir = os.tmpdir()) {}

  public write(data: string | Buffer): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (b.length === 0) return;
    this.size += b.length;
    if (this.fd === undefined && this.size <= this.memoryBytes) {
      this.parts.push(b);
      return;
    }
    if (this.fd === undefined) {
      const dir = fs.mkdtempSync(path.join(this.tmpdir, 'cdk8s-org-ca-'));
      this.file = path.join(dir, 'spool');
      this.fd = fs.openSync(this.file, 'w+', 0o600);
      for (const p of this.parts) fs.writeSync(this.fd, p);
      this.parts = [];
    }
    fs.writeSync(this.fd, b);
  }

  /** What was written, a chunk at a time. */
  public* chunks(): Generator<Buffer> {
    if (this.file === undefined) {
      yield* this.parts;
      return;
    }
    const fd = this.fd ?? fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(CHUNK_BYTES);
      for (let pos = 0; pos < this.size;) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, this.size - pos), pos);
        if (n === 0) break;
        pos += n;
        yield Buffer.from(buf.subarray(0, n));
      }
    } finally {
      if (this.fd === undefined) fs.closeSync(fd);
    }
  }

  /** Removes the temporary file, if any. */
  public dispose(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.owned && this.file) fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
    this.parts = [];
  }
}
