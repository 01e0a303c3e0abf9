// Test-only preload (`node --import …/disk-faults.mjs bin/soutu.js serve …`) that gives the real `soutu` process the
// disk faults a test cannot get from a healthy disk. Each is turned on by an environment variable naming part of
// a file name:
//   SOUTU_FAULT_FIFO=<s>   a file whose name contains <s> is swapped for a FIFO at the moment it is opened: the
//                          "file replaced by a pipe after the scan" race, without having to win it.
//   SOUTU_FAULT_STUCK=<s>  the same, and the open is made blocking: it waits for a writer that never comes, holding
//                          one of libuv's threads for good, as a read from a stalled network share does.
//   SOUTU_FAULT_SLOW_RM=<s> removing a path that contains <s> takes 60 s (a stop that does not finish).
// With SOUTU_FAULT_MARK=<file>, each fault appends the path it hit to <file>, so a test knows it has happened.
// Node's ES module bindings of built-ins follow their CommonJS objects after syncBuiltinESMExports(), so the
// bundled CLI's `import { open } from 'node:fs/promises'` sees these versions.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const fifo = process.env.SOUTU_FAULT_FIFO || null;
const stuck = process.env.SOUTU_FAULT_STUCK || null;
const slowRm = process.env.SOUTU_FAULT_SLOW_RM || null;
const mark = process.env.SOUTU_FAULT_MARK || null;

function hit(what, file) {
  if (mark) fs.appendFileSync(mark, `${what} ${file}\n`);
}

function swapForFifo(file) {
  try {
    if (fs.lstatSync(file).isFIFO()) return;
    fs.unlinkSync(file);
  } catch {
    return;
  }
  execFileSync('mkfifo', [file]);
}

const open = fs.promises.open;
fs.promises.open = function patchedOpen(file, flags, mode) {
  const name = String(file);
  if (stuck && name.includes(stuck)) {
    swapForFifo(name);
    if (typeof flags === 'number') flags &= ~fs.constants.O_NONBLOCK;
    hit('stuck', name);
  } else if (fifo && name.includes(fifo)) {
    swapForFifo(name);
    hit('fifo', name);
  }
  return open.call(this, file, flags, mode);
};

const rm = fs.promises.rm;
fs.promises.rm = async function patchedRm(target, options) {
  if (slowRm && String(target).includes(slowRm)) {
    hit('slow-rm', String(target));
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  return rm.call(this, target, options);
};

syncBuiltinESMExports();
