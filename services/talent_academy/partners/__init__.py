"""Partners: companies, openings, hiring commitments, and graduates matched to openings."""
