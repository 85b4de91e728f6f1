/*
 * Fila dashboard. Vanilla JavaScript, no dependency, no build step.
 *
 * Every value from the server is untrusted (fairness keys, errors and config values are anyone's
 * input): it reaches the DOM through textContent, element properties and dataset only, never
 * as markup.
 */
(function () {
  'use strict';

  var REFRESH_MS = 2000;
  var HIDDEN_REFRESH_MS = 10000;
  var CHART_WINDOW_MS = 5 * 60 * 1000;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var root = document.getElementById('fila-dashboard');
  if (!root) {
    return;
  }
  var base = root.dataset.base || '';
  var readOnly = root.dataset.readOnly !== 'false';
  var csrfHeader = metaContent('fila-csrf-header');
  var csrfToken = metaContent('fila-csrf-token');

  var state = {
    selected: null,
    overview: null,
    detail: null,
    deadLetters: null,
    timer: null,
    refreshing: false,
    again: false
  };

  // ---------------------------------------------------------------- helpers

  function metaContent(name) {
    var meta = document.querySelector('meta[name="' + name + '"]');
    return meta ? meta.getAttribute('content') : null;
  }

  /** An element; options: cls, text, data (dataset), props (element properties), attrs (static attribute names only). */
  function el(tag, options, children) {
    var node = document.createElement(tag);
    applyOptions(node, options || {});
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(child);
      }
    });
    return node;
  }

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, String(attrs[name]));
    });
    if (text != null) {
      node.textContent = String(text);
    }
    return node;
  }

  function applyOptions(node, options) {
    if (options.cls) {
      node.className = options.cls;
    }
    if (options.text != null) {
      node.textContent = String(options.text);
    }
    Object.keys(options.data || {}).forEach(function (name) {
      node.dataset[name] = String(options.data[name]);
    });
    Object.keys(options.props || {}).forEach(function (name) {
      node[name] = options.props[name];
    });
    Object.keys(options.attrs || {}).forEach(function (name) {
      node.setAttribute(name, String(options.attrs[name]));
    });
  }

  function setText(node, value) {
    var text = (value == null) ? '' : String(value);
    if (node.textContent !== text) {
      node.textContent = text;
    }
  }

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function td(name, cls) {
    return el('td', { cls: cls, data: { field: name } });
  }

  function fmtCount(value) {
    return (value == null) ? '—' : String(value);
  }

  function fmtRate(value) {
    if (value == null) {
      return '—';
    }
    return (value >= 100) ? String(Math.round(value)) : value.toFixed(1);
  }

  function fmtPercent(value) {
    return (value == null) ? '—' : Number(value).toFixed(1) + '%';
  }

  function fmtNumber(value) {
    if (value == null) {
      return '—';
    }
    return (Math.round(value * 1000) / 1000).toString();
  }

  function fmtAge(millis) {
    if (millis == null) {
      return '—';
    }
    var seconds = millis / 1000;
    if (seconds < 60) {
      return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s';
    }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return minutes + ' min ' + Math.floor(seconds % 60) + ' s';
    }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) {
      return hours + ' h ' + (minutes % 60) + ' min';
    }
    return Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
  }

  function fmtTime(epochMillis) {
    var date = new Date(epochMillis);
    return date.toLocaleTimeString();
  }

  function clip(text, length) {
    text = String(text);
    return (text.length > length) ? text.slice(0, length) + '…' : text;
  }

  function lastRate(rates) {
    return (rates && rates.length) ? rates[rates.length - 1] : null;
  }

  /**
   * Keeps a table body's rows in the order of items, one row per id (found by comparing the
   * dataset value, never through a selector built from data), creating and removing rows as
   * needed, and updating them in place so that a form being typed into survives a refresh.
   */
  function syncRows(tbody, items, idOf, dataName, create, update) {
    // While someone types in a row's form, rows are neither moved nor is that row removed.
    var focused = document.activeElement;
    var typing = !!focused && focused.tagName === 'INPUT' && tbody.contains(focused);
    var existing = new Map();
    Array.prototype.forEach.call(tbody.rows, function (row) {
      existing.set(row.dataset[dataName], row);
    });
    items.forEach(function (item, index) {
      var id = idOf(item);
      var row = existing.get(id);
      if (row) {
        existing.delete(id);
      }
      else {
        row = create(item);
        row.dataset[dataName] = id;
        if (typing) {
          tbody.appendChild(row);
        }
      }
      update(row, item);
      if (!typing && tbody.rows[index] !== row) {
        tbody.insertBefore(row, tbody.rows[index] || null);
      }
    });
    existing.forEach(function (row) {
      if (!(typing && row.contains(focused))) {
        row.remove();
      }
    });
  }

  // ---------------------------------------------------------------- HTTP

  function HttpError(status, message) {
    this.status = status;
    this.message = message;
  }

  function errorOf(response) {
    return response.text().then(function (text) {
      var message = 'HTTP ' + response.status;
      try {
        var body = JSON.parse(text);
        if (body && typeof body.error === 'string') {
          message = body.error;
        }
      }
      catch (ignored) {
        // Not JSON (a login page, a proxy's error): the status says enough.
      }
      throw new HttpError(response.status, message);
    });
  }

  function getJson(path) {
    return fetch(base + path, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Accept': 'application/json' }
    }).then(function (response) {
      return response.ok ? response.json() : errorOf(response);
    });
  }

  function postJson(path, body) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    if (csrfHeader && csrfToken) {
      headers[csrfHeader] = csrfToken;
    }
    return fetch(base + path, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: headers,
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.ok ? response.json() : errorOf(response);
    });
  }

  function queuePath(queue) {
    return '/api/queues/' + encodeURIComponent(queue);
  }

  // ---------------------------------------------------------------- messages

  function say(text, isError) {
    var box = document.getElementById('messages');
    var message = el('p', { cls: isError ? 'message error' : 'message', text: clip(text, 500) });
    box.appendChild(message);
    while (box.childNodes.length > 4) {
      box.removeChild(box.firstChild);
    }
    setTimeout(function () {
      message.remove();
    }, isError ? 10000 : 5000);
  }

  function setStatus(text, isError) {
    var status = document.getElementById('status');
    setText(status, text);
    status.classList.toggle('error', !!isError);
  }

  // ---------------------------------------------------------------- actions

  /** Runs an action from a button or form, then refreshes at once. */
  function act(control, path, body, done) {
    if (readOnly) {
      return;
    }
    control.disabled = true;
    postJson(path, body).then(function (result) {
      say(done(result), false);
    }, function (error) {
      say(error.message || String(error), true);
    }).then(function () {
      control.disabled = false;
      refreshSoon();
    });
  }

  function queueAction(control, queue, body, done) {
    act(control, queuePath(queue) + '/actions', body, done);
  }

  function actionButton(action, label, onClick) {
    var button = el('button', { cls: 'action', text: label, data: { action: action }, props: { type: 'button' } });
    button.addEventListener('click', function () {
      onClick(button);
    });
    return button;
  }

  function actionForm(action, label, inputProps, onSubmit) {
    var input = el('input', { props: inputProps });
    var submit = el('button', { text: label, props: { type: 'submit' } });
    var form = el('form', { cls: 'inline-form', data: { action: action } }, [input, submit]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      onSubmit(input, submit);
    });
    return form;
  }

  // ---------------------------------------------------------------- overview

  function renderOverview(overview) {
    var mode = document.getElementById('mode');
    setText(mode, overview.readOnly ? 'read-only' : 'actions enabled');
    mode.classList.toggle('writable', !overview.readOnly);

    var tbody = document.querySelector('#queue-table tbody');
    syncRows(tbody, overview.queues, function (queue) {
      return queue.name;
    }, 'queue', createQueueRow, updateQueueRow);
    document.getElementById('no-queues').hidden = overview.queues.length > 0;

    renderDrivers(overview.drivers);
    renderThrottles(overview.throttles);
    renderConfig(overview.config);
  }

  function createQueueRow(queue) {
    var link = el('a', { text: queue.name, props: { href: '#queue=' + encodeURIComponent(queue.name) } });
    var row = el('tr', { cls: 'clickable' }, [
      el('td', { data: { field: 'name' } }, [link]),
      td('driver'),
      td('pending', 'num'),
      td('inFlight', 'num'),
      td('delayed', 'num'),
      td('deadLettered', 'num'),
      td('consumers', 'num'),
      td('busyWorkers', 'num'),
      td('delivered', 'num'),
      td('failed', 'num'),
      td('state')
    ]);
    row.addEventListener('click', function (event) {
      if (event.target.closest('a')) {
        return;
      }
      select(row.dataset.queue);
    });
    return row;
  }

  function updateQueueRow(row, queue) {
    var rate = lastRate(queue.rates);
    setText(field(row, 'driver'), queue.driver);
    setText(field(row, 'pending'), fmtCount(queue.pending));
    setText(field(row, 'inFlight'), fmtCount(queue.inFlight));
    setText(field(row, 'delayed'), fmtCount(queue.delayed));
    setText(field(row, 'deadLettered'), queue.deadLetterQueue ? fmtCount(queue.deadLettered) : '—');
    setText(field(row, 'consumers'), queue.runningConsumers + (queue.consumers !== queue.runningConsumers
      ? ' / ' + queue.consumers : ''));
    setText(field(row, 'busyWorkers'), fmtCount(queue.busyWorkers));
    setText(field(row, 'delivered'), rate ? fmtRate(rate.delivered) : '—');
    setText(field(row, 'failed'), rate ? fmtRate(rate.failed) : '—');
    setText(field(row, 'state'), queue.paused ? 'paused' : 'active');
    field(row, 'state').className = queue.paused ? 'state paused' : 'state';
    row.classList.toggle('selected', row.dataset.queue === state.selected);
    row.classList.toggle('has-dead-letters', queue.deadLettered > 0);
  }

  function renderDrivers(drivers) {
    var box = document.getElementById('drivers');
    box.textContent = '';
    (drivers || []).forEach(function (driver) {
      var item = el('span', { cls: driver.error ? 'driver error' : 'driver' });
      item.appendChild(el('strong', { text: driver.name }));
      item.appendChild(document.createTextNode(' ' + driver.type + (driver.error ? ': ' + clip(driver.error, 300) : '')));
      box.appendChild(item);
    });
  }

  function renderThrottles(throttles) {
    var tbody = document.querySelector('#throttle-table tbody');
    syncRows(tbody, throttles, function (throttle) {
      return throttle.key;
    }, 'throttle', function (throttle) {
      return el('tr', {}, [
        el('td', { cls: 'key', text: throttle.key, data: { field: 'key' }, props: { title: clip(throttle.key, 1000) } }),
        td('rate', 'num'), td('burst', 'num'), td('available', 'num')
      ]);
    }, function (row, throttle) {
      setText(field(row, 'rate'), fmtNumber(throttle.rate));
      setText(field(row, 'burst'), fmtCount(throttle.burst));
      setText(field(row, 'available'), throttle.available == null ? '—' : fmtNumber(throttle.available));
      row.classList.toggle('exhausted', throttle.available != null && throttle.available < 1);
    });
    document.getElementById('no-throttles').hidden = throttles.length > 0;
    if (!readOnly && !document.querySelector('#throttles form')) {
      document.getElementById('throttles').appendChild(throttleForm());
    }
  }

  function throttleForm() {
    var key = el('input', { props: { name: 'key', placeholder: 'throttle key', required: true, maxLength: 1000 } });
    var rate = el('input', { props: { name: 'rate', type: 'number', min: '0', step: 'any', placeholder: 'rate /s', required: true } });
    var burst = el('input', { props: { name: 'burst', type: 'number', min: '1', step: '1', placeholder: 'burst' } });
    var submit = el('button', { text: 'Set throttle', props: { type: 'submit' } });
    var form = el('form', { cls: 'inline-form', data: { action: 'set-throttle' } }, [key, rate, burst, submit]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = { rate: Number(rate.value) };
      if (burst.value !== '') {
        body.burst = Number(burst.value);
      }
      var name = key.value;
      act(submit, '/api/throttles/' + encodeURIComponent(name), body, function (result) {
        return 'Throttle ' + name + ': ' + (result.value || 'set');
      });
    });
    return form;
  }

  function renderConfig(config) {
    var tbody = document.querySelector('#config-table tbody');
    syncRows(tbody, config, function (entry) {
      return entry.key;
    }, 'configKey', function (entry) {
      return el('tr', {}, [
        el('td', { cls: 'key', text: entry.key, data: { field: 'key' }, props: { title: clip(entry.key, 1000) } }),
        td('value', 'value')
      ]);
    }, function (row, entry) {
      var cell = field(row, 'value');
      setText(cell, clip(entry.value, 2000));
      cell.title = clip(entry.value, 1000);
    });
    document.getElementById('no-config').hidden = config.length > 0;
    if (!readOnly && !document.querySelector('#config form')) {
      document.getElementById('config').appendChild(configForm());
    }
  }

  function configForm() {
    var key = el('input', { props: { name: 'key', placeholder: 'key', required: true, maxLength: 1000 } });
    var value = el('input', { props: { name: 'value', placeholder: 'value' } });
    var submit = el('button', { text: 'Set config', props: { type: 'submit' } });
    var form = el('form', { cls: 'inline-form', data: { action: 'set-config' } }, [key, value, submit]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var name = key.value;
      act(submit, '/api/config/' + encodeURIComponent(name), { value: value.value }, function () {
        return 'Config ' + name + ' set';
      });
    });
    return form;
  }

  // ---------------------------------------------------------------- queue detail

  function select(queue) {
    var hash = queue == null ? '' : '#queue=' + encodeURIComponent(queue);
    if (location.hash !== hash) {
      if (queue == null) {
        history.replaceState(null, '', location.pathname + location.search);
        readHash();
      }
      else {
        location.hash = hash;
      }
    }
  }

  function readHash() {
    var hash = location.hash;
    var queue = null;
    if (hash.indexOf('#queue=') === 0) {
      try {
        queue = decodeURIComponent(hash.slice('#queue='.length));
      }
      catch (ignored) {
        queue = null;
      }
    }
    if (queue === '') {
      queue = null;
    }
    if (queue !== state.selected) {
      state.selected = queue;
      state.detail = null;
      state.deadLetters = null;
      renderDetailShell();
      refreshSoon();
    }
  }

  function renderDetailShell() {
    var slot = document.getElementById('detail-slot');
    slot.textContent = '';
    Array.prototype.forEach.call(document.querySelectorAll('#queue-table tbody tr'), function (row) {
      row.classList.toggle('selected', row.dataset.queue === state.selected);
    });
    if (state.selected == null) {
      return;
    }
    var queue = state.selected;
    var close = el('button', { cls: 'close', text: '×', props: { type: 'button', title: 'Close' } });
    close.addEventListener('click', function () {
      select(null);
    });
    var head = el('div', { cls: 'detail-head' }, [
      el('h2', {}, [document.createTextNode('Queue '), el('code', { text: queue })]),
      el('span', { cls: 'state', data: { field: 'state' } }),
      close
    ]);
    var summary = el('p', { cls: 'summary', props: { id: 'queue-summary' } });
    var actions = null;
    if (!readOnly) {
      actions = el('div', { cls: 'actions', props: { id: 'queue-actions' } }, [
        actionButton('pause-queue', 'Pause queue', function (button) {
          queueAction(button, queue, { action: 'pause' }, function () {
            return 'Paused ' + queue;
          });
        }),
        actionButton('resume-queue', 'Resume queue', function (button) {
          queueAction(button, queue, { action: 'resume' }, function () {
            return 'Resumed ' + queue;
          });
        }),
        actionButton('redrive', 'Redrive dead letters', function (button) {
          queueAction(button, queue, { action: 'redrive' }, function (result) {
            return 'Redrove ' + result.count + ' message(s) from ' + result.target;
          });
        }),
        actionButton('purge', 'Purge', function (button) {
          if (!window.confirm('Remove every pending and delayed message of ' + queue + '?')) {
            return;
          }
          queueAction(button, queue, { action: 'purge' }, function (result) {
            return 'Purged ' + result.count + ' message(s) from ' + queue;
          });
        })
      ]);
    }
    var chart = svgEl('svg', { id: 'rates-chart', viewBox: '0 0 900 220', role: 'img' });
    chart.appendChild(svgEl('title', {}, 'Delivered and failed per second in this instance, last 5 minutes'));
    var figure = el('figure', { cls: 'chart' }, [
      chart,
      el('figcaption', {}, [
        el('span', { cls: 'legend delivered', text: 'delivered/s' }),
        el('span', { cls: 'legend failed', text: 'failed/s' }),
        el('span', { cls: 'legend-note', text: 'this instance, last 5 minutes' })
      ])
    ]);
    var keyHead = ['Key', 'Pending', 'In flight', 'Delayed', 'Weight', 'Delivered vs entitled', 'Delivered',
      'Entitled', 'Oldest', 'Waits', 'State'];
    if (!readOnly) {
      keyHead.push('Actions');
    }
    var keyTable = el('table', { cls: 'grid keys', props: { id: 'key-table' } }, [
      el('thead', {}, [el('tr', {}, keyHead.map(function (name, index) {
        return el('th', { text: name, cls: (index >= 1 && index <= 4) || index === 6 || index === 7 ? 'num' : '',
          attrs: { scope: 'col' } });
      }))]),
      el('tbody')
    ]);
    var deadLetterTable = el('table', { cls: 'grid dead-letters', props: { id: 'dead-letter-table' } }, [
      el('thead', {}, [el('tr', {}, ['Id', 'Key', 'Attempts', 'Error', 'Source queue', 'Enqueued'].map(function (name) {
        return el('th', { text: name, attrs: { scope: 'col' } });
      }))]),
      el('tbody')
    ]);
    var section = el('section', { cls: 'panel detail', props: { id: 'queue-detail' }, data: { queue: queue } }, [
      head,
      summary,
      actions,
      figure,
      el('h3', { text: 'Fairness keys' }),
      el('p', { cls: 'hint', text: 'Top keys by backlog, then by deliveries. Delivered: share of this instance\'s '
        + 'deliveries of the queue over the last minute. Entitled: the share its weight gives it among the keys '
        + 'with a backlog.' }),
      el('div', { cls: 'scroll' }, [keyTable]),
      el('p', { cls: 'empty', props: { id: 'no-keys', hidden: true }, text: 'No key with messages.' }),
      el('p', { cls: 'note', props: { id: 'peek-note', hidden: true },
        text: 'This queue\'s driver cannot peek: oldest ages, throttles and priorities are not shown.' }),
      el('h3', {}, [document.createTextNode('Dead letters '), el('small', { props: { id: 'dead-letter-queue' } })]),
      el('div', { cls: 'scroll' }, [deadLetterTable]),
      el('p', { cls: 'empty', props: { id: 'no-dead-letters', hidden: true }, text: 'No dead letter.' })
    ]);
    slot.appendChild(section);
    drawChart([]);
  }

  function renderDetail(detail, deadLetters) {
    var section = document.getElementById('queue-detail');
    if (!section || section.dataset.queue !== detail.name) {
      return;
    }
    var stateCell = section.querySelector('.detail-head [data-field="state"]');
    setText(stateCell, detail.paused ? 'paused' : 'active');
    stateCell.className = detail.paused ? 'state paused' : 'state';
    setText(document.getElementById('queue-summary'), [
      detail.pending + ' pending',
      detail.inFlight + ' in flight',
      detail.delayed + ' delayed',
      detail.deadLetterQueue ? detail.deadLettered + ' dead letters' : 'no dead-letter queue',
      detail.fairnessKeys + (detail.fairnessKeys === 1 ? ' key with messages' : ' keys with messages'),
      detail.runningConsumers + ' of ' + detail.consumers + ' consumers running here, ' + detail.busyWorkers + ' busy',
      detail.deliveredInWindow + ' deliveries here in the last minute'
    ].join(' · '));
    if (!readOnly) {
      section.querySelector('[data-action="pause-queue"]').disabled = detail.paused;
      section.querySelector('[data-action="resume-queue"]').disabled = !detail.paused;
      var redrive = section.querySelector('[data-action="redrive"]');
      redrive.disabled = !(detail.deadLetterQueueView || detail.deadLettered > 0);
    }
    var tbody = section.querySelector('#key-table tbody');
    syncRows(tbody, detail.keys, function (key) {
      return key.key;
    }, 'key', function (key) {
      return createKeyRow(detail.name, key);
    }, updateKeyRow);
    document.getElementById('no-keys').hidden = detail.keys.length > 0;
    document.getElementById('peek-note').hidden = detail.peekSupported;
    renderDeadLetters(detail, deadLetters || []);
  }

  function createKeyRow(queue, key) {
    var name = key.key;
    var cells = [
      el('td', { cls: 'key', text: name, data: { field: 'key' }, props: { title: clip(name, 1000) } }),
      td('pending', 'num'),
      td('in-flight', 'num'),
      td('delayed', 'num'),
      td('weight', 'num'),
      el('td', { cls: 'bars', data: { field: 'share-bars' } }, [
        el('div', { cls: 'bar-track' }, [el('div', { cls: 'bar delivered' })]),
        el('div', { cls: 'bar-track' }, [el('div', { cls: 'bar entitled' })])
      ]),
      td('delivered-share', 'num'),
      td('entitled-share', 'num'),
      td('oldest-age', 'num'),
      td('waits', 'waits'),
      td('state')
    ];
    if (!readOnly) {
      cells.push(el('td', { data: { field: 'actions' } }, [el('div', { cls: 'row-actions' }, [
        actionButton('pause-key', 'Pause', function (button) {
          queueAction(button, queue, { action: 'pause', key: name }, function () {
            return 'Paused key ' + clip(name, 80);
          });
        }),
        actionButton('resume-key', 'Resume', function (button) {
          queueAction(button, queue, { action: 'resume', key: name }, function () {
            return 'Resumed key ' + clip(name, 80);
          });
        }),
        actionForm('set-weight', 'Weight', { type: 'number', min: '0', step: 'any', name: 'weight',
          title: 'Weight (0 removes the override)' }, function (input, submit) {
          queueAction(submit, queue, { action: 'weight', key: name, value: input.value }, function (result) {
            input.value = '';
            return 'Weight of ' + clip(name, 80) + ': ' + (result.value || 'override removed');
          });
        }),
        actionForm('set-max-in-flight', 'Limit', { type: 'number', min: '0', step: '1', name: 'max-in-flight',
          title: 'Most messages in flight (0 removes the limit)' }, function (input, submit) {
          queueAction(submit, queue, { action: 'max-in-flight', key: name, value: input.value }, function (result) {
            input.value = '';
            return 'In-flight limit of ' + clip(name, 80) + ': ' + (result.value || 'removed');
          });
        })
      ])]));
    }
    return el('tr', {}, cells);
  }

  function updateKeyRow(row, key) {
    setText(field(row, 'pending'), fmtCount(key.pending));
    setText(field(row, 'in-flight'), fmtCount(key.inFlight) + (key.maxInFlight > 0 ? ' / ' + key.maxInFlight : ''));
    setText(field(row, 'delayed'), fmtCount(key.delayed));
    setText(field(row, 'weight'), fmtNumber(key.weight));
    setText(field(row, 'delivered-share'), fmtPercent(key.deliveredShare));
    setText(field(row, 'entitled-share'), fmtPercent(key.entitledShare));
    setText(field(row, 'oldest-age'), fmtAge(key.oldestAgeMillis));
    setText(field(row, 'waits'), key.waits);
    setText(field(row, 'state'), key.paused ? 'paused' : 'active');
    field(row, 'state').className = key.paused ? 'state paused' : 'state';
    var delivered = row.querySelector('.bar.delivered');
    var entitled = row.querySelector('.bar.entitled');
    delivered.style.width = Math.max(0, Math.min(100, key.deliveredShare)) + '%';
    entitled.style.width = Math.max(0, Math.min(100, key.entitledShare)) + '%';
    delivered.parentNode.title = 'delivered ' + fmtPercent(key.deliveredShare) + ' (' + key.delivered
      + ' in the last minute)';
    entitled.parentNode.title = 'entitled ' + fmtPercent(key.entitledShare);
    row.classList.toggle('paused', key.paused);
    if (!readOnly) {
      row.querySelector('[data-action="pause-key"]').disabled = key.paused;
      row.querySelector('[data-action="resume-key"]').disabled = !key.paused;
      row.querySelector('[data-action="set-weight"] input').placeholder = fmtNumber(key.weight);
      row.querySelector('[data-action="set-max-in-flight"] input').placeholder = key.maxInFlight > 0
        ? String(key.maxInFlight) : '—';
    }
  }

  function renderDeadLetters(detail, deadLetters) {
    var queueName = document.getElementById('dead-letter-queue');
    setText(queueName, detail.deadLetterQueueView ? '' : (detail.deadLetterQueue
      ? '(' + detail.deadLetterQueue + ', oldest first)' : '(this queue has none)'));
    var tbody = document.querySelector('#dead-letter-table tbody');
    syncRows(tbody, deadLetters, function (message) {
      return message.id;
    }, 'message', function (message) {
      return el('tr', {}, [
        el('td', { cls: 'id', text: message.id, data: { field: 'id' } }),
        el('td', { cls: 'key', text: message.fairnessKey, data: { field: 'key' },
          props: { title: clip(message.fairnessKey, 1000) } }),
        el('td', { cls: 'num', text: message.attempts, data: { field: 'attempts' } }),
        el('td', { cls: 'error-text', text: message.error == null ? '—' : message.error, data: { field: 'error' } }),
        el('td', { text: message.sourceQueue, data: { field: 'source-queue' } }),
        el('td', { text: message.enqueuedAt, data: { field: 'enqueued-at' },
          props: { title: message.enqueuedAt } })
      ]);
    }, function () {
      // A dead letter does not change.
    });
    document.getElementById('no-dead-letters').hidden = deadLetters.length > 0
      || !(detail.deadLetterQueue || detail.deadLetterQueueView);
  }

  function drawChart(rates) {
    var chart = document.getElementById('rates-chart');
    if (!chart) {
      return;
    }
    while (chart.childNodes.length > 1) {
      chart.removeChild(chart.lastChild);
    }
    var width = 900;
    var height = 220;
    var left = 56;
    var right = 8;
    var top = 10;
    var bottom = 22;
    var now = Date.now();
    var last = lastRate(rates);
    var end = Math.max(now, last ? last.t : now);
    var start = end - CHART_WINDOW_MS;
    var max = 0;
    rates.forEach(function (rate) {
      max = Math.max(max, rate.delivered, rate.failed);
    });
    max = niceMax(max);
    function x(t) {
      return left + (width - left - right) * Math.max(0, (t - start)) / CHART_WINDOW_MS;
    }
    function y(value) {
      return top + (height - top - bottom) * (1 - value / max);
    }
    [0, 0.5, 1].forEach(function (fraction) {
      var value = max * fraction;
      chart.appendChild(svgEl('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), 'class': 'grid-line' }));
      chart.appendChild(svgEl('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', 'class': 'axis' },
        fmtAxis(value)));
    });
    chart.appendChild(svgEl('text', { x: left, y: height - 6, 'class': 'axis' }, '−5 min'));
    chart.appendChild(svgEl('text', { x: width - right, y: height - 6, 'text-anchor': 'end', 'class': 'axis' }, 'now'));
    var shown = rates.filter(function (rate) {
      return rate.t >= start;
    });
    if (shown.length === 0) {
      chart.appendChild(svgEl('text', { x: (left + width) / 2, y: height / 2, 'text-anchor': 'middle', 'class': 'axis' },
        'no deliveries sampled yet'));
      return;
    }
    ['delivered', 'failed'].forEach(function (series) {
      var points = shown.map(function (rate) {
        return x(rate.t).toFixed(1) + ',' + y(rate[series]).toFixed(1);
      }).join(' ');
      chart.appendChild(svgEl('polyline', { points: points, 'class': 'series ' + series }));
    });
  }

  function fmtAxis(value) {
    return (value >= 10 || value === 0) ? String(Math.round(value)) : value.toFixed(1);
  }

  function niceMax(value) {
    if (!(value > 0)) {
      return 1;
    }
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (value <= steps[i] * magnitude) {
        return steps[i] * magnitude;
      }
    }
    return 10 * magnitude;
  }

  function ratesOf(queue) {
    var overview = state.overview;
    if (!overview) {
      return [];
    }
    for (var i = 0; i < overview.queues.length; i++) {
      if (overview.queues[i].name === queue) {
        return overview.queues[i].rates || [];
      }
    }
    return [];
  }

  // ---------------------------------------------------------------- refresh loop

  function refresh() {
    if (state.refreshing) {
      state.again = true;
      return;
    }
    state.refreshing = true;
    clearTimeout(state.timer);
    var queue = state.selected;
    var reads = [getJson('/api/overview')];
    if (queue != null) {
      reads.push(getJson(queuePath(queue)));
      reads.push(getJson(queuePath(queue) + '/dead-letters').catch(function () {
        return [];
      }));
    }
    Promise.all(reads).then(function (results) {
      state.overview = results[0];
      renderOverview(results[0]);
      if (queue != null && queue === state.selected) {
        state.detail = results[1];
        renderDetail(results[1], results[2]);
        drawChart(ratesOf(queue));
      }
      setStatus('live · updated ' + fmtTime(results[0].generatedAt), false);
    }, function (error) {
      if (queue != null && error instanceof HttpError && error.status === 404 && queue === state.selected) {
        say('No queue ' + queue, true);
        select(null);
        return;
      }
      setStatus('cannot reach the server (' + (error.message || error) + '), retrying', true);
    }).then(function () {
      state.refreshing = false;
      if (state.again) {
        state.again = false;
        refresh();
        return;
      }
      state.timer = setTimeout(refresh, document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS);
    });
  }

  function refreshSoon() {
    clearTimeout(state.timer);
    state.timer = setTimeout(refresh, 0);
  }

  window.addEventListener('hashchange', readHash);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      refreshSoon();
    }
  });
  readHash();
  refresh();
}());
