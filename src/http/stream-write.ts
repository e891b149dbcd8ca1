import http from 'node:http';

/**
 * Writes one chunk of a streamed response and waits while the client's socket buffer is full, so
 * a streamed export holds at most one page in memory. Fails when the client goes away or stops
 * reading for a minute, so the exporter can stop reading the database.
 */
const DRAIN_TIMEOUT_MS = 60_000;

export function write(res: http.ServerResponse, chunk: string): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error('client went away'));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('client went away'));
    const timer = setTimeout(() => done(new Error('client stopped reading')), DRAIN_TIMEOUT_MS);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
