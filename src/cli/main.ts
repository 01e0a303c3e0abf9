// `soutu` command line: a thin shell over the core Library facade. Human-friendly output by default,
// one JSON document as the last stdout line with --json, a progress bar on stderr when it is a terminal.
// Models go through one ModelService per run (hub host, proxy, downloads); errors end in a documented exit code.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import type { IndexProgress, SearchHit, SearchOptions } from '../shared/types.js';
import { ModelService, readTextInFile, type DownloadProgress, type Library } from '../main/core/index.js';
import { failureMessage, scanProblemMessage, type FailureLang } from '../shared/failure-messages.js';
import { openLibrary, type OpenLibraryOptions } from '../main/service/open-library.js';
import { EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';
import { ProgressBar } from './progress-bar.js';

const program = new Command();
program
  .name('soutu')
  .description('Soutu (搜图): search your photo folders by meaning, on your own machine.')
  .version(process.env.SOUTU_VERSION ?? '0.1.0')
  .showHelpAfterError('(run "soutu --help" for usage)')
  .addHelpText('after', EXIT_CODES_HELP)
  // Usage errors throw (after commander has printed them) instead of exiting, so they get exit code 2.
  .exitOverride();

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}
function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}
function dateMs(v: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected a date such as 2023-06-01');
  return t;
}
function score(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < -1 || n > 1) throw new InvalidArgumentError('expected a number between -1 and 1');
  return n;
}

interface CommonOpts {
  library: string;
  precision?: 'quality' | 'compact';
  lang?: string;
  model?: string;
  json?: boolean;
  device?: 'auto' | 'cpu' | 'gpu';
  threads?: number;
  hubHost?: string;
  modelsDir?: string;
}

const libraryOption = new Option('-l, --library <dir>', 'library folder (index, thumbnails, settings)').makeOptionMandatory();
const modelOption = new Option('-m, --model <id|folder>', 'model: a catalog id (see "soutu models list") or a model folder');
const deviceOption = new Option('--device <device>', 'where the model runs').choices(['auto', 'cpu', 'gpu']).default('auto');
const threadsOption = new Option('--threads <n>', 'ONNX Runtime threads (default: all cores)').argParser(positiveInt);
const hubOption = new Option('--hub-host <url>', 'model download host or mirror (default: SOUTU_HUB_HOST or huggingface.co)');
const modelsDirOption = new Option('--models-dir <dir>', 'where models are kept (default: SOUTU_MODELS_DIR or the user data folder)');
const PRECISIONS = ['quality', 'compact'] as const;
function precisionArg(v: string): (typeof PRECISIONS)[number] {
  const p = PRECISIONS.find((x) => x === v);
  if (!p) throw new InvalidArgumentError('expected quality (full-precision image model) or compact (8-bit image and text models)');
  return p;
}
const precisionOption = new Option(
  '--precision <quality|compact>',
  'quality: full-precision image model; compact: 8-bit image and text models (smaller download, less memory, slightly lower search quality). ' +
    'Default: what the library was indexed with (quality for a new one); another one re-embeds every photo',
).argParser(precisionArg);

/** This run's models: the folder and hub host from the flags, else the environment (ModelService reads it). */
function modelService(o: { modelsDir?: string; hubHost?: string }): ModelService {
  return new ModelService({ modelsDir: o.modelsDir, hubHost: o.hubHost });
}

const langOption = new Option('--lang <lang>', 'language of messages: en or zh (default: from LANG, else English)');

