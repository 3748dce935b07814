/*
 * The signed-in agent: sign-in with the agents' Cognito user pool from the browser (SRP, so the
 * password never leaves it), tokens kept for this tab only (sessionStorage: a reload keeps the
 * agent signed in, closing the tab signs them out), refreshed with the refresh token before they
 * expire, and signed out when that is no longer possible. The API takes the ID token: only it
 * carries the agent's tenant.
 */
import { clientEphemeral, passwordVerifierResponses } from './srp.js';

const STORAGE_KEY = 'frontdesk_console_session';
/** Refresh this long before the ID token expires, so no request goes out with a dying token. */
const REFRESH_AHEAD_MS = 5 * 60 * 1000;
/** After a failed refresh that may be the network's fault, try again this much later. */
const RETRY_MS = 20 * 1000;

/** A refusal from Cognito, with its exception name (`NotAuthorizedException`…) as `code`. */
export class CognitoError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The claims of a JWT (not verified here: the API verifies every token it is sent). */
export function claims(token) {
  const part = token.split('.')[1] || '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** What to tell an agent for a refusal of Cognito's. */
function explain(error) {
  if (!(error instanceof CognitoError)) return 'The sign-in service cannot be reached. Check your connection and try again.';
  switch (error.code) {
    case 'NotAuthorizedException':
      return error.message && !/token/i.test(error.message) ? error.message : 'Incorrect username or password.';
    // Whether an account exists is not told (Cognito's PreventUserExistenceErrors does the same).
    case 'UserNotFoundException':
      return 'Incorrect username or password.';
    case 'PasswordResetRequiredException':
      return 'Your password has to be reset. Ask an administrator of your team.';
    case 'UserNotConfirmedException':
      return 'Your account is not confirmed yet. Ask an administrator of your team.';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts. Wait a minute, then try again.';
    default:
      return error.message || 'Sign-in failed. Try again.';
  }
}

/**
 * The agent's session. Dispatches `change` whenever the agent signs in or out (with
 * `detail.reason` when they were signed out for a reason of the session's, e.g. expiry).
 */
export class Session extends EventTarget {
  /** `config` is `/console/config.json`: `{region, userPoolId, clientId, cognitoEndpoint}`. */
  constructor(config, storage = window.sessionStorage) {
    super();
    this.config = config;
    this.storage = storage;
    this.tokens = null;
    this.pending = null; // a challenge waiting for the agent: { name, session, username }
    this.refreshing = null;
    this.timer = 0;
    try {
      const saved = JSON.parse(storage.getItem(STORAGE_KEY));
      if (saved?.idToken && saved.refreshToken) this.tokens = saved;
    } catch {
      this.tokens = null;
    }
    if (this.tokens) this.schedule();
  }

  get signedIn() {
    return Boolean(this.tokens);
  }

  /** The ID token's claims: `cognito:username`, `custom:tenant_id`, `cognito:groups`, `email`… */
  get claims() {
    return this.tokens ? claims(this.tokens.idToken) : {};
  }

  /** The agent's id as the API knows it (what tickets are assigned to). */
  get username() {
    return this.claims['cognito:username'] || '';
  }

  get tenant() {
    return this.claims['custom:tenant_id'] || '';
  }

  /** `admin`, `agent`, or null for a user in neither group (the API answers them 403). */
  get role() {
    const groups = this.claims['cognito:groups'] || [];
    if (groups.includes('admins')) return 'admin';
    if (groups.includes('agents')) return 'agent';
    return null;
  }

  async cognito(action, body) {
    let response;
    try {
      response = await fetch(this.config.cognitoEndpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new Error('network');
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const code = String(data.__type || data.code || 'Error').split('#').pop();
      throw new CognitoError(code, data.message || data.Message || '');
    }
    return data;
  }

  /**
   * Signs in with SRP. Resolves to `{ signedIn: true }`, or `{ challenge: 'NEW_PASSWORD_REQUIRED' }`
   * when the user must choose a password first (a new user's temporary one), or rejects with an
   * Error whose message is for the agent.
   */
  async signIn(username, password) {
    try {
      const ephemeral = clientEphemeral();
      const started = await this.cognito('InitiateAuth', {
        AuthFlow: 'USER_SRP_AUTH',
        ClientId: this.config.clientId,
        AuthParameters: { USERNAME: username, SRP_A: ephemeral.srpA },
      });
      if (started.ChallengeName !== 'PASSWORD_VERIFIER') return this.answered(started, username);
      const responses = await passwordVerifierResponses({
        userPoolId: this.config.userPoolId,
        password,
        ephemeral,
        challenge: started.ChallengeParameters,
      });
      const verified = await this.cognito('RespondToAuthChallenge', {
        ChallengeName: 'PASSWORD_VERIFIER',
        ClientId: this.config.clientId,
        ChallengeResponses: responses,
        ...(started.Session ? { Session: started.Session } : {}),
      });
      return this.answered(verified, responses.USERNAME);
    } catch (error) {
      throw new Error(explain(error));
    }
  }

  /** Answers NEW_PASSWORD_REQUIRED with the password the agent chose. */
  async completeNewPassword(newPassword) {
    const pending = this.pending;
    if (!pending) throw new Error('Start again: sign in with your temporary password.');
    try {
      const answered = await this.cognito('RespondToAuthChallenge', {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ClientId: this.config.clientId,
        Session: pending.session,
        ChallengeResponses: { USERNAME: pending.username, NEW_PASSWORD: newPassword },
      });
      return this.answered(answered, pending.username);
    } catch (error) {
      throw new Error(explain(error));
    }
  }

  answered(result, username) {
    if (result.AuthenticationResult) {
      this.pending = null;
      this.store(result.AuthenticationResult);
      this.dispatchEvent(new CustomEvent('change', { detail: {} }));
      return { signedIn: true };
    }
    if (result.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      this.pending = {
        name: result.ChallengeName,
        session: result.Session,
        username: result.ChallengeParameters?.USERNAME || result.ChallengeParameters?.USER_ID_FOR_SRP || username,
      };
      return { challenge: result.ChallengeName };
    }
    throw new CognitoError(
      result.ChallengeName || 'Unsupported',
      `This account needs a sign-in step the console does not offer (${result.ChallengeName}). Ask an administrator of your team.`,
    );
  }

  store(result) {
    const idToken = result.IdToken;
    const exp = claims(idToken).exp;
    this.tokens = {
      idToken,
      accessToken: result.AccessToken,
      // Refreshing returns no new refresh token: the first one stays in use.
      refreshToken: result.RefreshToken || this.tokens?.refreshToken,
      expiresAt: exp ? exp * 1000 : Date.now() + (result.ExpiresIn || 3600) * 1000,
    };
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(this.tokens));
    } catch {
      /* storage refused: the session lasts this page */
    }
    this.schedule();
  }

  schedule(delay = this.tokens ? this.tokens.expiresAt - Date.now() - REFRESH_AHEAD_MS : -1) {
    clearTimeout(this.timer);
    if (!this.tokens) return;
    this.timer = setTimeout(() => this.refresh(), Math.max(1000, delay));
  }

  /**
   * Gets new tokens with the refresh token; one refresh at a time. Resolves true when there are
   * fresh tokens. A refused refresh signs the agent out; an unreachable Cognito is tried again
   * until the tokens expire.
   */
  refresh() {
    this.refreshing ??= (async () => {
      const tokens = this.tokens;
      if (!tokens) return false;
      try {
        const result = await this.cognito('InitiateAuth', {
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
        });
        if (this.tokens !== tokens) return Boolean(this.tokens);
        this.store(result.AuthenticationResult);
        return true;
      } catch (error) {
        if (this.tokens !== tokens) return Boolean(this.tokens);
        if (error instanceof CognitoError || Date.now() >= tokens.expiresAt) {
          this.signOut('Your session has ended. Sign in again to continue.');
          return false;
        }
        this.schedule(RETRY_MS);
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The ID token to send, refreshed first when it is about to expire; null when signed out. */
  async idToken() {
    if (this.tokens && this.tokens.expiresAt - Date.now() < 60 * 1000) await this.refresh();
    return this.tokens?.idToken ?? null;
  }

  /** Forgets the tokens (and asks Cognito to revoke the refresh token, as far as it can). */
  signOut(reason = '') {
    const tokens = this.tokens;
    clearTimeout(this.timer);
    this.tokens = null;
    this.pending = null;
    try {
      this.storage.removeItem(STORAGE_KEY);
    } catch {
      /* nothing stored */
    }
    if (tokens?.refreshToken) {
      this.cognito('RevokeToken', { ClientId: this.config.clientId, Token: tokens.refreshToken }).catch(() => {});
    }
    this.dispatchEvent(new CustomEvent('change', { detail: { reason } }));
  }
}
