// A real OpenID provider for the single sign-on tests (the certified `oidc-provider` package from npm, a dev
// dependency): `node tests/oidc/provider.mjs` listens on a free port of 127.0.0.1 and prints one line of JSON,
// {"issuer": "http://127.0.0.1:PORT"}, once it answers. Its login and consent pages are the package's own
// development pages (any password; the login name is the account's subject).
//
// Configured from the environment:
//   TEST_OIDC_CLIENTS   JSON list of client metadata (client_id, client_secret, redirect_uris, post_logout_redirect_uris)
// and at run time by the tests, which share nothing with it but HTTP:
//   POST /__test/account  {"sub": ..., other claims}   an account, with the claims its ID token carries
//   POST /__test/clock    {"now": epoch seconds}       the provider's clock (the tests' own, which time-machine moves)
import http from 'node:http';

let offsetMs = 0;
const RealDate = Date;
class TestDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...args);
  }

  static now() { return RealDate.now() + offsetMs; }
}
globalThis.Date = TestDate; // before oidc-provider is loaded, so every time it reads is the tests' clock

const { default: Provider } = await import('oidc-provider');

const accounts = new Map();
const clients = JSON.parse(process.env.TEST_OIDC_CLIENTS || '[]');

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { try { resolve(JSON.parse(body || '{}')); } catch (e) { reject(e); } });
  });
}

let handler = null;
const server = http.createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/__test/account') {
    const claims = await readJson(req);
    accounts.set(String(claims.sub), claims);
    res.writeHead(204).end();
  } else if (req.method === 'POST' && req.url === '/__test/clock') {
    const { now } = await readJson(req);
    offsetMs = now * 1000 - RealDate.now();
    res.writeHead(204).end();
  } else {
    // A cookie's expiry in the browser's time, not the provider's: a browser on the machine's clock would
    // otherwise drop the provider's cookies as expired (or keep them too long).
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => setHeader(name, name.toLowerCase() !== 'set-cookie' ? value
      : [].concat(value).map((cookie) => cookie.replace(/expires=([^;]+)/i,
        (_, when) => `expires=${new RealDate(RealDate.parse(when) - offsetMs).toUTCString()}`)));
    handler(req, res);
  }
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    async findAccount(ctx, sub) {
      return { accountId: sub, async claims() { return { ...(accounts.get(sub) || {}), sub }; } };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups', 'org'], // role and organisation claims, as a directory's groups and units
    },
    // The claims the scopes ask for go in the ID token itself, as the directories municipalities use do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['tests-only-not-a-secret'] },
  });
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
