// Picks the transport at run time: the preload's window.soutu inside Electron, HTTP in a browser.
import type { SoutuApi } from '../../../shared/api';
import { ElectronApi } from './electron-api';
import { HttpApi } from './http-api';

export { CallError } from './call-error';
export { HttpApi } from './http-api';
export { ElectronApi } from './electron-api';

export function createApi(): SoutuApi {
  return window.soutu ? new ElectronApi(window.soutu) : new HttpApi('');
}
