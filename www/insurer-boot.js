// Loads the insurer console's WebAssembly (the `onshi-insurer-console` crate, `insurer/`, kept apart from the
// kiosk's and the staff console's bundles). In its own file because the Content-Security-Policy forbids inline
// scripts.
import init from './pkg-insurer/onshi_insurer.js';
await init({ module_or_path: '/pkg-insurer/onshi_insurer_bg.wasm' });
