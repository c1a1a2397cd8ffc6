/* Clientside callbacks of the shell: they run in the browser only, so no server round trip. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  platform: {
    /* Market time is EST all year (UTC-5); local time is Eastern Prevailing Time. */
    clock: function () {
      const now = new Date();
      const est = new Date(now.getTime() - 5 * 3600 * 1000);
      const pad = (n) => String(n).padStart(2, "0");
      const market = `${est.getUTCFullYear()}-${pad(est.getUTCMonth() + 1)}-${pad(est.getUTCDate())} ` +
        `${pad(est.getUTCHours())}:${pad(est.getUTCMinutes())}:${pad(est.getUTCSeconds())}`;
      const parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: "America/Toronto", hour: "2-digit", minute: "2-digit", second: "2-digit",
        hourCycle: "h23", timeZoneName: "short",
      }).formatToParts(now);
      const get = (t) => (parts.find((p) => p.type === t) || {}).value || "";
      const local = `${get("hour")}:${get("minute")}:${get("second")}`;
      return [market, local, get("timeZoneName")];
    },
    applyTheme: function (theme) {
      document.documentElement.setAttribute("data-bs-theme", theme === "dark" ? "dark" : "light");
      return theme === "dark" ? "bi bi-sun" : "bi bi-moon-stars";
    },
    toggleTheme: function (n, theme) {
      if (!n) { return window.dash_clientside.no_update; }
      return theme === "dark" ? "light" : "dark";
    },
  },
});

/* Wall-display mode: dark high-contrast theme, no controls, keep the screen awake, and
   optionally rotate through a configured list of pages. */
window.dash_clientside.platform.wall = function (enabled, rotation) {
  const body = document.body;
  if (!enabled) {
    body.classList.remove("wall");
    return window.dash_clientside.no_update;
  }
  body.classList.add("wall");
  document.documentElement.setAttribute("data-bs-theme", "dark");
  const keepAwake = async () => {
    try {
      if ("wakeLock" in navigator && document.visibilityState === "visible") {
        window.__tdWakeLock = await navigator.wakeLock.request("screen");
      }
    } catch (e) { /* not granted (e.g. headless or no user gesture): the display's own settings apply */ }
  };
  if (!window.__tdWakeWired) {
    window.__tdWakeWired = true;
    document.addEventListener("visibilitychange", keepAwake);
    keepAwake();
  }
  if (rotation && rotation.pages && rotation.pages.length > 1 && !window.__tdRotate) {
    window.__tdRotate = setInterval(function () {
      const pages = rotation.pages;
      const here = pages.indexOf(window.location.pathname);
      const next = pages[(here + 1) % pages.length];
      window.location.assign(next + "?wall=1");
    }, Math.max(10, rotation.seconds || 60) * 1000);
  }
  return "on";
};
