#!/usr/bin/env node
// Makes the compiled CLI executable so `npx after-hours` works after `npm run build`.
const fs = require('fs');
const path = require('path');
const bin = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(bin)) fs.chmodSync(bin, 0o755);
