"""`scripthub demo seed`: a small, realistic catalogue for newcomers and local development."""
