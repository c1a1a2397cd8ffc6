/* Audible conflict alert: a short beep (Web Audio API, no audio file) when NEW alarm-severity alerts increase.
   Muting is kept in localStorage; browsers may refuse to start audio before a user gesture: that is quiet. */
(function () {
  const MUTE_KEY = "td-conflict-alert-muted";
  const COUNT_KEY = "td-conflict-alarm-count";
  let context = null;

  function muted() {
    try { return window.localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }

  function beep() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      context = context || new Ctx();
      const play = function () {
        const osc = context.createOscillator();
        const gain = context.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, context.currentTime);
        gain.gain.exponentialRampToValueAtTime(0.2, context.currentTime + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
        osc.connect(gain).connect(context.destination);
        osc.start();
        osc.stop(context.currentTime + 0.4);
      };
      if (context.state === "suspended") {
        const resumed = context.resume();
        if (resumed && typeof resumed.then === "function") {
          resumed.then(play).catch(function () { /* autoplay blocked until a user gesture */ });
          return;
        }
      }
      play();
    } catch (e) { /* no audio on this device */ }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    alerts: {
      /* Beeps when the number of new alarm-severity alerts went up since the last value this browser saw. */
      onCount: function (count) {
        if (typeof count !== "number") { return window.dash_clientside.no_update; }
        let previous = null;
        try { previous = window.sessionStorage.getItem(COUNT_KEY); } catch (e) { previous = null; }
        try { window.sessionStorage.setItem(COUNT_KEY, String(count)); } catch (e) { /* private mode */ }
        const before = previous === null ? 0 : Number(previous);
        if (count > before && !muted()) { beep(); return "beep " + count; }
        return String(count);
      },
      toggleMute: function (n) {
        let now = muted();
        if (n) {
          now = !now;
          try { window.localStorage.setItem(MUTE_KEY, now ? "1" : "0"); } catch (e) { /* private mode */ }
        }
        return now ? "bi bi-volume-mute" : "bi bi-volume-up";
      },
    },
  });
})();
