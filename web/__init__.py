"""The candidates' site (Dash): search offers and see why each one is recommended."""
