// Loads the kiosk's WebAssembly. Kept in its own file because the Content-Security-Policy forbids inline scripts.
import init from './pkg/onshi_kiosk.js';
await init({ module_or_path: '/pkg/onshi_kiosk_bg.wasm' });
