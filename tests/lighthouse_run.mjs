// Lighthouse on a list of URLs with one Chrome, for tests/lighthouse_support.py (not a test).
//
//   node tests/lighthouse_run.mjs JOB.json OUT.json
//
// JOB.json: {"urls": [...], "runs": 1, "chromePath": "/usr/bin/chromium", "chromeFlags": [...],
//            "categories": ["performance", ...]}
// OUT.json: [{"url", "run", "lhr" (the parts of Lighthouse's result the Python side reads) | "error"}, ...]
//
// Lighthouse's default config: mobile emulation (Moto G Power) and simulated throttling (slow 4G, 4x CPU).
// One Chrome for every URL and run (Lighthouse resets storage and cache before each), launched from the
// system package with chrome-launcher: starting Chrome once instead of per page saves seconds per page.
import fs from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import defaultConfig from "lighthouse/core/config/default-config.js";
import Trace from "lighthouse/core/gather/gatherers/trace.js";

const [jobPath, outPath] = process.argv.slice(2);
const job = JSON.parse(fs.readFileSync(jobPath, "utf8"));
const categories = job.categories;
const MAX_ITEMS = 12; // details items kept per failing audit (selectors, snippets, shifts)

// Chromium 132 and later name a PipelineReporter trace event's frame data `frame_reporter`; Lighthouse
// 12.2.3's trace engine reads `chrome_frame_reporter` and throws, which makes the RootCauses and
// TraceElements gatherers fail: no elements for the layout shifts and the LCP (the scores are not
// affected). The trace is given the old name too before any gatherer reads it.
class CompatTrace extends Trace {
  getArtifact() {
    const trace = super.getArtifact();
    for (const event of trace.traceEvents) {
      const args = event.args;
      if (event.name === "PipelineReporter" && args && args.frame_reporter && !args.chrome_frame_reporter) {
        args.chrome_frame_reporter = args.frame_reporter;
      }
    }
    return trace;
  }
}
// The default config (mobile emulation, simulated throttling) with that gatherer in place of Trace.
const config = {
  ...defaultConfig,
  artifacts: defaultConfig.artifacts.map((artifact) =>
    artifact.id === "Trace" ? { id: "Trace", gatherer: { implementation: CompatTrace } } : artifact),
};

function item(entry) {
  // The useful part of one details row: the element (selector, snippet, label), and what is wrong.
  const out = {};
  const node = entry.node && entry.node.type === "node" ? entry.node : null;
  if (node) {
    out.selector = node.selector;
    out.snippet = node.snippet;
    out.label = node.nodeLabel;
    if (node.explanation) out.explanation = node.explanation;
  }
  for (const key of ["score", "url", "sourceLocation", "source", "description", "wastedMs", "totalBytes", "wastedBytes",
                     "fontSize", "textLength"]) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    out[key] = typeof value === "object" ? (value.url || value.value || JSON.stringify(value)) : value;
  }
  if (entry.subItems && Array.isArray(entry.subItems.items)) {
    out.subItems = entry.subItems.items.slice(0, MAX_ITEMS).map((sub) => {
      const s = {};
      const n = sub.node && sub.node.type === "node" ? sub.node : null;
      if (n) s.selector = n.selector;
      if (sub.cause) s.cause = typeof sub.cause === "object" ? JSON.stringify(sub.cause) : sub.cause;
      if (sub.extra) s.extra = typeof sub.extra === "object" ? (sub.extra.value || sub.extra.url) : sub.extra;
      return s;
    });
  }
  return out;
}

function summary(lhr) {
  const audits = {};
  const result = {
    finalUrl: lhr.finalDisplayedUrl || lhr.finalUrl,
    lighthouseVersion: lhr.lighthouseVersion,
    userAgent: lhr.environment && lhr.environment.hostUserAgent,
    benchmarkIndex: lhr.environment && lhr.environment.benchmarkIndex,
    runtimeError: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : null,
    runWarnings: lhr.runWarnings || [],
    categories: {},
    audits,
  };
  for (const id of categories) {
    const category = lhr.categories[id];
    const failing = [];
    for (const ref of category.auditRefs) {
      const audit = lhr.audits[ref.id];
      if (!audit || audit.score === null || audit.score >= 1) continue;
      if (["notApplicable", "informative", "manual"].includes(audit.scoreDisplayMode)) continue;
      failing.push({ id: ref.id, weight: ref.weight });
    }
    result.categories[id] = { score: category.score, failing };
    for (const { id: auditId } of failing) {
      const audit = lhr.audits[auditId];
      const details = audit.details || {};
      audits[auditId] = {
        id: auditId,
        title: audit.title,
        score: audit.score,
        displayValue: audit.displayValue || "",
        numericValue: audit.numericValue,
        items: Array.isArray(details.items) ? details.items.slice(0, MAX_ITEMS).map(item) : [],
      };
    }
  }
  const metrics = {
    FCP: "first-contentful-paint", LCP: "largest-contentful-paint", TBT: "total-blocking-time",
    CLS: "cumulative-layout-shift", SI: "speed-index",
  };
  result.metrics = {};
  for (const [name, id] of Object.entries(metrics)) {
    const audit = lhr.audits[id];
    result.metrics[name] = audit ? audit.numericValue : null;
  }
  // Which elements shifted, even when CLS is small enough to keep the score at 100.
  const shifts = lhr.audits["layout-shifts"];
  result.layoutShifts = shifts && shifts.details && Array.isArray(shifts.details.items)
    ? shifts.details.items.slice(0, MAX_ITEMS).map(item) : [];
  const lcpElement = lhr.audits["largest-contentful-paint-element"];
  const lcpItems = lcpElement && lcpElement.details && lcpElement.details.items;
  const lcpTable = lcpItems && lcpItems[0] && lcpItems[0].items;
  result.lcpElement = lcpTable && lcpTable[0] ? item(lcpTable[0]) : null;
  return result;
}

const chrome = await chromeLauncher.launch({
  chromePath: job.chromePath,
  chromeFlags: job.chromeFlags,
  logLevel: "silent",
});
const results = [];
try {
  for (let run = 0; run < job.runs; run++) {
    for (const url of job.urls) {
      const started = Date.now();
      try {
        const done = await lighthouse(url, {
          port: chrome.port,
          output: "json",
          logLevel: "error",
          onlyCategories: categories,
          disableFullPageScreenshot: true, // an image of the whole page: no audit scores it, it costs time
        }, config);
        results.push({ url, run, seconds: (Date.now() - started) / 1000, lhr: summary(done.lhr) });
      } catch (error) {
        results.push({ url, run, seconds: (Date.now() - started) / 1000, error: String(error && error.stack || error) });
      }
      process.stderr.write(`[lighthouse] run ${run + 1}/${job.runs} ${url} ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  }
} finally {
  await chrome.kill();
}
fs.writeFileSync(outPath, JSON.stringify(results, null, 1));
