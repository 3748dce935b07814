// The agent console's SRP sign-in (console/srp.js) against Cognito's own browser library,
// amazon-cognito-identity-js, used here only as a test oracle (moto does not check the proof, so
// only this shows the console would get past real Cognito). A Cognito-like verifier written in
// this file holds the password verifier and checks both clients' proofs: it accepting the
// library's proof shows it checks what Cognito checks, and it accepting the console's shows the
// console proves what Cognito verifies. `make e2e` (infra/e2e.sh) runs this file before the
// browser tests; `node --test tests/e2e/console-srp.test.mjs` runs it alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as srp from '../../console/srp.js';

const require = createRequire(import.meta.url);
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger.js').default;
const DateHelper = require('amazon-cognito-identity-js/lib/DateHelper.js').default;
const { CognitoUser, CognitoUserPool, AuthenticationDetails } = require('amazon-cognito-identity-js');

const POOL_ID = 'eu-west-1_Ab12Cd34E';
const CLIENT_ID = '4f1qu0n6f0demo0client0id0';

// ------------------------------------------------------------ a Cognito-like verifier

const hex = (value) => {
  let text = value.toString(16);
  if (text.length % 2) text = '0' + text;
  return /^[89a-f]/.test(text) ? '00' + text : text;
};
const sha = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const bytes = (value) => Buffer.from(hex(value), 'hex');
const toBig = (buffer) => BigInt('0x' + buffer.toString('hex'));
function power(base, exponent, modulus) {
  let result = 1n;
  base %= modulus;
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
  }
  return result;
}

/**
 * What Cognito stores for a user (salt and verifier) and the server side of one sign-in: it
 * issues the PASSWORD_VERIFIER challenge for a client's A and checks the answer.
 */
function cognitoLikeServer({ userId, username = userId, password }) {
  const N = srp.N;
  const g = 2n;
  const k = toBig(sha(bytes(N), bytes(g)));
  const pool = POOL_ID.split('_')[1];
  const salt = toBig(randomBytes(16));
  const identity = sha(Buffer.from(`${pool}${userId}:${password}`, 'utf8'));
  const x = toBig(sha(bytes(salt), identity));
  const verifier = power(g, x, N);
  const b = toBig(randomBytes(128));
  const B = (k * verifier + power(g, b, N)) % N;
  const secretBlock = randomBytes(64).toString('base64');
  return {
    challenge: {
      SALT: salt.toString(16),
      SRP_B: B.toString(16),
      SECRET_BLOCK: secretBlock,
      USER_ID_FOR_SRP: userId,
      USERNAME: username,
    },
    /** Whether `responses` prove the password for a sign-in that sent `srpA`. */
    accepts(srpA, responses) {
      const A = BigInt('0x' + srpA);
      const u = toBig(sha(bytes(A), bytes(B)));
      const S = power(A * power(verifier, u, N), b, N);
      const key = Buffer.from(hkdfSync('sha256', bytes(S), bytes(u), Buffer.from('Caldera Derived Key'), 16));
      const expected = createHmac('sha256', key)
        .update(Buffer.concat([
          Buffer.from(pool, 'utf8'),
          Buffer.from(userId, 'utf8'),
          Buffer.from(responses.PASSWORD_CLAIM_SECRET_BLOCK, 'base64'),
          Buffer.from(responses.TIMESTAMP, 'utf8'),
        ]))
        .digest('base64');
      return responses.PASSWORD_CLAIM_SECRET_BLOCK === secretBlock && responses.PASSWORD_CLAIM_SIGNATURE === expected;
    },
  };
}

/** The PASSWORD_VERIFIER answer amazon-cognito-identity-js sends for `password`. */
function libraryAnswer(server, username, password) {
  const pool = new CognitoUserPool({ UserPoolId: POOL_ID, ClientId: CLIENT_ID });
  const sent = {};
  pool.client = {
    request(operation, params, callback) {
      sent[operation] = params;
      if (operation === 'InitiateAuth') {
        return callback(null, { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: server.challenge });
      }
      return callback(new Error('answer captured'));
    },
  };
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: () => resolve(sent),
      onFailure: () => resolve(sent),
    });
  });
}

// ------------------------------------------------------------ tests

const USERS = [
  { userId: 'ana', password: 'Frontdesk-local-1' },
  { userId: 'olga.ramírez', password: 'pässwörd with spaces & ünïcode 🙂' },
  { userId: '0c5e8a7e-3b8f-4d6e-9d2c-1f0a7b6c5d4e', username: 'someone@acme.example', password: 'x' },
];

