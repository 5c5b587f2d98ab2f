// Verify credentials with Digital Bazaar's @digitalbazaar/vc (both eddsa-2022 cryptosuites).
// stdin: one credential, an array of them, or {"now": "<date>", "credentials": [...]} (with
// "acceptStatus": true, any credentialStatus is taken as valid).
// stdout: {"verified": bool, "errors": [message, ...]} per credential (an array for an array),
// the errors being those of the proof and of the credential checks (dates, issuer, ...).
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfcCryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';

import {documentLoader, readStdinJson} from './loader.mjs';

function messages(error) {
  if(!error) {
    return [];
  }
  const nested = Array.isArray(error.errors) ? error.errors.flatMap(messages) : [];
  if(nested.length > 0) {
    return nested;
  }
  // jsonld.js wraps a documentLoader failure: keep the loader's own words too.
  const cause = error.details?.cause ?? error.cause;
  const message = String(error.message ?? error);
  return [cause?.message ? `${message} (cause: ${cause.message})` : message];
}

async function verify(credential, now) {
  const suite = [
    new DataIntegrityProof({cryptosuite: rdfcCryptosuite}),
    new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()})
  ];
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, ...(now ? {now} : {}),
    // vc.js refuses a credentialStatus without a checker; this one accepts every entry, so
    // what is judged is the proof over the credential, its status entry read as JSON-LD.
    ...(acceptStatus ? {checkStatus: async () => ({verified: true})} : {})
  });
  const errors = [
    ...messages(result.error),
    ...(result.results ?? []).flatMap(r => messages(r.error))
  ];
  return {verified: result.verified === true, errors: [...new Set(errors)]};
}

const input = await readStdinJson();
const now = input?.now;
const acceptStatus = input?.acceptStatus === true;
const credentials = Array.isArray(input?.credentials) ? input.credentials : input;
const output = Array.isArray(credentials) ?
  await Promise.all(credentials.map(c => verify(c, now))) : await verify(credentials, now);
process.stdout.write(JSON.stringify(output));
