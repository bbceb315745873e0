"""Fetching the URLs users give (the SourceFetcher port) without letting them reach inside:
`safe_fetcher` (httpx, loaded at the first fetch), `urls` (each hop's checks), `lookup` (each
host resolved once per fetch, all its addresses checked), `addresses` (which addresses are
public), `body` (the size cap, decoding included), `failures` (transport errors as sentences
that name no address)."""