test('the verifier accepts the proof of Cognito’s own library, and refuses a wrong password', async () => {
  for (const user of USERS) {
    const server = cognitoLikeServer(user);
    const sent = await libraryAnswer(server, user.username || user.userId, user.password);
    assert.equal(sent.InitiateAuth.AuthFlow, 'USER_SRP_AUTH');
    const answer = sent.RespondToAuthChallenge.ChallengeResponses;
    assert.ok(server.accepts(sent.InitiateAuth.AuthParameters.SRP_A, answer), `library proof for ${user.userId}`);

    const wrong = await libraryAnswer(server, user.username || user.userId, user.password + '!');
    assert.ok(!server.accepts(wrong.InitiateAuth.AuthParameters.SRP_A, wrong.RespondToAuthChallenge.ChallengeResponses));
  }
});

test('the console’s proof is accepted for the right password and refused for a wrong one', async () => {
  for (const user of USERS) {
    for (let round = 0; round < 5; round += 1) {
      const server = cognitoLikeServer(user);
      const ephemeral = srp.clientEphemeral();
      const answer = await srp.passwordVerifierResponses({
        userPoolId: POOL_ID,
        password: user.password,
        ephemeral,
        challenge: server.challenge,
      });
      assert.ok(server.accepts(ephemeral.srpA, answer), `console proof for ${user.userId}, round ${round}`);
      assert.equal(answer.USERNAME, user.username || user.userId, 'the answer names the username the challenge gave');

      const wrong = await srp.passwordVerifierResponses({
        userPoolId: POOL_ID,
        password: user.password.slice(1),
        ephemeral,
        challenge: server.challenge,
      });
      assert.ok(!server.accepts(ephemeral.srpA, wrong), 'a wrong password proves nothing');
    }
  }
});

test('A, the derived key and the timestamp equal the library’s for the same secret', async () => {
  for (let round = 0; round < 10; round += 1) {
    const user = USERS[round % USERS.length];
    const server = cognitoLikeServer(user);
    const ephemeral = srp.clientEphemeral();

    const helper = new AuthenticationHelper(POOL_ID.split('_')[1]);
    helper.smallAValue = new BigInteger(ephemeral.a.toString(16), 16);
    helper.largeAValue = null;
    const libraryA = await new Promise((resolve, reject) =>
      helper.getLargeAValue((error, value) => (error ? reject(error) : resolve(value))),
    );
    assert.equal(ephemeral.srpA, libraryA.toString(16));

    const libraryKey = await new Promise((resolve, reject) =>
      helper.getPasswordAuthenticationKey(
        user.userId,
        user.password,
        new BigInteger(server.challenge.SRP_B, 16),
        new BigInteger(server.challenge.SALT, 16),
        (error, key) => (error ? reject(error) : resolve(key)),
      ),
    );
    const key = await srp.passwordKey({
      userPoolId: POOL_ID,
      userId: user.userId,
      password: user.password,
      ephemeral,
      srpB: server.challenge.SRP_B,
      salt: server.challenge.SALT,
    });
    assert.equal(Buffer.from(key).toString('hex'), Buffer.from(libraryKey).toString('hex'));
  }

  const RealDate = Date;
  for (const moment of ['2026-01-05T03:04:05Z', '2026-11-22T21:00:59Z', '2027-02-28T23:59:09Z']) {
    globalThis.Date = class extends RealDate {
      constructor(...args) {
        super(...(args.length ? args : [moment]));
      }
    };
    try {
      assert.equal(srp.srpTimestamp(new RealDate(moment)), new DateHelper().getNowString());
    } finally {
      globalThis.Date = RealDate;
    }
  }
  assert.equal(srp.srpTimestamp(new Date('2026-01-05T03:04:05Z')), 'Mon Jan 5 03:04:05 UTC 2026');
});

test('padding follows Cognito’s signed big-endian form', () => {
  assert.equal(srp.padHex(0x7fn), '7f');
  assert.equal(srp.padHex(0x80n), '0080');
  assert.equal(srp.padHex(0xabcn), '0abc');
  assert.equal(srp.padHex(0x8abcn), '008abc');
  assert.equal(srp.padHex(2n), '02');
  assert.equal(srp.poolName('us-east-1_AbC'), 'AbC');
});
