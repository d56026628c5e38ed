import { CONFIGMAP_LIMIT_BYTES, parseCaBundle, ParsedBundle, ParseOptions } from './pem';
import { readRegularFile } from '../util/read-file';

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

/** Reads a CA file: a regular file of at most READ_LIMIT_BYTES (see readRegularFile). */
function readCaFile(file: string): Buffer {
  return readRegularFile(file, READ_LIMIT_BYTES, { what: 'the org CA bundle', expected: 'a PEM or DER file', tooLarge: 'a CA bundle is a few KiB: check the file' });
}
