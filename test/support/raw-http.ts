import net from 'node:net';

/**
 * HTTP over a raw TCP socket, for what supertest and node's client cannot send: control characters
 * in headers, a 100 KB header, a body that stalls or trickles. The script writes what it wants
 * once connected; the exchange ends when the server closes the connection (it must: every answer
 * of node's HTTP layer closes it), and every response received is parsed.
 */
export interface RawResponse {
  status: number;
  /** Every header, names in lower case. */
  headers: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: unknown;
}

export interface RawResult {
  responses: RawResponse[];
  /** Milliseconds from the connection to the first byte of the first response; null if none came. */
  answeredAfterMs: number | null;
  /** Milliseconds from the connection until it was closed. */
  closedAfterMs: number;
  /** The socket's error code (ECONNRESET: the server reset the connection), if any. */
  error: string | null;
  raw: string;
}

export function rawExchange(port: number, script: (socket: net.Socket) => void, timeoutMs = 60_000): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let started = performance.now();
    let answeredAfterMs: number | null = null;
    let error: string | null = null;
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${timeoutMs} ms; received: ${Buffer.concat(chunks).toString('latin1').slice(0, 500)}`));
    }, timeoutMs);
    socket.on('connect', () => {
      started = performance.now();
      script(socket);
    });
    socket.on('data', (d: Buffer) => {
      answeredAfterMs ??= performance.now() - started;
      chunks.push(d);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      try {
        resolve({ responses: parseResponses(raw), answeredAfterMs, closedAfterMs: performance.now() - started, error, raw });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Writes one byte every `everyMs` while the connection is writable (a client that trickles its body). */
export function trickle(socket: net.Socket, everyMs: number): void {
  const t = setInterval(() => {
    if (socket.writable) socket.write('a');
  }, everyMs);
  socket.once('close', () => clearInterval(t));
}

/** Responses one after the other (keep-alive), each with a Content-Length or chunked. */
export function parseResponses(raw: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an incomplete response head: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
    if (!status) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    rest = rest.slice(end + 4);
    let text = '';
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const nl = rest.indexOf('\r\n');
        const size = parseInt(rest.slice(0, nl), 16);
        if (nl < 0 || Number.isNaN(size)) throw new Error(`a broken chunk: ${JSON.stringify(rest.slice(0, 100))}`);
        text += rest.slice(nl + 2, nl + 2 + size);
        rest = rest.slice(nl + 2 + size + 2);
        if (size === 0) break;
      }
    } else {
      if (headers['content-length'] === undefined) throw new Error(`a response without Content-Length or chunks: ${JSON.stringify(headers)}`);
      text = rest.slice(0, Number(headers['content-length']));
      rest = rest.slice(text.length);
    }
    text = Buffer.from(text, 'latin1').toString('utf8');
    const body = (headers['content-type'] ?? '').startsWith('application/json') ? JSON.parse(text) : text;
    out.push({ status: Number(status[1]), headers, body });
  }
  return out;
}
