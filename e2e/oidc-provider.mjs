// A real OpenID Connect provider (the `oidc-provider` package) on the loopback interface, for
// Probity's single sign-on tests. It is a test fixture, never for production.
//
//   node e2e/oidc-provider.mjs [port]
//
// Environment:
//   OIDC_PORT            port to listen on (default: the argument, else any free port)
//   OIDC_REDIRECT_URIS   comma-separated redirect URIs of the client (required)
//   OIDC_CLIENT_ID       client id (default "probity")
//   OIDC_CLIENT_SECRET   client secret (default "probity-e2e-client-secret")
//   OIDC_ID_TOKEN_ALG    ID token signing algorithm: RS256 (default) or ES256
//
// The sign-in page is the package's development interaction: it asks for a login and a password.
// Only the fixed test accounts below have claims (any password is taken; an unknown login
// gets no token). Consent is granted
// automatically, as for a first-party application. When listening it prints one JSON line:
//   {"ready":true,"issuer":"http://127.0.0.1:PORT"}

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

export const ACCOUNTS = {
  'sso.investigator': {
    name: 'SSO Investigator',
    email: 'sso.investigator@force.example',
    groups: ['probity-investigators', 'Everyone'],
  },
  'sso.analyst': {
    name: 'SSO Analyst',
    email: 'sso.analyst@force.example',
    groups: ['probity-analysts'],
  },
  'sso.nobody': {
    name: 'SSO Nobody',
    email: 'sso.nobody@force.example',
    groups: ['Everyone'],
  },
};

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: 'e2e-rsa', use: 'sig', alg: 'RS256' },
    { ...ec, kid: 'e2e-ec', use: 'sig', alg: 'ES256' },
  ];
}

const port = Number(process.env.OIDC_PORT || process.argv[2] || 0);
const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').map((uri) => uri.trim()).filter(Boolean);
if (redirectUris.length === 0) {
  console.error('OIDC_REDIRECT_URIS is required (comma-separated redirect URIs)');
  process.exit(2);
}
const clientId = process.env.OIDC_CLIENT_ID || 'probity';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'probity-e2e-client-secret';
const idTokenAlg = process.env.OIDC_ID_TOKEN_ALG || 'RS256';

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: idTokenAlg,
    }],
    jwks: { keys: signingKeys() },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    // Put the profile claims (and so the groups) in the ID token, as Entra ID does.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            preferred_username: id,
            name: account.name,
            email: account.email,
            email_verified: true,
            groups: account.groups,
          };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ ready: true, issuer }));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
