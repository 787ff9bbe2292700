"""HTTP layer: one package per area of the site; views parse, call one service, respond."""
