/*
 * The agent console's half of Amazon Cognito's Secure Remote Password sign-in (USER_SRP_AUTH):
 * the password never leaves the browser, only a proof that the browser knows it.
 *
 * Cognito's variant of SRP-6a: the 3072-bit group of RFC 5054 (generator 2), SHA-256, numbers
 * hashed as big-endian bytes with a leading zero byte whenever their top bit is set, the
 * identity hashed as `<pool name><user id>:<password>`, the session key drawn from S with
 * HKDF-SHA256 ("Caldera Derived Key", 16 bytes), and the proof an HMAC of the pool name, user
 * id, the server's secret block and a timestamp. BigInt does the arithmetic and WebCrypto the
 * hashing, so this runs unchanged in browsers and in node (its tests).
 */

const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';

/** The group's prime modulus and generator. */
export const N = BigInt('0x' + N_HEX);
export const g = 2n;

const DERIVED_KEY_INFO = 'Caldera Derived Key';
const encoder = new TextEncoder();

/** base^exponent mod modulus, for non-negative exponents. */
export function modPow(base, exponent, modulus) {
  let result = 1n;
  let square = ((base % modulus) + modulus) % modulus;
  let rest = exponent;
  while (rest > 0n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
    rest >>= 1n;
  }
  return result;
}

/**
 * A non-negative number as Cognito hashes it: even-length hex, with "00" in front when the
 * first nibble has its top bit set (so the bytes never read as negative).
 */
export function padHex(value) {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return /^[89a-f]/i.test(hex) ? '00' + hex : hex;
}

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function base64ToBytes(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function bytesToBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** SHA-256 of `hex` read as bytes, as a hex string. */
async function hexHash(hex) {
  return bytesToHex(await sha256(hexToBytes(hex)));
}

async function hmacSha256(key, message) {
  const imported = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, message));
}

/** The multiplier k = H(N | g). */
let multiplier = null;
async function k() {
  multiplier ??= BigInt('0x' + (await hexHash(padHex(N) + padHex(g))));
  return multiplier;
}

/** 1024 random bits, the client's secret exponent of one sign-in. */
export function randomSecret() {
  return BigInt('0x' + bytesToHex(crypto.getRandomValues(new Uint8Array(128))));
}

/**
 * The client's ephemeral pair for one sign-in: `a` stays in memory, `A` (hex, as Cognito's
 * `SRP_A`) goes to InitiateAuth.
 */
export function clientEphemeral(secret = randomSecret()) {
  const A = modPow(g, secret, N);
  if (A % N === 0n) throw new Error('SRP: A mod N is 0; try again');
  return { a: secret, A, srpA: A.toString(16) };
}

/** The pool's name as SRP knows it: the part of the pool id after the region. */
export function poolName(userPoolId) {
  return userPoolId.split('_')[1] || userPoolId;
}

/**
 * The 16-byte key both sides derive for this sign-in, from the server's `SRP_B` and `SALT` (hex)
 * and the user's password.
 */
export async function passwordKey({ userPoolId, userId, password, ephemeral, srpB, salt }) {
  const B = BigInt('0x' + srpB);
  if (B % N === 0n) throw new Error('SRP: the server sent an invalid B');
  const u = BigInt('0x' + (await hexHash(padHex(ephemeral.A) + padHex(B))));
  if (u === 0n) throw new Error('SRP: u is 0; try again');
  const identity = bytesToHex(await sha256(encoder.encode(`${poolName(userPoolId)}${userId}:${password}`)));
  const x = BigInt('0x' + (await hexHash(padHex(BigInt('0x' + salt)) + identity)));
  const base = B - (await k()) * modPow(g, x, N);
  const S = modPow(base, ephemeral.a + u * x, N);
  const ikm = await crypto.subtle.importKey('raw', hexToBytes(padHex(S)), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: hexToBytes(padHex(u)), info: encoder.encode(DERIVED_KEY_INFO) },
    ikm,
    128,
  );
  return new Uint8Array(bits);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The TIMESTAMP Cognito expects: `ddd MMM D HH:mm:ss UTC YYYY`, the day not zero-padded. */
export function srpTimestamp(date = new Date()) {
  const two = (n) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

/**
 * The secret block's bytes. Cognito sends base64; a stand-in that sends something else (moto
 * sends its session id, and checks no proof) gets the text's own bytes, so sign-in still runs.
 */
function secretBlockBytes(secretBlock) {
  try {
    return base64ToBytes(secretBlock);
  } catch {
    return encoder.encode(secretBlock);
  }
}

/**
 * The PASSWORD_VERIFIER answer's proof: base64 HMAC-SHA256 under the derived key of the pool
 * name, the user id, the secret block and the timestamp.
 */
export async function passwordSignature({ userPoolId, userId, key, secretBlock, timestamp }) {
  const message = concat(
    encoder.encode(poolName(userPoolId)),
    encoder.encode(userId),
    secretBlockBytes(secretBlock),
    encoder.encode(timestamp),
  );
  return bytesToBase64(await hmacSha256(key, message));
}

/**
 * The ChallengeResponses of PASSWORD_VERIFIER for the challenge's parameters (`SALT`, `SRP_B`,
 * `SECRET_BLOCK`, `USER_ID_FOR_SRP`, `USERNAME`).
 */
export async function passwordVerifierResponses({ userPoolId, password, ephemeral, challenge, now = new Date() }) {
  const userId = challenge.USER_ID_FOR_SRP;
  const key = await passwordKey({
    userPoolId,
    userId,
    password,
    ephemeral,
    srpB: challenge.SRP_B,
    salt: challenge.SALT,
  });
  const timestamp = srpTimestamp(now);
  return {
    // The user's actual username (never an alias), which is what this answer must name.
    USERNAME: challenge.USERNAME || userId,
    PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK,
    TIMESTAMP: timestamp,
    PASSWORD_CLAIM_SIGNATURE: await passwordSignature({
      userPoolId,
      userId,
      key,
      secretBlock: challenge.SECRET_BLOCK,
      timestamp,
    }),
  };
}
