"""Signing in with Discord, Google and GitHub over HTTP (httpx, and PyJWT for Google's
id_token).

Import from the modules: `registration` (what the settings read) loads no HTTP client, and a
process loads `gateway` (httpx) only when it builds one.
"""
