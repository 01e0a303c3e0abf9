// Renders the app icon (build/icon.png, 1024×1024) from an inline SVG with sharp: a photo card under a
// magnifier on a blue tile. electron-builder derives .icns/.ico and the Linux sizes from this one file.
// Run: node scripts/make-icon.mjs
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'icon.png');

// The macOS grid: an 824 px tile centred on the 1024 canvas, leaving room for the shadow.
const svg = `
<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#3b82f6"/>
      <stop offset="1" stop-color="#1d4ed8"/>
    </linearGradient>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#7dd3fc"/>
      <stop offset="1" stop-color="#e0f2fe"/>
    </linearGradient>
    <linearGradient id="lens" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#ffffff" stop-opacity="0.55"/>
      <stop offset="1" stop-color="#ffffff" stop-opacity="0.15"/>
    </linearGradient>
    <filter id="shadow" x="-20%" y="-20%" width="140%" height="140%">
      <feDropShadow dx="0" dy="14" stdDeviation="18" flood-color="#0b1f4d" flood-opacity="0.35"/>
    </filter>
    <clipPath id="photoClip"><rect x="250" y="262" width="430" height="330" rx="18"/></clipPath>
  </defs>
  <rect x="100" y="100" width="824" height="824" rx="184" fill="url(#tile)" filter="url(#shadow)"/>
  <g transform="rotate(-7 465 427)" filter="url(#shadow)">
    <rect x="222" y="234" width="486" height="436" rx="30" fill="#ffffff"/>
    <g clip-path="url(#photoClip)">
      <rect x="250" y="262" width="430" height="330" fill="url(#sky)"/>
      <circle cx="590" cy="340" r="42" fill="#fbbf24"/>
      <path d="M250 592 L380 420 L460 520 L530 450 L680 592 Z" fill="#10b981"/>
      <path d="M250 592 L330 505 L420 592 Z" fill="#059669"/>
    </g>
  </g>
  <g filter="url(#shadow)">
    <line x1="722" y1="722" x2="806" y2="806" stroke="#0f172a" stroke-opacity="0.9" stroke-width="78" stroke-linecap="round"/>
    <line x1="722" y1="722" x2="800" y2="800" stroke="#f59e0b" stroke-width="56" stroke-linecap="round"/>
    <circle cx="590" cy="590" r="170" fill="url(#lens)" stroke="#ffffff" stroke-width="52"/>
    <path d="M500 540 A110 110 0 0 1 585 470" fill="none" stroke="#ffffff" stroke-opacity="0.8" stroke-width="22" stroke-linecap="round"/>
  </g>
</svg>`;

await mkdir(path.dirname(out), { recursive: true });
await sharp(Buffer.from(svg)).resize(1024, 1024).png({ compressionLevel: 9 }).toFile(out);
const meta = await sharp(out).metadata();
console.log(`wrote ${path.relative(root, out)} (${meta.width}×${meta.height})`);
