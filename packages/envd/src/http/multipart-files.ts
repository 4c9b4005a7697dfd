import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { EnvdError } from '../errors/envd-error.js';

/** One `file` part of a multipart upload. */
export interface UploadPart {
  /** The part's full `filename` (paths preserved), if it had one. */
  readonly filename: string | undefined;
  readonly content: Readable;
}

/** Largest `file` part sent as a plain form field (no filename), which is held in memory. */
const MAX_FIELD_BYTES = 64 * 1024 * 1024;

/**
 * Feeds every part named `file` of a multipart body to `onPart`, strictly one after the
 * other (parsing waits while a part is written). Parts with other names are skipped. A
 * field without a filename counts too: that is what `FormData.append('file', 'text')`
 * sends, as the SDK's signed-URL test does. After the first failure the remaining parts
 * are drained and the failure is thrown.
 * @throws EnvdError INVALID_ARGUMENT for a malformed body
 */
export function forEachFilePart(
  headers: IncomingHttpHeaders,
  body: Readable,
  onPart: (part: UploadPart) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fieldSize: MAX_FIELD_BYTES },
      });
    } catch (error) {
      reject(
        new EnvdError('INVALID_ARGUMENT', `error parsing multipart form: ${String(error)}`, { cause: error }),
      );
      return;
    }
    let failure: unknown;
    let chain = Promise.resolve();
    const enqueue = (run: () => Promise<void>, drain: () => void): void => {
      chain = chain.then(async () => {
        if (failure !== undefined) return drain();
        try {
          await run();
        } catch (error) {
          failure = error;
          drain();
        }
      });
    };

    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      enqueue(
        () => onPart({ filename: info.filename, content: stream }),
        () => stream.resume(),
      );
    });
    parser.on('field', (name, value, info) => {
      if (name !== 'file') return;
      if (info.valueTruncated) {
        failure ??= new EnvdError(
          'INVALID_ARGUMENT',
          `form field 'file' is larger than ${MAX_FIELD_BYTES} bytes`,
        );
        return;
      }
      enqueue(
        () => onPart({ filename: undefined, content: Readable.from([Buffer.from(value, 'utf8')]) }),
        () => {},
      );
    });
    parser.on('error', (error: unknown) => {
      failure ??= new EnvdError('INVALID_ARGUMENT', `error reading form: ${String(error)}`, { cause: error });
      body.unpipe(parser);
      body.resume();
      chain.then(() => reject(failure));
    });
    parser.on('close', () => {
      chain.then(() => (failure === undefined ? resolve() : reject(failure)));
    });
    body.on('error', (error) => {
      failure ??= error;
      parser.destroy();
      chain.then(() => reject(failure));
    });
    body.pipe(parser);
  });
}
