// ==UserScript==
// @name         Hello ScriptHub
// @namespace    https://example.com/ada
// @version      1.1
// @description  Greets you on example.com with the greeting of the day
// @match        https://example.com/*
// @grant        GM_xmlhttpRequest
// @connect      example.org
// ==/UserScript==

GM_xmlhttpRequest({
  method: "GET",
  url: "https://example.org/",
  onload: (response) => console.log("Hello from ScriptHub:", response.status),
});
