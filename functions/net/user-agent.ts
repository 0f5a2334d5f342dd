// The User-Agent every outgoing request of ours sends. Pexels' edge and many CDNs refuse library
// defaults (python-requests, undici's "node"), so say who we are.
export const USER_AGENT = 'reelsmith/0.1 (narrated short-video generator)';
