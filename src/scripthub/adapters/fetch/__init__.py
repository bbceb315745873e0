"""Fetching the URLs users give (the SourceFetcher port) without letting them reach inside:
`safe_fetcher` (httpx, loaded at the first fetch), `addresses` (which addresses are public),
`body` (the size cap, decoding included), `urls` (each hop's checks)."""
