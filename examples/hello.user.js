// ==UserScript==
// @name         Hello ScriptHub
// @namespace    https://example.com/ada
// @version      1.0
// @description  Greets you on example.com
// @match        https://example.com/*
// @grant        none
// ==/UserScript==

console.log("Hello from ScriptHub");
