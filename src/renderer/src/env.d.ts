// Ambient types for the renderer: Svelte runes and components, and the preload's window.soutu.
/// <reference types="svelte" />
/// <reference types="vite/client" />

interface Window {
  /** Present only inside the desktop app (exposed by the preload). */
  soutu?: Pick<import('../../shared/api').SoutuApi, 'call' | 'on'> &
    Partial<Pick<import('../../shared/api').SoutuApi, 'imageUrl' | 'mediaUrl'>> & {
      /** Desktop extras (optional: older preloads may lack them). */
      startDrag?(id: string): void;
      onMenuCommand?(cb: (command: string) => void): () => void;
    };
}

declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