/** The language of human-readable messages: --lang, else LANG/LC_ALL naming Chinese, else English. */
function messageLang(o: { lang?: string }): FailureLang {
  const want = (o.lang ?? process.env.LC_ALL ?? process.env.LC_MESSAGES ?? process.env.LANG ?? '').toLowerCase();
  return want.startsWith('zh') ? 'zh-CN' : 'en';
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

function downloadReporter(json: boolean | undefined): (p: DownloadProgress) => void {
  const bar = new ProgressBar(process.stderr, !json);
  return (p) => bar.update(p.percent ?? 0, `${p.model} ${p.file} ${(p.bytes / 1e6).toFixed(1)}${p.total ? '/' + (p.total / 1e6).toFixed(1) : ''} MB`);
}

type OpenExtra = Partial<Pick<OpenLibraryOptions, 'allowDownload' | 'readOnly' | 'onDownload' | 'onWarning'>>;

async function withLibrary<T>(o: CommonOpts, extra: OpenExtra, fn: (lib: Library) => Promise<T>): Promise<T> {
  const models = modelService(o);
  const lib = await openLibrary({
    libraryDir: o.library,
    models,
    model: o.model,
    defaultModel: models.defaultModelId,
    device: o.device,
    threads: o.threads,
    precision: o.precision,
    allowDownload: extra.allowDownload ?? false,
    readOnly: extra.readOnly,
    onDownload: extra.onDownload,
    onWarning: extra.onWarning,
  });
  lib.on('warning', (m) => process.stderr.write(`soutu: ${m}\n`));
  try {
    return await fn(lib);
  } finally {
    await lib.close();
  }
}

function formatHits(hits: SearchHit[]): string {
  if (hits.length === 0) return 'No matches.';
  return hits.map((h, i) => `${String(i + 1).padStart(3)}  ${h.score.toFixed(3)}  ${h.path}`).join('\n');
}

program
  .command('index')
  .description('index photo folders (added to the library) and keep them up to date')
  .argument('<folder...>', 'photo folders')
  .addOption(libraryOption)
  .addOption(modelOption)
  .addOption(precisionOption)
  .addOption(deviceOption)
  .addOption(threadsOption)
  .addOption(hubOption)
  .addOption(modelsDirOption)
  .option('--batch-size <n>', 'images per inference batch', positiveInt)
  .option('--vocabulary <file>', 'tag vocabulary for this library: a JSON array of {"en": …, "zh": …} concepts')
  .option('--watch', 'after indexing, keep watching the folders and index changes as they happen (Ctrl+C stops)')
  .option('--no-ocr', 'do not read the text in photos in this run (the library setting stays as it is)')
  .option('--no-video', 'skip video files in this run')
  .addOption(langOption)
  .option('--json', 'print a JSON report as the last line')
  .action(async (folders: string[], o: CommonOpts & { batchSize?: number; vocabulary?: string; watch?: boolean; ocr: boolean; video: boolean }) => {
    const controller = new AbortController();
    let interrupted = 0;
    process.on('SIGINT', () => {
      if (++interrupted > 1) process.exit(130);
      process.stderr.write('\nsoutu: stopping after the current batch (Ctrl+C again to quit now)…\n');
      controller.abort();
    });
    const report = await withLibrary(o, { allowDownload: true, onDownload: downloadReporter(o.json), onWarning: (m) => process.stderr.write(`soutu: ${m}\n`) }, async (lib) => {
      const bar = new ProgressBar(process.stderr, !o.json);
      const onProgress = (p: IndexProgress) => {
        if (p.phase === 'scanning') bar.update(null, `scanning… ${p.found} photos found`);
        else if (p.phase === 'reading-text') {
          const total = p.ocrTotal ?? 0;
          bar.update(total > 0 ? ((p.ocrDone ?? 0) / total) * 100 : null, `reading text ${(p.ocrDone ?? 0).toLocaleString('en')} / ${total.toLocaleString('en')}`);
        } else {
          const todo = p.found - p.unchanged - p.moved;
          const pct = todo > 0 ? (p.done / todo) * 100 : 100;
          const eta = p.etaSeconds !== null ? ` ETA ${Math.floor(p.etaSeconds / 60)}:${String(p.etaSeconds % 60).padStart(2, '0')}` : '';
          bar.update(pct, `${p.done}/${todo}  ${p.rate.toFixed(1)}/s${eta}  failed ${p.failed}`);
        }
      };
      if (o.vocabulary) await lib.setVocabulary(path.resolve(o.vocabulary));
      const r = await lib.index({ roots: folders, signal: controller.signal, onProgress, batchSize: o.batchSize, ocr: o.ocr, video: o.video });
      bar.done();
      if (o.watch && !r.cancelled) {
        if (o.json) printJson(r);
        else process.stderr.write(`Indexed ${r.indexed}, unchanged ${r.unchanged}, failed ${r.failed.length}. Watching ${lib.roots().length} folder(s) for changes; Ctrl+C stops.\n`);
        lib.on('progress', (p) => {
          if (p.phase === 'done' && (p.indexed || p.removed || p.moved || p.failed)) {
            const line = { indexed: p.indexed, removed: p.removed, moved: p.moved, failed: p.failed, at: new Date().toISOString() };
            if (o.json) printJson(line);
            else process.stderr.write(`${line.at}  +${p.indexed} indexed, ${p.moved} moved, ${p.removed} removed, ${p.failed} failed\n`);
          }
        });
        await lib.watch();
        await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
        return null;
      }
      return r;
    });
    if (report === null) return;
    if (o.json) {
      printJson(report);
      return;
    }
    const lines = [
      `${report.cancelled ? 'Stopped' : 'Done'} in ${report.seconds.toFixed(1)} s with ${report.model}:`,
      `  ${report.indexed} indexed, ${report.unchanged} unchanged, ${report.moved} moved, ${report.removed} removed, ${report.failed.length} failed`,
    ];
    const lang = messageLang(o);
    // English keeps the engine's own sentence (it names the library's words); Chinese renders it from the code and its details.
    for (const f of report.failed) lines.push(`  ✗ ${f.path}: ${lang === 'en' ? f.error : failureMessage(f.code, f.details, lang)}`);
    for (const r of report.offlineRoots) lines.push(`  ⚠ ${r} ${lang === 'en' ? 'is offline; its photos are kept.' : '已离线；其中的照片保留。'}`);
    for (const p of report.problems.filter((x) => x.kind !== 'not-found')) lines.push(`  ⚠ ${p.path}: ${lang === 'en' ? p.message : scanProblemMessage(p.kind, p.details, lang)}`);
    if (report.ocr) lines.push(`  text read in ${report.ocr.read} photos (${report.ocr.withText} with text, ${report.ocr.skippedByGate} skipped as textless)`);
    console.log(lines.join('\n'));
  });

function searchOptions(o: {
  limit?: number; offset?: number; minScore?: number; folder?: string[]; from?: number; to?: number; format?: string[]; minSize?: number;
}): SearchOptions {
  const filters = {
    ...(o.folder ? { folders: o.folder.map((f) => path.resolve(f)) } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.format ? { formats: o.format } : {}),
    ...(o.minSize !== undefined ? { minSize: o.minSize } : {}),
  };
  return { limit: o.limit ?? 20, offset: o.offset ?? 0, minScore: o.minScore, filters: Object.keys(filters).length ? filters : undefined };
}

function addSearchOptions(cmd: Command): Command {
  return cmd
    .addOption(libraryOption)
    .addOption(modelOption)
    .addOption(deviceOption)
    .addOption(threadsOption)
    .addOption(modelsDirOption)
    .option('-n, --limit <n>', 'number of results (default 20)', positiveInt)
    .option('--offset <n>', 'skip this many results', nonNegativeInt)
    .option('--min-score <s>', 'only results at or above this cosine score', score)
    .option('--folder <dir...>', 'only photos inside these folders')
    .option('--from <date>', 'taken on or after this date', dateMs)
    .option('--to <date>', 'taken on or before this date', dateMs)
    .option('--format <fmt...>', 'only these formats (jpeg png heif …)')
    .option('--min-size <px>', 'only photos whose shorter side is at least this many pixels', positiveInt)
    .option('--json', 'print a JSON array of hits');
}

addSearchOptions(program.command('search').description('find photos by a text description (中文 or English)').argument('<text>', 'what to look for'))
  .action(async (text: string, o: CommonOpts & Parameters<typeof searchOptions>[0]) => {
    const hits = await withLibrary(o, { readOnly: true }, (lib) => lib.search(text, searchOptions(o)));
    if (o.json) printJson(hits);
    else console.log(formatHits(hits));
  });

addSearchOptions(program.command('similar').description('find photos that look like an image file').argument('<image-file>', 'a photo'))
  .action(async (file: string, o: CommonOpts & Parameters<typeof searchOptions>[0]) => {
    const hits = await withLibrary(o, { readOnly: true }, (lib) => lib.similar({ kind: 'path', path: path.resolve(file) }, searchOptions(o)));
    if (o.json) printJson(hits);
    else console.log(formatHits(hits));
  });

program
  .command('status')
  .description('what the library holds: photos, videos, folders, model, text read, failures')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .addOption(langOption)
  .option('--json', 'print JSON')
  .action(async (o: CommonOpts) => {
    const out = await withLibrary(o, { readOnly: true }, async (lib) => ({ ...(await lib.status()), failed: lib.failures() }));
    if (o.json) {
      printJson(out);
      return;
    }
    const lines = [
      `Library ${out.library}`,
      `  ${out.photos} photos (${out.videos ?? 0} of them videos), ${out.failures} failed`,
      `  model: ${out.model?.id ?? 'none'}${out.pendingModel ? ` (switching to ${out.pendingModel})` : ''}`,
    ];
    if (out.ocr) lines.push(`  text: read in ${out.ocr.done}, ${out.ocr.pending} to read${out.ocr.enabled ? '' : ' (turned off)'}`);
    for (const r of out.roots) lines.push(`  ${r.online ? '●' : '○ offline'} ${r.path}: ${r.photos} photos${r.failed ? `, ${r.failed} failed` : ''}`);
    const lang = messageLang(o);
    for (const f of out.failed) lines.push(`  ✗ ${f.path}: ${lang === 'en' ? f.error : failureMessage(f.code, f.details, lang)}`);
    console.log(lines.join('\n'));
  });

program
  .command('ocr')
  .description('read the text in an image (Chinese and English); boxes are in the upright image\'s pixels')
  .argument('<image-file>', 'a photo, screenshot or scan')
  .option('--json', 'print a JSON array: [{"text","box":[[x,y]×4],"score"}]')
  .action(async (file: string, o: { json?: boolean }) => {
    const lines = await readTextInFile(path.resolve(file));
    if (o.json) printJson(lines.map((l) => ({ text: l.text, box: l.box, score: Math.round(l.score * 1000) / 1000 })));
    else console.log(lines.length > 0 ? lines.map((l) => l.text).join('\n') : 'No text found.');
  });

program
  .command('tags')
  .description('auto-tagged albums: one per tag, largest first')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .option('--json', 'print JSON: [{"tag","zh","count"}]')
  .action(async (o: CommonOpts) => {
    const albums = await withLibrary(o, {}, (lib) => lib.albums());
    if (o.json) printJson(albums.map((a) => ({ tag: a.tag, zh: a.zh, count: a.count, id: a.id, group: a.group, cover: a.cover?.path ?? null })));
    else console.log(albums.length ? albums.map((a) => `${String(a.count).padStart(6)}  ${a.zh} / ${a.tag}`).join('\n') : 'No albums yet: index some photos first.');
  });

addSearchOptions(program.command('album').description("an album's photos (the tag in either language)").argument('<tag>', 'tag, e.g. 海滩 or beach'))
  .action(async (tag: string, o: CommonOpts & Parameters<typeof searchOptions>[0]) => {
    const hits = await withLibrary(o, {}, (lib) => lib.album(tag, { ...searchOptions(o), limit: o.limit ?? 1000 }));
    if (o.json) printJson(hits);
    else console.log(formatHits(hits));
  });

program
  .command('duplicates')
  .description('groups of near-identical photos (resized, re-compressed, burst shots); the one to keep first')
  .addOption(libraryOption)
  .addOption(modelsDirOption)
  .option('--json', 'print JSON: [{"paths":[…]}]')
  .action(async (o: CommonOpts) => {
    const groups = await withLibrary(o, { readOnly: true }, (lib) => lib.duplicates());
    if (o.json) printJson(groups.map((g) => ({ paths: g.paths, keep: g.photos[0].path })));
    else console.log(groups.length ? groups.map((g) => g.paths.map((p, i) => `${i === 0 ? 'keep ' : '     '}${p}`).join('\n')).join('\n\n') : 'No near-duplicates found.');
  });

program
  .command('serve')
  .description('serve the Soutu UI over HTTP, for a browser (NAS, headless machines)')
  .addOption(libraryOption)
  .addOption(modelOption)
  .addOption(deviceOption)
  .addOption(threadsOption)
  .addOption(hubOption)
  .addOption(modelsDirOption)
  .option('--port <n>', 'port (default 7878; 0 picks a free one)', nonNegativeInt)
  .option('--host <host>', 'address to bind (0.0.0.0: every network of this machine)', '127.0.0.1')
  .option('--token <token>', 'access token, at least 16 characters (default: SOUTU_TOKEN, else a new random one each start); other users can read a command line, so prefer SOUTU_TOKEN')
  .option('--no-token', 'no access token (loopback only): every user and program on this machine can then see the photos')
  .option('--allowed-host <name...>', 'extra host names browsers may use to reach this server, e.g. nas.local (names only, no port)')
  .option('--allow-trash', "let the Duplicates page move photos to this machine's trash")
  .option('--no-watch', 'do not watch the folders for changes (index from the UI instead)')
  .action(async (o: CommonOpts & { port?: number; host: string; token?: string | false; allowedHost?: string[]; allowTrash?: boolean; watch: boolean }) => {
    const { runServe } = await import('../server/serve.js');
    // Ends the process itself once stopped (a stalled file must not keep it alive).
    await runServe({
      library: o.library,
      host: o.host,
      port: o.port,
      token: o.token === false ? false : o.token || process.env.SOUTU_TOKEN || undefined,
      model: o.model,
      modelsDir: o.modelsDir,
      device: o.device,
      threads: o.threads,
      hubHost: o.hubHost,
      allowedHosts: o.allowedHost,
      allowTrash: o.allowTrash,
      watch: o.watch,
    });
  });

const models = program.command('models').description('list, download or import models');
models
  .command('list')
  .addOption(modelsDirOption)
  .option('--json', 'print JSON')
  .action(async (o: { modelsDir?: string; json?: boolean }) => {
    const models = modelService(o);
    const list = await models.list('en');
    // The JSON keeps its shape: the English title, every title, and the catalog's note in every language.
    if (o.json) printJson(list.map((m) => ({ id: m.id, folder: m.folder, ready: m.ready, title: m.titles.en, titles: m.titles, note: models.findInCatalog(m.id)?.note ?? null })));
    else for (const m of list) console.log(`${m.ready ? '✓' : ' '} ${m.id}  ${m.note ? `(${m.note})` : ''}\n    ${m.folder}`);
  });
models
  .command('download')
  .argument('<id>', 'catalog model id')
  .addOption(precisionOption)
  .addOption(hubOption)
  .addOption(modelsDirOption)
  .option('--json', 'print JSON')
  .action(async (id: string, o: { precision?: CommonOpts['precision']; hubHost?: string; modelsDir?: string; json?: boolean }) => {
    const r = await modelService(o).download(id, { precision: o.precision, onProgress: downloadReporter(o.json) });
    process.stderr.write('\n');
    if (o.json) printJson({ id: r.id, folder: r.source });
    else console.log(`Downloaded ${r.id} to ${r.source}`);
  });
models
  .command('import')
  .argument('<folder>', 'a model folder in transformers.js layout (config.json, tokenizer.json, onnx/…)')
  .option('--id <id>', 'the model id to record (default: guessed from config.json)')
  .addOption(modelsDirOption)
  .option('--json', 'print JSON')
  .action(async (folder: string, o: { id?: string; modelsDir?: string; json?: boolean }) => {
    const r = await modelService(o).import(folder, { id: o.id });
    if (o.json) printJson({ id: r.id, folder: r.source });
    else console.log(`Imported ${r.id} into ${r.source}`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = exitCodeFor(err);
  // Commander has already printed its own usage errors (and help or the version, which exit 0).
  if (!(err instanceof CommanderError)) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`soutu: ${msg}\n`);
    if (process.env.SOUTU_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = code;
});
