// An offline documentLoader for Digital Bazaar's libraries: the JSON-LD contexts our verifier
// pins (verifier/contexts/, via its index.json, so both sides read identical bytes) and did:key
// documents resolved locally from the key itself. Anything else is refused: nothing is fetched.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as DidKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const CONTEXTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'verifier', 'contexts');

function pinnedContexts() {
  const index = JSON.parse(readFileSync(join(CONTEXTS, 'index.json'), 'utf8'));
  const contexts = new Map();
  for(const {url, file, sha256} of index) {
    const bytes = readFileSync(join(CONTEXTS, file));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if(digest !== sha256) {
      throw new Error(`pinned context ${file} does not match its sha256 in index.json`);
    }
    contexts.set(url, JSON.parse(bytes.toString('utf8')));
  }
  return contexts;
}

const contexts = pinnedContexts();
const didKeyDriver = DidKey.driver();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

// Every URL asked for, so a script can show nothing outside the pinned set was wanted.
export const requested = [];

export async function documentLoader(url) {
  requested.push(url);
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`refusing to load ${url}: not a pinned context nor a did:key (offline)`);
}

export async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
