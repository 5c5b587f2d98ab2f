// Issue credentials with Digital Bazaar's @digitalbazaar/vc and Data Integrity cryptosuites.
// stdin: one request or an array of them:
//   {"cryptosuite": "eddsa-rdfc-2022" | "eddsa-jcs-2022", "credential": {...unsigned...},
//    "seed": "<64 hex chars: the Ed25519 private key seed>", "created": "2026-03-01T09:30:00Z"}
// stdout: the signed credential (or an array of them, in order). The issuer key is the did:key
// of the seed, its verification method `did:key:z6Mk…#z6Mk…`.
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfcCryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';

import {documentLoader, readStdinJson} from './loader.mjs';

const SIGN_SUITES = {
  'eddsa-rdfc-2022': () => rdfcCryptosuite,
  'eddsa-jcs-2022': () => createSignCryptosuite(),
};

async function issue({cryptosuite, credential, seed, created}) {
  if(!(cryptosuite in SIGN_SUITES)) {
    throw new Error(`unknown cryptosuite ${cryptosuite}`);
  }
  const seedBytes = Uint8Array.from(Buffer.from(seed, 'hex'));
  if(seedBytes.length !== 32) {
    throw new Error('seed must be 32 bytes of hex');
  }
  const keyPair = await Ed25519Multikey.generate({seed: seedBytes});
  const fingerprint = keyPair.publicKeyMultibase;
  keyPair.controller = `did:key:${fingerprint}`;
  keyPair.id = `${keyPair.controller}#${fingerprint}`;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    date: created,
    cryptosuite: SIGN_SUITES[cryptosuite]()
  });
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

const request = await readStdinJson();
const output = Array.isArray(request) ?
  await Promise.all(request.map(issue)) : await issue(request);
process.stdout.write(JSON.stringify(output));
