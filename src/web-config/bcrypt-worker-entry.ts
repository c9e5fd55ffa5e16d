// The bcrypt worker thread's entry: one comparison per message, synchronously, so bcrypt's seconds of CPU run here
// and never on the event loop that serves scrapes.

import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import type { CompareRequest, CompareResponse } from './bcrypt-worker.js';

parentPort!.on('message', (request: CompareRequest) => {
  let response: CompareResponse;
  try {
    response = { id: request.id, match: bcrypt.compareSync(request.password, request.hash) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(response);
});
