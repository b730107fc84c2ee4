// Loads the staff console's WebAssembly (the `onshi-staff-console` crate, `staff/`, kept apart from
// the patient kiosk's bundle). In its own file because the Content-Security-Policy forbids inline scripts.
import init from './pkg-staff/onshi_staff.js';
await init({ module_or_path: '/pkg-staff/onshi_staff_bg.wasm' });
