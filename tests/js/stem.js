// Stem words with lunr.js's own stemmer: stdin ["word", ...] -> stdout ["stem", ...].
"use strict";
const path = require("path");
const lunr = require(path.join(__dirname, "..", "..", "node_modules", "lunr"));
const readJson = require("./read-stdin");

const words = readJson();
const stems = words.map((word) => lunr.stemmer(new lunr.Token(word)).toString());
process.stdout.write(JSON.stringify({ version: lunr.version, stems: stems }));
