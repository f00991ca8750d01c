'use strict';
// msgpackr loads its optional native extractor in a try/catch and falls back to pure JavaScript when the require
// throws. The native package pulls one optional binary package per platform into package-lock.json, and an npm
// registry without those packages makes `npm ci` fail; this stand-in keeps them out. See packaging/README.md.
throw new Error('msgpackr-extract: native string extraction is not used by mdhub (pure-JS msgpackr)');
