// ketnap: a little progressive enhancement; every page works without it.
"use strict";

// The new-source form: check the citizen id and look for people already on file while
// the officer types. The server does the same checks again when the form is sent.
function sourceCheck(form) {
  const url = form.dataset.checkUrl;
  const idBox = document.getElementById("citizen_id-check");
  const dupBox = document.getElementById("duplicates-check");
  if (!url || !idBox || !dupBox) return;
  const names = ["citizen_id", "sex", "birth_date", "family_name", "middle_name", "given_name"];
  const fields = names.map((name) => form.elements.namedItem(name)).filter(Boolean);
  let timer = null;
  let latest = 0;

  function show(box, kind, build) {
    box.className = "live-check" + (kind ? " " + kind : "");
    box.replaceChildren();
    build(box);
  }

  function render(answer) {
    const verdict = answer.citizen_id || {};
    if (verdict.status === "empty" || !verdict.message) {
      show(idBox, "", () => {});
    } else {
      show(idBox, verdict.status === "ok" ? "ok" : "bad", (box) => {
        box.textContent = verdict.message + (verdict.rule ? " (quy định: " + verdict.rule + ")" : "");
      });
    }
    const dupes = Array.isArray(answer.duplicates) ? answer.duplicates : [];
    if (dupes.length === 0) {
      show(dupBox, "", () => {});
      return;
    }
    show(dupBox, "warn", (box) => {
      const p = document.createElement("p");
      p.textContent = "Có thể người này đã có hồ sơ — hãy kiểm tra trước khi lưu:";
      box.append(p);
      const list = document.createElement("ul");
      for (const d of dupes) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = d.href;
        link.textContent = d.name;
        item.append(link, ", sinh " + d.birth + (d.same_citizen_id ? " — cùng số CCCD" : " — cùng họ tên và ngày sinh"));
        list.append(item);
      }
      box.append(list);
    });
  }

  async function run() {
    const params = new URLSearchParams();
    for (const field of fields) params.set(field.name, field.value);
    const ticket = ++latest;
    try {
      // POST, so the CCCD and the name never stand in a URL (proxies log URLs).
      const csrf = form.elements.namedItem("csrf");
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
        body: params,
        cache: "no-store",
      });
      if (!response.ok) return;
      const answer = await response.json();
      // An older answer arriving late must not overwrite a newer one.
      if (ticket === latest) render(answer);
    } catch (_) {
      // Offline or signed out: the server checks again when the form is sent.
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 400);
  }

  for (const field of fields) {
    field.addEventListener("input", schedule);
    field.addEventListener("change", schedule);
  }
  if (fields.some((f) => f.value.trim() !== "")) schedule();
}

// The spreadsheet upload: a progress bar while a large file travels, then the review page
// the server answers with. Without this script the form posts the ordinary way.
function importProgress(form) {
  const bar = document.getElementById("import-progress");
  const text = document.getElementById("import-progress-text");
  if (!bar || !text || !window.FormData) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      text.textContent = "Đang tải lên: " + percent + " %";
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value");
      text.textContent = "Đã tải lên. Đang đọc và kiểm tra từng dòng…";
    });
    xhr.addEventListener("load", () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (xhr.responseURL) window.history.replaceState(null, "", xhr.responseURL);
    });
    xhr.addEventListener("error", () => {
      text.textContent = "Mất kết nối khi tải lên. Hãy thử lại.";
      bar.hidden = true;
    });
    xhr.send(new FormData(form));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const upload = document.getElementById("import-form");
  if (upload) importProgress(upload);

  // Confirm buttons that close a case (withdraw, strike off …).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  const source = document.getElementById("source-form");
  if (source) sourceCheck(source);

  // A form sent back with mistakes: bring its summary into view for keyboard and reader users.
  const summary = document.getElementById("form-errors") || document.getElementById("duplicates");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
