"""Read side: what pages and the API show, built from the stored papers."""
