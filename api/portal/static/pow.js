/* Proof of work for the public allegation form (举报): no third-party CAPTCHA, no network
   requests. Finds a counter such that SHA-256 of "<challenge>:<counter>" starts with the
   server's number of zero bits, using the browser's Web Crypto. Also checks attachment
   sizes before anything is sent, so an oversized file is refused at once with a message. */
(function () {
  "use strict";
  var form = document.getElementById("allegation-form");
  if (!form) { return; }
  var status = document.getElementById("pow-status");
  var button = form.querySelector("button[type=submit]");
  var token = form.elements.challenge.value;
  var bits = parseInt(form.getAttribute("data-bits"), 10);
  var encoder = new TextEncoder();

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "alert" : "hint";
  }

  function zeroBits(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      if (b === 0) { count += 8; continue; }
      while ((b & 0x80) === 0) { count += 1; b <<= 1; }
      break;
    }
    return count;
  }

  async function solve() {
    for (var counter = 0; ; counter++) {
      var data = encoder.encode(token + ":" + counter);
      var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      if (zeroBits(digest) >= bits) { return String(counter); }
    }
  }

  var work;
  if (window.crypto && window.crypto.subtle) {
    say("正在进行防滥用验证… Running the anti-abuse check…", false);
    work = solve();
    work.then(function () { say("验证已完成，可以提交 Check done; you can submit", false); });
  } else {
    work = Promise.reject(new Error("no Web Crypto"));
    say("浏览器不支持所需的验证（需要 HTTPS） This browser cannot run the check (HTTPS is needed)", true);
  }

  function filesProblem() {
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10);
    var input = form.elements.attachment;
    var files = input && input.files ? input.files : [];
    if (files.length > maxFiles) {
      return "附件最多 " + maxFiles + " 个 At most " + maxFiles + " attachments";
    }
    var total = 0;
    for (var i = 0; i < files.length; i++) {
      total += files[i].size;
      if (files[i].size === 0) {
        return "附件为空：" + files[i].name + " Empty attachment: " + files[i].name;
      }
    }
    if (total > maxBytes - 65536) {
      var mb = Math.floor(maxBytes / 1048576);
      return "附件过大（合计不超过 " + mb + " MB） Attachments too large (at most " + mb + " MB in all)";
    }
    return "";
  }

  form.addEventListener("submit", function (event) {
    var problem = filesProblem();
    if (problem) {
      event.preventDefault();
      say(problem, true);
      return;
    }
    if (form.elements.counter.value) { return; }
    event.preventDefault();
    button.disabled = true;
    say("正在完成验证，请稍候… Finishing the check, please wait…", false);
    work.then(function (counter) {
      form.elements.counter.value = counter;
      form.submit();
    }, function () {
      button.disabled = false;
      say("无法完成验证 The check could not be completed", true);
    });
  });
})();
