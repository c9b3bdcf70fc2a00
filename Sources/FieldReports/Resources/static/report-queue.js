// Reports made without signal. The report form hands them here when the phone is offline: they are kept on the phone
// (IndexedDB) with the form's one-time key and the person who made them, and sent once the connection returns, from
// whichever page is open then. The server files a key once, so a send cut off half way and tried again cannot file the
// report twice. Loaded on every page (the field-reports module's manifest lists it).
(function () {
  "use strict";
  if (!("indexedDB" in window) || !window.fetch || !window.Promise) return;
  var WORDS = document.documentElement.lang === "vi" ? {
    saved: "Chưa có mạng: phản ánh đã được lưu trên máy này và sẽ tự gửi khi có kết nối.",
    sent: "Phản ánh lưu trên máy đã được gửi, mã ",
    refused: "Một phản ánh lưu trên máy không gửi được: ",
    photoType: "ảnh phải là JPEG, PNG hoặc WebP",
    photoSize: "mỗi ảnh tối đa ",
    photoCount: "tối đa số ảnh: "
  } : {
    saved: "No connection: the report is kept on this phone and will be sent when the connection returns.",
    sent: "A report kept on this phone has been sent, code ",
    refused: "A report kept on this phone could not be sent: ",
    photoType: "photos must be JPEG, PNG or WebP",
    photoSize: "each photo may be at most ",
    photoCount: "the most photos: "
  };
  var STORE = "reports";
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("hues-offline", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "draft" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
        transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function currentUser() { return document.body ? document.body.getAttribute("data-user") : null; }

  function megabytes(bytes) { return Math.floor(bytes / 1048576) + " MB"; }

  // The form's fields and photos, checked as the server would check the photos: a person is told now, not later.
  function collect(form) {
    var fields = [];
    var files = [];
    var maxBytes = Number(form.getAttribute("data-max-photo-bytes")) || 8388608;
    var maxPhotos = Number(form.getAttribute("data-max-photos")) || 3;
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { fields.push([name, value]); return; }
      if (!value.size) return;
      if (PHOTO_TYPES.indexOf(value.type) < 0) throw new Error(WORDS.photoType);
      if (value.size > maxBytes) throw new Error(WORDS.photoSize + megabytes(maxBytes));
      files.push({ name: name, blob: value, fileName: value.name || "photo" });
    });
    if (files.length > maxPhotos) throw new Error(WORDS.photoCount + maxPhotos);
    return { fields: fields, files: files };
  }

  function enqueue(form) {
    var draft = form.querySelector("input[name=draft]");
    var user = currentUser();
    if (!draft || !draft.value || !user) return Promise.reject(new Error("the form cannot be kept"));
    var content;
    try { content = collect(form); } catch (problem) { return Promise.reject(problem); }
    var item = { draft: draft.value, user: user, fields: content.fields, files: content.files, savedAt: Date.now() };
    return withStore("readwrite", function (store) { return store.put(item); }).then(function () {
      window.HuesStatus && HuesStatus.say(WORDS.saved);
    });
  }

  function all() { return withStore("readonly", function (store) { return store.getAll(); }); }
  function remove(draft) { return withStore("readwrite", function (store) { return store["delete"](draft); }); }

  // The reason a refused report gives: the error line of the form page the server answered with.
  function reason(response) {
    return response.text().then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var line = page.getElementById("form-error") || page.querySelector(".field-error, .error");
      return line ? line.textContent.trim() : String(response.status);
    });
  }

  function send(item) {
    var body = new FormData();
    // The session's current token, not the one the form had: the person may have signed in again since.
    var token = document.querySelector("input[name=_csrf]");
    item.fields.forEach(function (field) { body.append(field[0], field[0] === "_csrf" && token ? token.value : field[1]); });
    item.files.forEach(function (file) { body.append(file.name, file.blob, file.fileName); });
    return fetch("/reports/new", { method: "POST", body: body, credentials: "same-origin", redirect: "follow" }).then(function (response) {
      var filed = /^\/reports\/([0-9A-Za-z-]+)$/.exec(new URL(response.url).pathname);
      if (response.ok && filed && filed[1] !== "new") {
        return remove(item.draft).then(function () { window.HuesStatus && HuesStatus.say(WORDS.sent + filed[1]); });
      }
      // Only a report the server judged and refused (400, 422) is dropped, with its reason; a lapsed session (401,
      // 403), another person signed in (409), a full server (413, 429, 5xx) or no answer keep it for the next try.
      if (response.status === 400 || response.status === 422) {
        return reason(response).then(function (text) {
          return remove(item.draft).then(function () { window.HuesStatus && HuesStatus.say(WORDS.refused + text); });
        });
      }
    });
  }

  var sending = null;
  // Sends what the signed-in person kept, one report after another; a second call while sending waits for the first.
  function flush() {
    if (sending) return sending;
    var user = currentUser();
    if (!navigator.onLine || !user) return Promise.resolve();
    sending = all().then(function (items) {
      return items.filter(function (item) { return item.user === user; }).reduce(function (chain, item) {
        return chain.then(function () { return send(item); });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { sending = null; });
    return sending;
  }

  window.HuesReportQueue = {
    enqueue: enqueue,
    flush: flush,
    pending: function () { return all().then(function (items) { return items.length; }); }
  };
  window.addEventListener("online", flush);
  flush();
})();
