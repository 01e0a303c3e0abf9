// Binds the contract to Electron IPC: one ipcMain.handle per call, each checking the sender and validating
// the argument with the shared schema before anything else runs. Desktop-only calls are answered here in
// main; the rest go to the library process. Electron is injected, so the binding is unit-tested under Node.
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { parseArgs, type CallName } from '../../shared/api.js';
import { CALL_NAMES, isDesktopCall, isPhotoId } from '../../shared/contract.js';
import { DRAG_START_CHANNEL, callChannel, type IpcEnvelope } from '../../shared/ipc-channels.js';
import { toErrorData } from '../service/rpc.js';
import { isTrustedSender, type SenderEventLike } from './security.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

export interface IpcBindingDeps {
  ipcMain: IpcMainLike;
  trustedOrigins: readonly string[];
  /** Answers a non-desktop call (the library process). `args` are already validated. */
  library(name: CallName, args: unknown): Promise<unknown>;
  /** Answers a desktop-only call in main. */
  desktop(name: CallName, args: unknown, event: IpcMainInvokeEvent): Promise<unknown>;
  /** Starts dragging a photo out of the window (event.sender.startDrag). */
  startDrag(event: IpcMainEvent, id: string): void;
  /** Sees every successful result (main applies theme and language from settings results). */
  onResult?(name: CallName, value: unknown): void;
  log?(line: string): void;
}

function refuse(code: 'forbidden' | 'bad-request', message: string): IpcEnvelope<never> {
  return { ok: false, error: { code, message } };
}

/** Handles one invoke: sender check, then validation, then the call. Exported for tests. */
export async function handleCall(deps: IpcBindingDeps, name: CallName, event: IpcMainInvokeEvent, raw: unknown): Promise<IpcEnvelope> {
  if (!isTrustedSender(event as unknown as SenderEventLike, deps.trustedOrigins)) {
    deps.log?.(`refused ${name} from ${String((event as unknown as SenderEventLike)?.senderFrame?.url ?? 'a destroyed frame').slice(0, 200)}`);
    return refuse('forbidden', 'This page may not use the Soutu API.');
  }
  let args: unknown;
  try {
    args = parseArgs(name, raw);
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
  try {
    const value = isDesktopCall(name) ? await deps.desktop(name, args, event) : await deps.library(name, args);
    deps.onResult?.(name, value);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}

/** Registers every handler; returns a function that removes them again. */
export function registerIpc(deps: IpcBindingDeps): () => void {
  for (const name of CALL_NAMES) {
    deps.ipcMain.handle(callChannel(name), (event, raw) => handleCall(deps, name, event, raw));
  }
  const onDrag = (event: IpcMainEvent, id: unknown) => {
    if (!isTrustedSender(event as unknown as SenderEventLike, deps.trustedOrigins)) {
      deps.log?.('refused drag-start from an untrusted frame');
      return;
    }
    if (!isPhotoId(id)) return;
    deps.startDrag(event, id);
  };
  deps.ipcMain.on(DRAG_START_CHANNEL, onDrag as (event: IpcMainEvent, ...args: unknown[]) => void);
  return () => {
    for (const name of CALL_NAMES) deps.ipcMain.removeHandler(callChannel(name));
    deps.ipcMain.removeListener(DRAG_START_CHANNEL, onDrag as (event: IpcMainEvent, ...args: unknown[]) => void);
  };
}
