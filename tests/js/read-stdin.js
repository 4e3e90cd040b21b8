// Read all of stdin as UTF-8 and parse it as JSON (shared by the parity helpers).
"use strict";
const fs = require("fs");

module.exports = function readJson() {
  return JSON.parse(fs.readFileSync(0, "utf8"));
};
