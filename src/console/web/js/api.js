// The server's HTTP API as the pages use it: JSON requests and event streams, with the token
// the server may ask for (kept in this tab's session storage, sent as a Bearer token). Streams
// are read with fetch, which can send that header (EventSource cannot), and reconnect by
// themselves.

const TOKEN_KEY = 'drover-token';
const tokenListeners = new Set();

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// `fn` runs when the server refuses a request for want of the token.
export function onTokenNeeded(fn) {
  tokenListeners.add(fn);
}

function headers(extra = {}) {
  const h = {...extra};
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

// The JSON answer of `path` ("/api/clients?limit=10"); throws ApiError for an error answer.
// `body`: an object (sent as JSON) or a string (sent as text).
export async function api(path, {method = 'GET', body, signal} = {}) {
  const init = {method, signal, headers: headers()};
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = typeof body === 'string' ? 'text/plain' : 'application/json';
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401) for (const fn of tokenListeners) fn();
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code, error.message);
  }
  return {status: response.status, body: json};
}

export function encode(endpoint) {
  return encodeURIComponent(endpoint);
}

// Opens GET /api/events?<query> and calls onEvent(type, data) for each event until the returned
// function is called. onState('open' | 'closed') tells the connection's state; a closed stream
// is opened again after a growing pause (1 s to 15 s).
export function eventStream(query, onEvent, onState = () => {}) {
  let stopped = false;
  let controller = null;
  let pause = 1000;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(`/api/events?${query}`,
                                      {headers: headers(), signal: controller.signal});
        if (response.status === 401) {
          for (const fn of tokenListeners) fn();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('open');
        pause = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) onEvent(type, JSON.parse(data));
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onState('closed');
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 15000);
    }
  };
  run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

// Whether `error` says the server serves no such route: a family of routes this server does not
// run (the bootstrap configurations without --bootstrap-port, the credentials with --shards).
export function routeAbsent(error) {
  return error instanceof ApiError && error.status === 404 && error.code === 'not_found';
}
