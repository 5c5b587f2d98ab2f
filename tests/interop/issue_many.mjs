// Issue credentials carrying several proofs with Digital Bazaar's libraries: proof sets (each
// proof over the document without proofs, as @digitalbazaar/vc adds them) and proof chains (a
// proof whose `previousProof` names earlier ones, signed over the document holding exactly those,
// VC Data Integrity 1.0 §4.3), in eddsa-rdfc-2022, eddsa-jcs-2022 or Ed25519Signature2020.
// stdin: an array of {"credential": {...}, "created": "…Z",
//   "proofs": [{"suite": "…", "seed": "<64 hex>", "id"?: "urn:…", "previousProof"?: id | [ids]}]}
// stdout: the array of signed credentials, in order.
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';
import {cryptosuite as rdfcCryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

import {documentLoader, readStdinJson} from './loader.mjs';

const {purposes: {AssertionProofPurpose}} = jsigs;

function seedOf(hex) {
  const seed = Uint8Array.from(Buffer.from(hex, 'hex'));
  if(seed.length !== 32) {
    throw new Error('seed must be 32 bytes of hex');
  }
  return seed;
}

async function suiteFor({suite, seed}, created) {
  if(suite === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate({seed: seedOf(seed)});
    key.controller = `did:key:${key.fingerprint()}`;
    key.id = `${key.controller}#${key.fingerprint()}`;
    return new Ed25519Signature2020({key, date: created});
  }
  const cryptosuites = {
    'eddsa-rdfc-2022': () => rdfcCryptosuite,
    'eddsa-jcs-2022': () => createSignCryptosuite(),
  };
  if(!(suite in cryptosuites)) {
    throw new Error(`unknown suite ${suite}`);
  }
  const keyPair = await Ed25519Multikey.generate({seed: seedOf(seed)});
  keyPair.controller = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.id = `${keyPair.controller}#${keyPair.publicKeyMultibase}`;
  return new DataIntegrityProof({
    signer: keyPair.signer(), date: created, cryptosuite: cryptosuites[suite]()
  });
}

async function issue({credential, created, proofs}) {
  let signed = structuredClone(credential);
  for(const step of proofs) {
    const suite = await suiteFor(step, created);
    const extra = {};
    if(step.id) {
      extra.id = step.id;
    }
    if(step.previousProof) {
      extra.previousProof = step.previousProof;
    }
    suite.proof = extra;
    if(!step.previousProof) {
      signed = await vc.issue({credential: signed, suite, documentLoader});
      continue;
    }
    const existing = [].concat(signed.proof || []);
    const names = [].concat(step.previousProof);
    const {proof: _ignored, ...unsecured} = signed;
    const document = {...unsecured, proof: existing.filter(p => names.includes(p.id))};
    const proof = await suite.createProof({
      document, purpose: new AssertionProofPurpose(), proofSet: existing, documentLoader
    });
    signed = {...unsecured, proof: [...existing, proof]};
  }
  return signed;
}

const requests = await readStdinJson();
process.stdout.write(JSON.stringify(await Promise.all(requests.map(issue))));
