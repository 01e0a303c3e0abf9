// The application menu in zh-CN and en with the usual shortcuts. A pure template builder (electron types
// only), so the labels and accelerators are unit-tested; shell.ts turns it into a Menu.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/contract.js';

export type MenuLanguage = 'zh-CN' | 'en';

export function menuLanguage(settingsLanguage: string | undefined, systemLocale: string): MenuLanguage {
  const l = settingsLanguage ?? systemLocale;
  return l.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const LABELS = {
  en: {
    about: 'About Soutu',
    settings: 'Settings…',
    services: 'Services',
    hide: 'Hide Soutu',
    hideOthers: 'Hide Others',
    unhide: 'Show All',
    quit: 'Quit Soutu',
    file: 'File',
    addFolder: 'Add Folder…',
    folders: 'Folders',
    close: 'Close Window',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select All',
    find: 'Search',
    view: 'View',
    reload: 'Reload',
    devTools: 'Developer Tools',
    actualSize: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullScreen: 'Toggle Full Screen',
    photo: 'Photo',
    findSimilar: 'Find Similar',
    revealFinder: 'Show in Finder',
    revealFolder: 'Show in Folder',
    open: 'Open with Default App',
    window: 'Window',
    minimize: 'Minimize',
    zoom: 'Zoom',
    front: 'Bring All to Front',
    help: 'Help',
    website: 'Soutu Website',
  },
  'zh-CN': {
    about: '关于搜图',
    settings: '设置…',
    services: '服务',
    hide: '隐藏搜图',
    hideOthers: '隐藏其他',
    unhide: '全部显示',
    quit: '退出搜图',
    file: '文件',
    addFolder: '添加文件夹…',
    folders: '文件夹',
    close: '关闭窗口',
    edit: '编辑',
    undo: '撤销',
    redo: '重做',
    cut: '剪切',
    copy: '拷贝',
    paste: '粘贴',
    selectAll: '全选',
    find: '搜索',
    view: '显示',
    reload: '重新载入',
    devTools: '开发者工具',
    actualSize: '实际大小',
    zoomIn: '放大',
    zoomOut: '缩小',
    fullScreen: '切换全屏',
    photo: '照片',
    findSimilar: '查找相似',
    revealFinder: '在访达中显示',
    revealFolder: '在文件夹中显示',
    open: '用默认应用打开',
    window: '窗口',
    minimize: '最小化',
    zoom: '缩放',
    front: '前置全部窗口',
    help: '帮助',
    website: '搜图网站',
  },
} as const;

export type MenuLabels = { [K in keyof (typeof LABELS)['en']]: string };

export function menuLabels(lang: MenuLanguage): MenuLabels {
  return LABELS[lang];
}

export interface MenuActions {
  /** Sends a command to the UI (focus search, open settings…). */
  command(cmd: MenuCommand): void;
  /** Native folder picker, then add + index (runs in main, no UI round trip needed). */
  addFolder(): void;
  about(): void;
  openWebsite?(): void;
}

export interface MenuOptions {
  lang: MenuLanguage;
  platform: NodeJS.Platform;
  /** Reload and developer tools only in development. */
  isDev: boolean;
  actions: MenuActions;
}

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const t = menuLabels(o.lang);
  const mac = o.platform === 'darwin';
  const a = o.actions;
  const settingsItem: MenuItemConstructorOptions = { label: t.settings, accelerator: 'CmdOrCtrl+,', click: () => a.command('open-settings') };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Soutu',
      submenu: [
        { label: t.about, click: () => a.about() },
        { type: 'separator' },
        settingsItem,
        { type: 'separator' },
        { label: t.services, role: 'services' },
        { type: 'separator' },
        { label: t.hide, role: 'hide' },
        { label: t.hideOthers, role: 'hideOthers' },
        { label: t.unhide, role: 'unhide' },
        { type: 'separator' },
        { label: t.quit, role: 'quit' },
      ],
    });
  }
  template.push({
    label: t.file,
    submenu: [
      { label: t.addFolder, accelerator: 'CmdOrCtrl+O', click: () => a.addFolder() },
      { label: t.folders, accelerator: 'CmdOrCtrl+Shift+F', click: () => a.command('open-folders') },
      ...(mac ? [] : ([{ type: 'separator' }, settingsItem] as MenuItemConstructorOptions[])),
      { type: 'separator' },
      mac ? { label: t.close, role: 'close' } : { label: t.quit, role: 'quit' },
    ],
  });
  template.push({
    label: t.edit,
    submenu: [
      { label: t.undo, role: 'undo' },
      { label: t.redo, role: 'redo' },
      { type: 'separator' },
      { label: t.cut, role: 'cut' },
      { label: t.copy, role: 'copy' },
      { label: t.paste, role: 'paste' },
      { label: t.selectAll, role: 'selectAll' },
      { type: 'separator' },
      { label: t.find, accelerator: 'CmdOrCtrl+F', click: () => a.command('focus-search') },
      { label: t.find, accelerator: 'CmdOrCtrl+L', visible: false, acceleratorWorksWhenHidden: true, click: () => a.command('focus-search') },
    ],
  });
  template.push({
    label: t.photo,
    submenu: [
      { label: t.findSimilar, accelerator: 'CmdOrCtrl+Shift+S', click: () => a.command('find-similar') },
      { label: mac ? t.revealFinder : t.revealFolder, accelerator: 'CmdOrCtrl+Shift+R', click: () => a.command('reveal') },
      { label: t.open, accelerator: 'CmdOrCtrl+Shift+O', click: () => a.command('open') },
    ],
  });
  template.push({
    label: t.view,
    submenu: [
      ...(o.isDev
        ? ([
            { label: t.reload, role: 'reload' },
            { label: t.devTools, role: 'toggleDevTools' },
            { type: 'separator' },
          ] as MenuItemConstructorOptions[])
        : []),
      { label: t.actualSize, role: 'resetZoom' },
      { label: t.zoomIn, role: 'zoomIn' },
      { label: t.zoomOut, role: 'zoomOut' },
      { type: 'separator' },
      { label: t.fullScreen, role: 'togglefullscreen' },
    ],
  });
  template.push({
    label: t.window,
    role: 'windowMenu',
    submenu: [
      { label: t.minimize, role: 'minimize' },
      { label: t.zoom, role: 'zoom' },
      ...(mac ? ([{ type: 'separator' }, { label: t.front, role: 'front' }] as MenuItemConstructorOptions[]) : ([{ label: t.close, role: 'close' }] as MenuItemConstructorOptions[])),
    ],
  });
  template.push({
    label: t.help,
    role: 'help',
    submenu: [
      ...(mac ? [] : ([{ label: t.about, click: () => a.about() }] as MenuItemConstructorOptions[])),
      ...(a.openWebsite ? ([{ label: t.website, click: () => a.openWebsite!() }] as MenuItemConstructorOptions[]) : []),
    ],
  });
  return template;
}
