//! The idle clock and the timers a touch extends: the warning and reset of an abandoned kiosk
//! ([`crate::state::idle_phase`] decides the phase), and the clearing of a finished check-in's personal data once
//! the card has left the reader.
//!
//! Must not: decide the phases itself (the pure policy in [`crate::state`] does); keep anything of the person.

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;

use crate::hooks::use_check_in::CheckInHandle;
use crate::state::{CLEAR_AFTER_CARD_TAKEN_SECS, IdlePhase, idle_phase};

/// Milliseconds since the Unix epoch, from the page's clock (which tests may drive with a fake clock).
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The idle clock: when someone last touched the kiosk and what time it is now, both from the page clock.
#[derive(Clone, Copy, Debug, PartialEq)]
struct IdleClock {
    last_touch_ms: f64,
    now_ms: f64,
}

/// What moves the idle clock.
enum IdleEvent {
    /// A touch or key press (or a screen change): the person is here.
    Touch(f64),
    /// A second passed.
    Tick(f64),
}

impl Reducible for IdleClock {
    type Action = IdleEvent;
    fn reduce(self: Rc<Self>, event: IdleEvent) -> Rc<Self> {
        match event {
            IdleEvent::Touch(now_ms) => Rc::new(IdleClock { last_touch_ms: now_ms, now_ms }),
            IdleEvent::Tick(now_ms) => {
                let next = IdleClock { last_touch_ms: self.last_touch_ms, now_ms };
                // Keeping the same value when the phase does not change spares a re-render every second.
                if next.phase() == self.phase() { self } else { Rc::new(next) }
            }
        }
    }
}

impl IdleClock {
    fn phase(&self) -> IdlePhase {
        let idle_ms = (self.now_ms - self.last_touch_ms).max(0.0);
        // Whole seconds; the value is bounded by the page's uptime, far below u32::MAX seconds.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let idle_secs = (idle_ms / 1_000.0) as u32;
        idle_phase(idle_secs)
    }
}

/// The idle state the app shows: the phase now, and the touch that gives the person the full time again.
#[derive(Clone, Debug, PartialEq)]
pub struct Idle {
    /// Where the idle policy stands ([`IdlePhase::Active`] while the clock does not run).
    pub phase: IdlePhase,
    /// A touch or key press anywhere on the kiosk.
    pub touch: Callback<()>,
}

/// The idle clock of the kiosk showing `page`. It runs only while `counts` (not on an untouched start screen,
/// not while the person waits for the kiosk); every new page counts as a touch. When it expires, and when a
/// finished check-in (`clears_soon`) has been left alone long enough, `start_over` runs, unless the person started
/// over first (the check-in's run moved on).
#[hook]
pub fn use_idle(
    counts: bool,
    page: &'static str,
    clears_soon: bool,
    check_in: &CheckInHandle,
    start_over: Callback<()>,
) -> Idle {
    let idle = use_reducer(|| IdleClock { last_touch_ms: now_ms(), now_ms: now_ms() });
    let idle_counts = use_mut_ref(|| false);
    *idle_counts.borrow_mut() = counts;
    // When the person last touched the kiosk, for the timers a touch extends.
    let last_touch_ms = use_mut_ref(now_ms);
    {
        let idle = idle.clone();
        let idle_counts = idle_counts.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                loop {
                    TimeoutFuture::new(1_000).await;
                    // While the clock does not run nothing is dispatched; every way back to a counted screen
                    // (a screen change, a touch) restarts it from a fresh touch.
                    if *idle_counts.borrow() {
                        idle.dispatch(IdleEvent::Tick(now_ms()));
                    }
                }
            });
        });
    }
    {
        let idle = idle.clone();
        use_effect_with(page, move |_| idle.dispatch(IdleEvent::Touch(now_ms())));
    }
    {
        // Personal data leaves the screen soon after the check-in is complete and the card has left the reader,
        // unless someone started over first. Every touch on the screen gives the person the full time again.
        let start_over = start_over.clone();
        let check_in = check_in.clone();
        let last_touch_ms = last_touch_ms.clone();
        use_effect_with(clears_soon, move |clears| {
            if *clears {
                // Starting over (or a new check-in) moves the run on, which calls this timer off.
                let started = check_in.run();
                let since_ms = now_ms();
                wasm_bindgen_futures::spawn_local(async move {
                    loop {
                        let from_ms = since_ms.max(*last_touch_ms.borrow());
                        let left_ms = from_ms + f64::from(CLEAR_AFTER_CARD_TAKEN_SECS) * 1_000.0 - now_ms();
                        if left_ms <= 0.0 {
                            break;
                        }
                        // Whole milliseconds of a wait of at most a few seconds.
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        TimeoutFuture::new(left_ms.ceil() as u32).await;
                        if check_in.run() != started {
                            return;
                        }
                    }
                    start_over.emit(());
                });
            }
        });
    }
    let phase = if counts { idle.phase() } else { IdlePhase::Active };
    use_effect_with(phase == IdlePhase::Expired, move |expired| {
        if *expired {
            start_over.emit(());
        }
    });
    // The warning takes focus, so a keyboard or switch user can extend at once.
    use_effect_with(matches!(phase, IdlePhase::Warning { .. }), |shown| {
        if *shown {
            onshi_web::page::focus("idle-extend");
        }
    });
    let touch = {
        let idle = idle.clone();
        Callback::from(move |()| {
            let now = now_ms();
            *last_touch_ms.borrow_mut() = now;
            idle.dispatch(IdleEvent::Touch(now));
        })
    };
    Idle { phase, touch }
}
