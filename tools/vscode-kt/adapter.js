#!/usr/bin/env node
// The debug adapter VS Code starts for `"type": "kt"`: `kt debug` of the checkout this folder
// belongs to (it may be linked into ~/.vscode/extensions), speaking DAP on stdin and stdout.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const kt = path.join(fs.realpathSync(__dirname), "..", "..", "emulator", "bin", "kt.js");
const child = spawn(process.execPath, [kt, "debug"], { stdio: "inherit", cwd: path.dirname(path.dirname(path.dirname(kt))) });
child.on("exit", (code) => process.exit(code ?? 1));
