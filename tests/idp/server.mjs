// A small, real OpenID Connect provider for the portal's test suite.
//
//   node tests/idp/server.mjs CONFIG.json
//
// Listens on 127.0.0.1 with a random port and prints exactly one line to stdout,
// "ISSUER http://127.0.0.1:<port>", once it accepts connections. Everything else goes to stderr.
// CONFIG.json: {"clients": [...client metadata...], "users": [{sub, login, password, email,
// email_verified, name, groups}]}. Users are re-read from the file at every login and every
// account lookup, so a test can rewrite the file between sign-ins.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

// oidc-provider prints NOTICE lines with console.info (stdout); stdout is reserved for the
// ISSUER line, so send all console output to stderr.
console.log = console.info = console.debug = console.error;

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: node server.mjs CONFIG.json');
  process.exit(2);
}

const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const findUser = (key, value) => (readConfig().users || []).find((u) => u[key] === value);

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, { status = 200, error = '', login = '' } = {}) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Test IdP sign-in</title></head>
<body>
<h1>Test IdP sign-in</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label>Login <input name="login" value="${escapeHtml(login)}" autofocus></label>
  <label>Password <input name="password" type="password"></label>
  <button type="submit">Sign in</button>
</form>
</body></html>
`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// First-party clients: grant whatever the consent prompt says is missing, no consent page.
async function autoConsent(provider, req, res, details) {
  const { prompt, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const consent = details.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction uid does not match the interaction cookie');
  const promptName = details.prompt.name;

  if (req.method === 'GET' && !action) {
    if (promptName === 'login') return loginPage(res, uid);
    if (promptName === 'consent') return autoConsent(provider, req, res, details);
    throw new Error(`unsupported prompt ${promptName}`);
  }

  if (req.method === 'POST' && action === 'login' && promptName === 'login') {
    const form = await readForm(req);
    const login = form.get('login') || '';
    const user = findUser('login', login);
    if (!user || user.password !== form.get('password')) {
      return loginPage(res, uid, { error: 'Invalid login or password', login });
    }
    return provider.interactionFinished(
      req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false },
    );
  }

  res.statusCode = 405;
  res.end('method not allowed');
}

function createProvider(issuer) {
  const { clients } = readConfig();
  return new Provider(issuer, {
    clients: clients.map((c) => ({ response_types: ['code'], grant_types: ['authorization_code'], ...c })),
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['portal-test-idp-cookie-key-1', 'portal-test-idp-cookie-key-2'] },
    async findAccount(ctx, sub) {
      const user = findUser('sub', sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return {
            sub: user.sub,
            email: user.email,
            email_verified: user.email_verified,
            name: user.name,
            groups: user.groups,
          };
        },
      };
    },
  });
}

let provider;
let providerCallback;

const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/([^/?]+))?(?:\?.*)?$/.exec(req.url);
  if (!match) return providerCallback(req, res);
  try {
    await interaction(provider, req, res, match[1], match[2]);
  } catch (err) {
    console.error('interaction error:', err);
    if (!res.headersSent) {
      res.statusCode = err.statusCode || 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    }
    res.end(`interaction error: ${err.error_description || err.message}\n`);
  }
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = createProvider(issuer);
  provider.on('server_error', (ctx, err) => console.error('server_error:', err));
  providerCallback = provider.callback();
  process.stdout.write(`ISSUER ${issuer}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
