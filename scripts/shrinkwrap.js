#!/usr/bin/env node
// Writes npm-shrinkwrap.json from package-lock.json for `npm pack` (prepack runs it, postpack
// removes it): npm installs a package's shrinkwrap as it is, so an installation gets the
// dependency tree CI tested instead of the newest versions the ranges allow. npm reads it when it
// installs from a registry (which marks a package that has one) and on `npm ci` inside the
// package's folder; `npm install -g ./after-hours-X.tgz` does not read it (npm only learns that a
// package has one from the registry), hence the README's `npm ci --omit=dev` for a tarball. It is
// package-lock.json as it is (npm ci refuses a lock that lacks package.json's devDependencies).
//   scripts/shrinkwrap.js          write npm-shrinkwrap.json
//   scripts/shrinkwrap.js --remove remove it again (the repository keeps package-lock.json only:
//                                  with both present, npm ci would read the shrinkwrap)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'npm-shrinkwrap.json');

if (process.argv[2] === '--remove') {
  fs.rmSync(out, { force: true });
  process.exit(0);
}
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (lock.lockfileVersion < 2 || !lock.packages) {
  console.error('shrinkwrap: package-lock.json has no "packages" (lockfileVersion 2 or later needed)');
  process.exit(2);
}
if (lock.version !== pkg.version) {
  console.error(`shrinkwrap: package-lock.json is for version ${lock.version}, package.json says ${pkg.version}: run npm install`);
  process.exit(2);
}
fs.writeFileSync(out, JSON.stringify(lock, null, 2) + '\n');
const production = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev).length;
console.log(`shrinkwrap: npm-shrinkwrap.json, ${production} production packages locked`);
