import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import { ERROR_CODES, ErrorCode } from '../errors';
import { log } from '../log';

/**
 * The node:http servers of the gateway (the API and the metrics listener), with the bounds a
 * request must keep before any route sees it, and coded JSON answers for what node's HTTP
 * parser refuses on its own:
 *
 *  - the request line and headers must arrive within `headersTimeoutMs`, the whole request (body
 *    included) within `requestTimeoutMs` (GATEWAY_HEADERS_TIMEOUT_MS, GATEWAY_REQUEST_TIMEOUT_MS);
 *    node checks every TIMEOUT_CHECK_INTERVAL_MS, so a stalled request is answered between its
 *    bound and the bound plus a second: 408 HTTP_REQUEST_TIMEOUT;
 *  - headers over MAX_HEADER_BYTES: 431 HEADERS_TOO_LARGE;
 *  - anything else node's parser refuses (a NUL, CR or other control character in a header, an
 *    invalid method, version, chunk or Content-Length, Content-Length with Transfer-Encoding):
 *    400 BAD_REQUEST.
 *
 * Node gives these to the 'clientError' handler with no request or response object: the answer
 * is written to the socket here, once, only if nothing has been answered on the connection for
 * the request at fault, and never echoes a byte of the request (the error's rawPacket is not
 * read). The connection is then closed: the answer is sent, our side is ended, and what the client
 * still sends is read and dropped for up to LINGER_MS (closing at once would reset the connection,
 * and the client could lose the answer while it is still sending, such as a 100 KB header).
 */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Node's limit on a request's line and headers together, set here so NODE_OPTIONS (--max-http-header-size) cannot raise it. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** How often node checks the bounds (its default, 30 s, would let a stalled request stay up to 30 s past its bound). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1000;
/** How long a refused connection is kept to drain what the client still sends, before it is destroyed. */
export const LINGER_MS = 2000;

/** The request in flight on each connection and its response, to tell whether a parser error may still be answered. */
const exchanges = new WeakMap<Duplex, { req: http.IncomingMessage; res: http.ServerResponse }>();
/** Connections already answered (or given up) by the clientError handler: node reports the rest of a refused request again. */
const handled = new WeakSet<Duplex>();

export function createHttpServer(handler: http.RequestListener, timeouts: HttpTimeouts): http.Server {
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    (req, res) => {
      exchanges.set(req.socket, { req, res });
      handler(req, res);
    },
  );
  server.on('clientError', answerClientError);
  return server;
}

const REFUSALS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'HTTP_REQUEST_TIMEOUT', message: 'The request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
};
const NOT_HTTP = { code: 'BAD_REQUEST', message: 'The request is not valid HTTP' } as const;

/** The coded answer to an error of node's HTTP layer; null for a connection error (reset, closed mid-request) that gets none. */
export function refusalFor(errorCode: string | undefined): { code: ErrorCode; message: string } | null {
  if (errorCode && REFUSALS[errorCode]) return REFUSALS[errorCode];
  if (errorCode === 'HPE_INVALID_EOF_STATE' || errorCode === 'HPE_CLOSED_CONNECTION') return null;
  return errorCode?.startsWith('HPE_') ? NOT_HTTP : null;
}

/**
 * Whether the connection may still carry an answer: nothing was dispatched on it yet, or the
 * request in flight has no response started, or (a kept-alive connection) the previous exchange is
 * complete both ways and the error concerns the next request. A request answered early whose body
 * then stalls or breaks gets no second answer: its connection is only closed.
 */
function mayAnswer(socket: Duplex): boolean {
  if (!socket.writable) return false;
  const last = exchanges.get(socket);
  if (!last || !last.res.headersSent) return true;
  return last.req.complete && last.res.writableFinished;
}

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (handled.has(socket)) return;
  handled.add(socket);
  const refusal = refusalFor(err.code);
  if (!refusal || !mayAnswer(socket)) {
    socket.destroy();
    return;
  }
  const status = ERROR_CODES[refusal.code];
  const requestId = randomUUID();
  log.warn('request refused by the HTTP layer', { requestId, code: refusal.code, reason: err.code });
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  socket.end(
    [
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'cache-control: no-store',
      `x-request-id: ${requestId}`,
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
