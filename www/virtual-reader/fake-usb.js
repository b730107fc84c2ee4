// The virtual card reader: replaces `navigator.usb` with a fake whose single device is a CCID reader backed by the
// virtual My Number card compiled to WebAssembly (crate onshi-vcard-wasm). The kiosk's real WebUSB code path runs
// unchanged against it. Demo and test builds ship this directory; production builds do not.
//
// The fake device object has `USBDevice.prototype` so that `instanceof USBDevice` checks pass; its data lives in
// own properties, which shadow the prototype's getters. Transfer results are built with the real
// USBInTransferResult / USBOutTransferResult constructors.

import init, { VirtualReader } from './pkg/onshi_vcard_wasm.js';

let ready = null;
function load() {
  ready ??= init({ module_or_path: new URL('./pkg/onshi_vcard_wasm_bg.wasm', import.meta.url) });
  return ready;
}

/** Labels of the demo cards the virtual reader can hold. */
export async function listCards() {
  await load();
  const labels = [];
  for (let i = 0; i < VirtualReader.card_count(); i++) labels.push(VirtualReader.card_label(i));
  return labels;
}

function domException(name, message) {
  return new DOMException(message, name);
}

/** The reader kinds the fake can play. */
export const READER_KINDS = ['ccid-apdu', 'ccid-extended', 'ccid-tpdu', 'rcs380'];

/**
 * Installs the fake. Options: cardIndex (which demo card is on the reader; null for an empty reader),
 * refuseProtectedClass (behave like Chrome on a plain page: claimInterface of the CCID interface fails),
 * readerKind ('ccid-apdu' short-APDU CCID, 'ccid-extended' extended-APDU CCID, 'ccid-tpdu' TPDU-level CCID,
 * 'rcs380' Sony RC-S380 on a vendor-class interface), preAuthorised (the reader was chosen on an earlier day, or
 * granted by policy: `getDevices()` lists it before any chooser; otherwise it is listed once `requestDevice()`
 * has returned it), demoControls (show the demo's card controls under the kiosk, `demo-controls.js`: on by default, as
 * the kiosk's own 「仮想カードリーダーで試す（デモ）」 installs it; tests that move the card themselves turn it off),
 * textPinBlocked (the card on the reader has its 券面事項入力補助AP PIN locked, as after three wrong tries).
 * Returns a control object, also exposed as `window.onshiVirtualUsb`, for tests: insertCard(i, { textPinBlocked }),
 * removeCard(),
 * cardIndex (the card on the reader, null when empty), oncardchange (called after insertCard and removeCard),
 * unplug(), plug() (the same reader comes back as a new USBDevice, announced by a `connect` event), `device` (the
 * current USBDevice), `slotListening` (the kiosk waits on the interrupt endpoint now), `requestDeviceCalls` (how
 * often the chooser was opened) and `log` (every transfer as hex:
 * `out`/`in` bulk, `control`, and `interrupt` for the CCID interrupt endpoint's NotifySlotChange).
 */
