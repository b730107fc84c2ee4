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
 * 'rcs380' Sony RC-S380 on a vendor-class interface).
 * Returns a control object, also exposed as `window.onshiVirtualUsb`, for tests: insertCard(i), removeCard(),
 * unplug(), and `log` (every bulk transfer, as hex, for inspection).
 */
export async function installVirtualUsb({ cardIndex = 0, refuseProtectedClass = false, readerKind = 'ccid-apdu' } = {}) {
  await load();
  if (!READER_KINDS.includes(readerKind)) throw new Error(`unknown reader kind ${readerKind}`);
  const isRcs380 = readerKind === 'rcs380';
  const reader = VirtualReader.of_kind(readerKind, cardIndex === null ? undefined : cardIndex);
  const configurationDescriptor = VirtualReader.configuration_descriptor_of(readerKind);
  const pending = [];
  const waiters = [];
  const log = [];
  let unplugged = false;
  let opened = false;
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  // The RC-S380 has bulk OUT 2 and bulk IN 1 on a vendor-class interface; the CCID readers bulk 2/2 and an
  // interrupt endpoint on a smart-card-class interface.
  const endpoints = isRcs380
    ? [
      { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 64 },
      { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: 64 },
    ]
    : [
      { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 64 },
      { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 },
      { endpointNumber: 1, direction: 'in', type: 'interrupt', packetSize: 8 },
    ];
  const interfaceClass = isRcs380 ? 0xff : 0x0b;
  const alternate = {
    alternateSetting: 0, interfaceClass, interfaceSubclass: 0, interfaceProtocol: 0,
    interfaceName: isRcs380 ? 'Port-100' : 'CCID', endpoints,
  };
  const iface = { interfaceNumber: 0, alternate, alternates: [alternate], claimed: false };
  const configuration = { configurationValue: 1, configurationName: null, interfaces: [iface] };

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
  Object.defineProperty(device, 'opened', { get: () => opened, configurable: true });

  const gone = () => domException('NetworkError', 'The device was disconnected.');
  own('open', async () => { if (unplugged) throw gone(); opened = true; });
  own('close', async () => { opened = false; });
  own('selectConfiguration', async () => { if (unplugged) throw gone(); });
  own('claimInterface', async (number) => {
    if (unplugged) throw gone();
    if (number !== 0) throw domException('NotFoundError', 'No such interface.');
    if (refuseProtectedClass && interfaceClass === 0x0b) {
      throw domException('SecurityError', 'The requested interface implements a protected class.');
    }
    iface.claimed = true;
  });
  own('releaseInterface', async () => { iface.claimed = false; });
  own('reset', async () => {});
  // Only the standard GET_DESCRIPTOR(CONFIGURATION) request is answered; anything else stalls, as a device would.
  own('controlTransferIn', async (setup, length) => {
    if (unplugged) throw gone();
    if (!opened) throw domException('InvalidStateError', 'The device must be opened first.');
    log.push({ dir: 'control', hex: hex(Uint8Array.of(setup.request, setup.value >> 8, setup.value & 0xff)) });
    if (setup.requestType === 'standard' && setup.recipient === 'device' && setup.request === 6 && setup.value === 0x0200) {
      const bytes = configurationDescriptor.slice(0, length);
      return new USBInTransferResult('ok', new DataView(bytes.buffer, bytes.byteOffset, bytes.length));
    }
    return new USBInTransferResult('stall');
  });
  own('transferOut', async (endpoint, data) => {
    if (unplugged) throw gone();
    if (!opened || !iface.claimed) throw domException('InvalidStateError', 'The interface is not claimed.');
    const bytes = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    log.push({ dir: 'out', hex: hex(bytes) });
    reader.bulk_out(bytes);
    for (;;) {
      const response = reader.bulk_in();
      if (!response || response.length === 0) break;
      pending.push(response);
    }
    while (waiters.length && pending.length) waiters.shift()(pending.shift());
    return new USBOutTransferResult('ok', bytes.length);
  });
  own('transferIn', async (endpoint, length) => {
    if (unplugged) throw gone();
    if (!opened || !iface.claimed) throw domException('InvalidStateError', 'The interface is not claimed.');
    const bytes = pending.length ? pending.shift() : await new Promise((resolve, reject) => {
      waiters.push(resolve);
      device.__rejectWaiters = () => reject(gone());
    });
    log.push({ dir: 'in', hex: hex(bytes) });
    return new USBInTransferResult('ok', new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, length)));
  });

  const listeners = { connect: new Set(), disconnect: new Set() };
  const usb = {
    onconnect: null,
    ondisconnect: null,
    getDevices: async () => (unplugged ? [] : [device]),
    requestDevice: async () => {
      if (unplugged) throw domException('NotFoundError', 'No device selected.');
      return device;
    },
    addEventListener: (type, fn) => listeners[type]?.add(fn),
    removeEventListener: (type, fn) => listeners[type]?.delete(fn),
  };
  Object.defineProperty(navigator, 'usb', { value: usb, configurable: true });

  const control = {
    reader,
    readerKind,
    device,
    log,
    insertCard: (index) => reader.insert_card(index),
    removeCard: () => reader.remove_card(),
    unplug: () => {
      unplugged = true;
      device.__rejectWaiters?.();
      const event = Object.assign(new Event('disconnect'), { device });
      for (const fn of listeners.disconnect) fn(event);
      usb.ondisconnect?.(event);
    },
  };
  window.onshiVirtualUsb = control;
  return control;
}
