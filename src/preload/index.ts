// Preload (sandboxed, context-isolated): exposes window.soutu, built from the contract's names by
// soutu-bridge.ts. ipcRenderer itself is never exposed; only these functions cross the bridge.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildSoutuApi } from './soutu-bridge.js';

contextBridge.exposeInMainWorld('soutu', buildSoutuApi(ipcRenderer, webUtils));
