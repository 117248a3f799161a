#!/usr/bin/env node
// After tsc: makes the compiled CLI executable so `npx after-hours` works after `npm run build`,
// and copies the Lua scripts next to the code that loads them (dist/src/store/lua).
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const bin = path.join(root, 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(bin)) fs.chmodSync(bin, 0o755);
const lua = path.join(root, 'src', 'store', 'lua');
const out = path.join(root, 'dist', 'src', 'store', 'lua');
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(lua)) if (f.endsWith('.lua')) fs.copyFileSync(path.join(lua, f), path.join(out, f));
// Libraries some scripts share (luaScripts.ts prepends them).
fs.mkdirSync(path.join(out, 'lib'), { recursive: true });
for (const f of fs.readdirSync(path.join(lua, 'lib')))
  if (f.endsWith('.lua')) fs.copyFileSync(path.join(lua, 'lib', f), path.join(out, 'lib', f));
// The console's page (HTML, one JS module, CSS), served from beside the compiled server.
const statics = path.join(root, 'src', 'console', 'static');
const staticOut = path.join(root, 'dist', 'src', 'console', 'static');
fs.mkdirSync(staticOut, { recursive: true });
for (const f of fs.readdirSync(statics)) fs.copyFileSync(path.join(statics, f), path.join(staticOut, f));
