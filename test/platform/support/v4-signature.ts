// An independent check of a Cloud Storage V4 signed URL, written from Google's specification
// (not from the client library): rebuild the canonical request and the string to sign, then
// verify the RSA-SHA256 signature with the signer's public key.
import { createHash, createVerify, type KeyObject } from 'node:crypto';

/** RFC 3986 encoding: everything except unreserved characters. */
const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface V4Check {
  ok: boolean;
  clientEmail: string;
  /** From X-Goog-Date. */
  signedAt: Date;
  expiresInS: number;
  expiresAt: Date;
  bucket: string;
  object: string;
  params: Record<string, string>;
}

export function checkV4SignedUrl(signedUrl: string, publicKey: KeyObject): V4Check {
  const url = new URL(signedUrl);
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const need = (k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`signed URL lacks ${k}`);
    return v;
  };
  if (need('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') throw new Error('not a GOOG4-RSA-SHA256 URL');
  const credential = need('X-Goog-Credential');
  const date = need('X-Goog-Date');
  const expires = Number(need('X-Goog-Expires'));
  const signedHeaders = need('X-Goog-SignedHeaders');
  const signature = need('X-Goog-Signature');
  const [clientEmail, ...scopeParts] = credential.split('/');
  const scope = scopeParts.join('/');

  // Path-style URL: /bucket/object, the object name encoded per segment.
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const object = rest.map(decodeURIComponent).join('/');
  const canonicalPath = `/${bucket}/${object.split('/').map(strict).join('/')}`;
  if (canonicalPath !== url.pathname) throw new Error(`path is not canonically encoded: ${url.pathname}`);

  const query = Object.keys(params)
    .filter((k) => k !== 'X-Goog-Signature')
    .sort()
    .map((k) => `${strict(k)}=${strict(params[k]!)}`)
    .join('&');
  const headerNames = signedHeaders.split(';');
  const headerValues: Record<string, string> = { host: url.host };
  const canonicalHeaders = headerNames.map((h) => `${h}:${headerValues[h] ?? ''}\n`).join('');
  const canonicalRequest = ['GET', canonicalPath, query, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = [
    'GOOG4-RSA-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');

  const ok = createVerify('RSA-SHA256').update(stringToSign).verify(publicKey, Buffer.from(signature, 'hex'));
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) throw new Error(`bad X-Goog-Date ${date}`);
  const signedAt = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  if (scope !== `${date.slice(0, 8)}/auto/storage/goog4_request`) throw new Error(`unexpected credential scope ${scope}`);
  return {
    ok,
    clientEmail: clientEmail ?? '',
    signedAt,
    expiresInS: expires,
    expiresAt: new Date(signedAt.getTime() + expires * 1000),
    bucket,
    object,
    params,
  };
}
