// The demo's card controls: take the virtual card out of the reader and place one (the same or another demo card),
// as a person does with a real card, so that the kiosk's "place your card", "card taken out" and "take your card"
// paths can be tried in the demo. Rendered only by the virtual reader module (this directory), which demo and test
// builds ship and production bundles (`cargo xtask iwa`) leave out, so no production page carries it.
//
// The panel is plain DOM built with `textContent` (no markup strings, no inline styles: the page's
// Content-Security-Policy allows only its own scripts and styles), styled by `demo-controls.css` beside it, and
// placed after the kiosk's app in the page flow, so that it never covers one of the kiosk's own controls. Its texts
// follow the kiosk's language (`<html lang>`), in the kiosk's five languages.

const TEXTS = {
  ja: {
    heading: 'デモ用の仮想カード',
    inReader: (label) => `リーダーにあるカード：${label}`,
    empty: 'リーダーにカードはありません',
    pick: '置くカード',
    remove: 'カードを取り出す',
    insert: 'カードを置く',
    textPinBlocked: '券面事項入力補助用の暗証番号がロックされたカードとして置く',
  },
  en: {
    heading: 'Demo: the virtual card',
    inReader: (label) => `Card on the reader: ${label}`,
    empty: 'No card on the reader',
    pick: 'Card to place',
    remove: 'Take the card out',
    insert: 'Place the card',
    textPinBlocked: 'Place it with its 券面事項入力補助 PIN (the one the 申立書 form reads with) locked',
  },
  'zh-Hans': {
    heading: '演示用虚拟卡',
    inReader: (label) => `读卡器上的卡：${label}`,
    empty: '读卡器上没有卡',
    pick: '要放置的卡',
    remove: '取出卡',
    insert: '放置卡',
    textPinBlocked: '作为券面事项输入辅助用密码已锁定的卡放置',
  },
  ko: {
    heading: '데모용 가상 카드',
    inReader: (label) => `리더기에 있는 카드: ${label}`,
    empty: '리더기에 카드가 없습니다',
    pick: '올려놓을 카드',
    remove: '카드 꺼내기',
    insert: '카드 올려놓기',
    textPinBlocked: '권면사항 입력보조용 비밀번호가 잠긴 카드로 올려놓기',
  },
  vi: {
    heading: 'Thẻ ảo dùng cho bản demo',
    inReader: (label) => `Thẻ trên đầu đọc: ${label}`,
    empty: 'Không có thẻ trên đầu đọc',
    pick: 'Thẻ sẽ đặt',
    remove: 'Lấy thẻ ra',
    insert: 'Đặt thẻ',
    textPinBlocked: 'Đặt thẻ như thẻ đã bị khóa mã PIN hỗ trợ nhập thông tin mặt thẻ',
  },
};

/** The panel's languages, as the kiosk names them. */
export const DEMO_CONTROL_LANGS = Object.keys(TEXTS);

let shown = null; // { panel, observer } of the panel on the page, if any

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function ensureStylesheet() {
  const href = new URL('./demo-controls.css', import.meta.url).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((link) => link.href === href)) return;
  document.head.append(element('link', { rel: 'stylesheet', href }));
}

/**
 * Shows the card controls for the virtual reader `control` (the object `installVirtualUsb` returns) holding one of
 * the demo cards named `labels`. A reader installed again (the kiosk's 「仮想カードリーダーで試す」 makes a new one)
 * replaces the panel of the old one.
 */
export function showDemoCardControls(control, labels) {
  removeDemoCardControls();
  const heading = element('h2', { id: 'demo-card-heading' });
  const state = element('p', { id: 'demo-card-state', role: 'status' });
  const pickLabel = element('label', { for: 'demo-card-pick' });
  const pick = element('select', { id: 'demo-card-pick' },
    labels.map((label, index) => element('option', { value: String(index), lang: 'ja', text: label })));
  const remove = element('button', { type: 'button', id: 'demo-card-remove' });
  const insert = element('button', { type: 'button', id: 'demo-card-insert' });
  // The 申立書 capture's paper-form path without three wrong PINs first: the card comes with that PIN locked.
  const textPinBlocked = element('input', { type: 'checkbox', id: 'demo-card-text-pin-blocked' });
  const textPinBlockedLabel = element('label', { for: 'demo-card-text-pin-blocked' });
  const attributes = { id: 'demo-card-controls', class: 'demo-card', 'aria-labelledby': 'demo-card-heading' };
  const panel = element('aside', attributes, [
    heading,
    state,
    element('div', { class: 'demo-card-row' }, [
      remove,
      element('div', { class: 'demo-card-pick' }, [pickLabel, pick]),
      insert,
    ]),
    element('div', { class: 'demo-card-option' }, [textPinBlocked, textPinBlockedLabel]),
  ]);

  const render = () => {
    const lang = document.documentElement.lang in TEXTS ? document.documentElement.lang : 'ja';
    const texts = TEXTS[lang];
    panel.setAttribute('lang', lang);
    heading.textContent = texts.heading;
    const index = control.cardIndex;
    state.textContent = index === null ? texts.empty : texts.inReader(labels[index] ?? String(index));
    pickLabel.textContent = texts.pick;
    remove.textContent = texts.remove;
    insert.textContent = texts.insert;
    textPinBlockedLabel.textContent = texts.textPinBlocked;
    remove.disabled = index === null;
    insert.disabled = index !== null;
    if (index !== null) pick.value = String(index);
  };
  // The button just pressed becomes disabled; focus moves to the other one, so a keyboard user is not dropped.
  remove.addEventListener('click', () => {
    control.removeCard();
    insert.focus();
  });
  insert.addEventListener('click', () => {
    control.insertCard(Number(pick.value), { textPinBlocked: textPinBlocked.checked });
    remove.focus();
  });
  control.oncardchange = render;
  const observer = new MutationObserver(render);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  render();
  // After the kiosk's app, in the flow of the page: below the kiosk's own controls at every screen size.
  const place = () => {
    ensureStylesheet();
    (document.getElementById('app') ?? document.body.lastElementChild).after(panel);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', place, { once: true });
  else place();
  shown = { panel, observer };
  return panel;
}

/** Takes the panel off the page. */
export function removeDemoCardControls() {
  shown?.observer.disconnect();
  shown?.panel.remove();
  shown = null;
}
