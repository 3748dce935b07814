/*
 * The Frontdesk API as the console calls it: the agent's ID token on every request, GETs made
 * conditional (the ETag of the last answer goes back as If-None-Match, so an unchanged listing
 * costs a 304 and no body), one retry after refreshing a token the API called expired, and the
 * API's own words when it refuses something.
 */

/** A refusal of the API: its status, the text it gave (`detail`, `error` or `message`) and code. */
export class ApiError extends Error {
  constructor(status, message, code, data) {
    super(message);
    this.status = status;
    this.code = code;
    this.data = data;
  }
}

const GENERIC = {
  0: 'Frontdesk cannot be reached. Check your connection; the console keeps trying.',
  401: 'Your session has ended. Sign in again to continue.',
  403: 'Your account may not do this.',
  404: 'Not found.',
  500: 'Frontdesk ran into a problem. Try again in a moment.',
};

/**
 * `session` is the agent's Session; `onForbidden(error)` is told when the API answers 403 (an
 * agent in no group can do nothing, and the console says so).
 */
export class Api {
  constructor(session, { onForbidden } = {}) {
    this.session = session;
    this.onForbidden = onForbidden || (() => {});
    // Per URL: the last answer's ETag and text. A 304 returns the remembered value.
    this.validators = new Map();
  }

  async request(method, path, { body, headers = {}, signal } = {}, retried = false) {
    const token = await this.session.idToken();
    if (!token) throw new ApiError(401, GENERIC[401], 'signed_out');
    const init = {
      method,
      signal,
      // The console keeps its own validators; the browser's cache stays out of it.
      cache: 'no-store',
      headers: { Authorization: `Bearer ${token}`, ...headers },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, GENERIC[0], 'unreachable');
    }
    if (response.status === 401 && !retried) {
      // An expired token (the clock of this computer may be off): refresh it once and repeat.
      if (await this.session.refresh()) return this.request(method, path, { body, headers, signal }, true);
    }
    return response;
  }

  /** Turns a refused response into an ApiError (and signs out on 401, tells of 403). */
  async refusal(response) {
    const data = await response.json().catch(() => ({}));
    const message = data.detail || data.error || data.message || GENERIC[response.status] || GENERIC[500];
    const error = new ApiError(response.status, String(message), data.code || '', data);
    if (response.status === 401) this.session.signOut(GENERIC[401]);
    if (response.status === 403) this.onForbidden(error);
    return error;
  }

  /**
   * GETs JSON, conditionally unless `conditional` is false. Resolves to `{ data, changed, etag,
   * headers }`: `changed` is false when the API answered 304 or sent the same text as last time.
   */
  async get(path, { signal, conditional = true } = {}) {
    const known = this.validators.get(path);
    const headers = conditional && known?.etag ? { 'If-None-Match': known.etag } : {};
    const response = await this.request('GET', path, { headers, signal });
    if (response.status === 304 && known) {
      return { data: JSON.parse(known.text), changed: false, etag: known.etag, headers: response.headers };
    }
    if (!response.ok) throw await this.refusal(response);
    const text = await response.text();
    const etag = response.headers.get('ETag');
    const changed = !known || known.text !== text;
    this.validators.set(path, { etag, text });
    if (this.validators.size > 300) this.validators.delete(this.validators.keys().next().value);
    return { data: text ? JSON.parse(text) : null, changed, etag, headers: response.headers };
  }

  /** Sends a change; resolves to `{ data, etag, headers }` or rejects with an ApiError. */
  async send(method, path, body, { headers, signal } = {}) {
    const response = await this.request(method, path, { body, headers, signal });
    if (!response.ok) throw await this.refusal(response);
    const text = await response.text();
    return { data: text ? JSON.parse(text) : null, etag: response.headers.get('ETag'), headers: response.headers };
  }

  /** Forgets the validator of `path`, so the next GET reads it in full. */
  forget(path) {
    this.validators.delete(path);
  }
}

/** A query string from the non-empty entries of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const enc = encodeURIComponent;
