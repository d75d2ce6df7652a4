/**
 * auth — who is calling.
 *  token      a JWT bearer token (claims: sub, acc, role)
 *  principal  the verified identity behind a token: accounts it may use and its role
 *  role       admin (everything), operator (run jobs), viewer (read only)
 *  token id   the `jti` claim; a revoked id is refused on every instance within seconds
 *  credential file  a 0600 JSON file holding a secret (CLI credentials, agent credentials)
 * Imports only errors.
 */
export * from './tokens.js';
export * from './ids.js';
export * from './revocations.js';
export * from './credential-file.js';