export async function installVirtualUsb({
  cardIndex = 0, refuseProtectedClass = false, readerKind = 'ccid-apdu', preAuthorised = false, demoControls = true,
  textPinBlocked = false,
} = {}) {
  await load();
  if (!READER_KINDS.includes(readerKind)) throw new Error(`unknown reader kind ${readerKind}`);
  const isRcs380 = readerKind === 'rcs380';
  const reader = VirtualReader.of_kind(readerKind, cardIndex === null ? undefined : cardIndex);
  if (textPinBlocked && cardIndex !== null) reader.insert_card_with_text_pin_blocked(cardIndex);
  const configurationDescriptor = VirtualReader.configuration_descriptor_of(readerKind);
  const log = [];
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const gone = () => domException('NetworkError', 'The device was disconnected.');
  const aborted = () => domException('AbortError', 'The transfer was cancelled.');

  // The RC-S380 has bulk OUT 2 and bulk IN 1 on a vendor-class interface; the CCID readers bulk 2/2 and an
  // interrupt IN endpoint 1 on a smart-card-class interface.
  const INTERRUPT_ENDPOINT = 1;
  const endpoints = isRcs380
    ? [
      { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 64 },
      { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: 64 },
    ]
    : [
      { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 64 },
      { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 },
      { endpointNumber: INTERRUPT_ENDPOINT, direction: 'in', type: 'interrupt', packetSize: 8 },
    ];
  const interfaceClass = isRcs380 ? 0xff : 0x0b;

  let plugged = true;
  let authorised = preAuthorised;
  let current = null; // the plugged-in USBDevice and its transfer state

  // One USBDevice per plug-in, as in Chrome: a re-plugged reader is a new object. The virtual reader and its card
  // stay the same, so the card keeps its PIN counter across a re-plug.
  function makeDevice() {
    const alternate = {
      alternateSetting: 0, interfaceClass, interfaceSubclass: 0, interfaceProtocol: 0,
      interfaceName: isRcs380 ? 'Port-100' : 'CCID', endpoints,
    };
    const iface = { interfaceNumber: 0, alternate, alternates: [alternate], claimed: false };
    const configuration = { configurationValue: 1, configurationName: null, interfaces: [iface] };
    const state = { opened: false, iface, pending: [], waiters: [], notifications: [], interruptWaiters: [] };

    const device = Object.create(USBDevice.prototype);
    const own = (name, value) => Object.defineProperty(device, name, { value, configurable: true, writable: true });
    own('vendorId', VirtualReader.vendor_id_of(readerKind));
    own('productId', VirtualReader.product_id_of(readerKind));
    own('productName', VirtualReader.product_name_of(readerKind));
    own('manufacturerName', 'onshi');
    own('serialNumber', 'VIRTUAL-0001');
    own('usbVersionMajor', 2); own('usbVersionMinor', 0); own('usbVersionSubminor', 0);
    own('deviceClass', 0); own('deviceSubclass', 0); own('deviceProtocol', 0);
    own('configurations', [configuration]);
    Object.defineProperty(device, 'configuration', { get: () => configuration, configurable: true });
    Object.defineProperty(device, 'opened', { get: () => state.opened, configurable: true });

    const alive = () => plugged && current?.device === device;
    // Pending interrupt transfers end when the interface is released or the device closed, as WebUSB aborts them.
    const abortInterrupt = () => {
      for (const waiter of state.interruptWaiters.splice(0)) waiter.reject(aborted());
    };
    own('open', async () => {
      if (!alive()) throw gone();
      state.opened = true;
      // A fresh session hears only the changes that happen from now on.
      state.notifications.length = 0;
    });
    own('close', async () => { abortInterrupt(); iface.claimed = false; state.opened = false; });
    own('selectConfiguration', async () => { if (!alive()) throw gone(); });
    own('claimInterface', async (number) => {
      if (!alive()) throw gone();
      if (number !== 0) throw domException('NotFoundError', 'No such interface.');
      if (refuseProtectedClass && interfaceClass === 0x0b) {
        throw domException('SecurityError', 'The requested interface implements a protected class.');
      }
      iface.claimed = true;
    });
    own('releaseInterface', async () => { abortInterrupt(); iface.claimed = false; });
    own('reset', async () => {});
    // Only the standard GET_DESCRIPTOR(CONFIGURATION) request is answered; anything else stalls, as a device would.
    own('controlTransferIn', async (setup, length) => {
      if (!alive()) throw gone();
      if (!state.opened) throw domException('InvalidStateError', 'The device must be opened first.');
      log.push({ dir: 'control', hex: hex(Uint8Array.of(setup.request, setup.value >> 8, setup.value & 0xff)) });
      if (setup.requestType === 'standard' && setup.recipient === 'device' && setup.request === 6 && setup.value === 0x0200) {
        const bytes = configurationDescriptor.slice(0, length);
        return new USBInTransferResult('ok', new DataView(bytes.buffer, bytes.byteOffset, bytes.length));
      }
      return new USBInTransferResult('stall');
    });
    own('transferOut', async (endpoint, data) => {
      if (!alive()) throw gone();
      if (!state.opened || !iface.claimed) throw domException('InvalidStateError', 'The interface is not claimed.');
      const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      log.push({ dir: 'out', hex: hex(bytes) });
      reader.bulk_out(bytes);
      for (;;) {
        const response = reader.bulk_in();
        if (!response || response.length === 0) break;
        state.pending.push(response);
      }
      while (state.waiters.length && state.pending.length) state.waiters.shift().resolve(state.pending.shift());
      return new USBOutTransferResult('ok', bytes.length);
    });
    own('transferIn', async (endpoint, length) => {
      if (!alive()) throw gone();
      if (!state.opened || !iface.claimed) throw domException('InvalidStateError', 'The interface is not claimed.');
      const interrupt = !isRcs380 && endpoint === INTERRUPT_ENDPOINT;
      const [queue, waiters] = interrupt ? [state.notifications, state.interruptWaiters] : [state.pending, state.waiters];
      const bytes = queue.length ? queue.shift() : await new Promise((resolve, reject) => waiters.push({ resolve, reject }));
      log.push({ dir: interrupt ? 'interrupt' : 'in', hex: hex(bytes) });
      return new USBInTransferResult('ok', new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, length)));
    });
    return { device, state };
  }

  // RDR_to_PC_NotifySlotChange for slot 0: bit 0 card present, bit 1 changed. Only CCID readers have it, and only
  // an opened reader hears it (a closed one is told its state by GetSlotStatus when it opens).
  function notifySlotChange(present) {
    if (isRcs380 || !current?.state.opened) return;
    const bytes = Uint8Array.of(0x50, 0b10 | (present ? 0b01 : 0));
    const { notifications, interruptWaiters } = current.state;
    if (interruptWaiters.length) interruptWaiters.shift().resolve(bytes);
    else notifications.push(bytes);
  }

  const listeners = { connect: new Set(), disconnect: new Set() };
  const usb = {
    onconnect: null,
    ondisconnect: null,
    getDevices: async () => (plugged && authorised ? [current.device] : []),
    requestDevice: async () => {
      control.requestDeviceCalls += 1;
      if (!plugged) throw domException('NotFoundError', 'No device selected.');
      authorised = true;
      return current.device;
    },
    addEventListener: (type, fn) => listeners[type]?.add(fn),
    removeEventListener: (type, fn) => listeners[type]?.delete(fn),
  };
  Object.defineProperty(navigator, 'usb', { value: usb, configurable: true });
  // Chrome tells a page only about devices it may use.
  const announce = (type, device) => {
    if (!authorised) return;
    const event = Object.assign(new Event(type), { device });
    for (const fn of listeners[type]) fn(event);
    usb[`on${type}`]?.(event);
  };

  current = makeDevice();
  let cardInReader = cardIndex;
  const control = {
    reader,
    readerKind,
    log,
    requestDeviceCalls: 0,
    oncardchange: null,
    get device() { return current.device; },
    get cardIndex() { return cardInReader; },
    /** True while the kiosk waits on the CCID interrupt endpoint (it hears a card placed without asking). */
    get slotListening() { return current.state.interruptWaiters.length > 0; },
    /** Places demo card `index`; `textPinBlocked` places it with its 券面事項入力補助AP PIN locked. */
    insertCard: (index, { textPinBlocked = false } = {}) => {
      if (textPinBlocked) reader.insert_card_with_text_pin_blocked(index);
      else reader.insert_card(index);
      cardInReader = index;
      notifySlotChange(true);
      control.oncardchange?.();
    },
    removeCard: () => {
      reader.remove_card();
      cardInReader = null;
      notifySlotChange(false);
      control.oncardchange?.();
    },
    unplug: () => {
      if (!plugged) return;
      plugged = false;
      const { device, state } = current;
      state.opened = false;
      for (const waiter of [...state.waiters.splice(0), ...state.interruptWaiters.splice(0)]) waiter.reject(gone());
      announce('disconnect', device);
    },
    plug: () => {
      if (plugged) return;
      current = makeDevice();
      plugged = true;
      announce('connect', current.device);
    },
  };
  window.onshiVirtualUsb = control;
  if (demoControls) {
    const { showDemoCardControls } = await import('./demo-controls.js');
    showDemoCardControls(control, await listCards());
  }
  return control;
}
