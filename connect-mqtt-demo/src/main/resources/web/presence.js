// The device presence panel: polls the demo's /presence.json (the latest record of every device on the compacted
// presence topic) every two seconds.
(function () {
  'use strict';
  const body = document.getElementById('presence');
  const count = document.getElementById('presence-count');

  function cell(row, value, className) {
    const td = row.insertCell();
    td.textContent = value;
    if (className) td.className = className;
  }

  async function refresh() {
    try {
      const devices = await (await fetch('presence.json')).json();
      body.replaceChildren();
      for (const device of devices) {
        const row = body.insertRow();
        row.dataset.device = device.device;
        cell(row, device.device);
        cell(row, device.state, 'state-' + device.state);
        cell(row, device.reason);
        cell(row, new Date(device.timestamp).toLocaleTimeString());
      }
      const online = devices.filter((d) => d.state === 'online').length;
      count.textContent = `(${online} online, ${devices.length - online} offline)`;
    } catch (e) {
      count.textContent = '(demo not reachable)';
    }
  }

  refresh();
  setInterval(refresh, 2000);
})();
