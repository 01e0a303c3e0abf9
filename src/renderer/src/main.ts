// Renderer entry: drops a ?token= from the address bar (serve mode has turned it into a cookie by now)
// and mounts the app, which picks its transport (Electron IPC or HTTP).
import { mount } from 'svelte';
import App from './App.svelte';
import './styles/app.css';

const url = new URL(location.href);
if (url.searchParams.has('token')) {
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}

mount(App, { target: document.getElementById('app')! });
