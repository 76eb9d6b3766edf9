"""faust-streaming workers: validate, enrich and embed raw offers into the enriched topic."""
