// Every form of URL the service must refuse to call (callbacks, clips, music): the guard's unit
// test and the API's request table both go through this list.

/** URL forms, each refused with a message naming the field, and what the message must (not) say. */
export const REFUSED_URLS: [url: string, code: string, message: RegExp][] = [
  ['http://127.0.0.1/x', 'forbidden_url', /127\.0\.0\.1 is a loopback, private/],
  ['http://[::1]/', 'forbidden_url', /\[::1\] is a loopback, private/],
  ['http://[::7f00:1]/', 'forbidden_url', /loopback, private/],
  ['http://[::ffff:127.0.0.1]/', 'forbidden_url', /loopback, private/],
  ['http://[2002:7f00:1::]/', 'forbidden_url', /loopback, private/],
  ['http://[64:ff9b:1::a9fe:a9fe]/', 'forbidden_url', /loopback, private/],
  ['http://[64:ff9b::a9fe:a9fe]/computeMetadata/v1/', 'forbidden_url', /loopback, private/],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'forbidden_url', /loopback, private/],
  ['http://[fec0::1]/', 'forbidden_url', /loopback, private/],
  ['http://[fd00::1]/', 'forbidden_url', /loopback, private/],
  ['http://[2001:db8::1]/', 'forbidden_url', /documentation/],
  ['http://192.0.2.10/', 'forbidden_url', /documentation/],
  ['http://198.51.100.7/', 'forbidden_url', /documentation/],
  ['http://203.0.113.9/', 'forbidden_url', /documentation/],
  ['http://169.254.169.254/computeMetadata/v1/', 'forbidden_url', /loopback, private, link-local/],
  ['http://metadata.google.internal/', 'forbidden_url', /metadata address/],
  ['http://localhost/x', 'forbidden_url', /localhost does not resolve to a public address/],
  ['http://100.64.0.1/', 'forbidden_url', /loopback, private/],
  ['http://0.0.0.0/', 'forbidden_url', /loopback, private/],
  ['http://2130706433/', 'forbidden_url', /127\.0\.0\.1/], // the URL parser normalises decimal IPv4
  ['http://0x7f.1/', 'forbidden_url', /127\.0\.0\.1/],
  ['http://8.8.8.8:22/', 'forbidden_url', /port 22 is not allowed; use a URL on port 80 or 443/],
  ['http://8.8.8.8:6379/', 'forbidden_url', /port 6379 is not allowed/],
  ['https://8.8.8.8:8443/', 'forbidden_url', /port 8443 is not allowed/],
  ['http://user:pass@8.8.8.8/', 'invalid_url', /must not contain a user name or password/],
  ['http://user@8.8.8.8/', 'invalid_url', /user name or password/],
  ['ftp://8.8.8.8/', 'invalid_url', /only http and https/],
  ['file:///etc/passwd', 'invalid_url', /only http and https/],
  ['gopher://8.8.8.8:70/', 'invalid_url', /only http and https/],
  ['not a url', 'invalid_url', /not a valid URL/],
];
